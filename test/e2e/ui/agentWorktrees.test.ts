import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createFixtureRepo, type FixtureRepo, git } from '../harness/fixtures';
import { useWorkbench } from './session';
import { actOnRows, openWorktreesView, row, waitUntil } from './workbench';

describe('Agent worktrees in the real workbench', () => {
  let fixture: FixtureRepo;
  const session = useWorkbench({
    label: 'ui-agents',
    makeFolder: (parent) => {
      fixture = createFixtureRepo(parent);
      return fixture.repo;
    },
  });
  const folderOf = (name: string) => path.join(session.parent, 'shop.worktrees', name);

  test('New Agent Worktree from the view toolbar: type a task, the agent worktree appears', async () => {
    const sidebar = await openWorktreesView(session.page);
    await row(sidebar, 'shop').waitFor({ timeout: 30_000 });
    await sidebar.hover();
    await session.page
      .locator('.part.sidebar .actions-container .action-label[aria-label^="New Agent Worktree"]')
      .first()
      .click();
    const input = session.page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill('Speed up the search page');
    await session.page.locator('.quick-input-message', { hasText: 'speed-up-the-search-page' }).waitFor();
    await session.page.keyboard.press('Enter');
    const created = row(sidebar, 'speed-up-the-search-page');
    await created.waitFor({ timeout: 30_000 });
    assert.match(await created.innerText(), /Speed up the search page/, 'the task is the description');
    const folder = folderOf('speed-up-the-search-page');
    assert.ok(existsSync(path.join(folder, 'README.md')));
    assert.equal(git(folder, ['symbolic-ref', '--short', 'HEAD']).trim(), 'agent/speed-up-the-search-page');
    await session.page
      .locator('.notifications-toasts', { hasText: 'is ready on branch agent/speed-up-the-search-page' })
      .waitFor();
  });

  test('multi-select Discard with a dirty target asks first; declining removes nothing', async () => {
    const sidebar = await openWorktreesView(session.page);
    for (const name of ['discard-a', 'discard-b']) {
      await session.page.keyboard.press('F1');
      await session.page.locator('.quick-input-widget input').fill('>Agent Worktrees: New Agent Worktree');
      await session.page.locator('.quick-input-list .monaco-list-row', { hasText: 'New Agent Worktree' }).first().click();
      await session.page.locator('.quick-input-widget input').fill(name);
      await session.page.keyboard.press('Enter');
      await row(sidebar, name).waitFor({ timeout: 30_000 });
    }
    const dirtyFolder = folderOf('discard-b');
    writeFileSync(path.join(dirtyFolder, 'agent-output.txt'), 'unsaved agent work');
    await waitUntil(async () => /\?1/.test(await row(sidebar, 'discard-b').innerText()), 'discard-b shows its untracked file');

    await actOnRows(session.page, sidebar, ['discard-a', 'discard-b'], 'Discard Agent Work');

    const dialog = session.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    const text = await dialog.innerText();
    assert.match(text, /discard-a/);
    assert.match(text, /discard-b — 1 uncommitted file/);
    assert.match(text, /permanently loses 1 uncommitted file/);
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });

    assert.ok(existsSync(path.join(dirtyFolder, 'agent-output.txt')), 'the agent’s work is still there');
    assert.ok(existsSync(folderOf('discard-a')));
    assert.equal(await row(sidebar, 'discard-a').count(), 1);
    assert.equal(await row(sidebar, 'discard-b').count(), 1);
  });

  test('a batch with a locked worktree is refused with the reason, and nothing is removed', async () => {
    const sidebar = await openWorktreesView(session.page);
    git(fixture.repo, ['worktree', 'lock', '--reason', 'agent still running', folderOf('discard-a')]);
    await waitUntil(async () => (await row(sidebar, 'discard-a').locator('.codicon-lock').count()) === 1, 'the lock icon');
    await actOnRows(session.page, sidebar, ['speed-up-the-search-page', 'discard-a'], 'Discard Agent Work');
    const dialog = session.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    assert.match(await dialog.innerText(), /Nothing was removed[\s\S]*discard-a: it is locked \(agent still running\)/);
    await session.page.keyboard.press('Escape');
    assert.ok(existsSync(folderOf('discard-a')));
    assert.ok(existsSync(folderOf('speed-up-the-search-page')));
  });

  test('confirming the discard removes both worktrees and their branches', async () => {
    const sidebar = await openWorktreesView(session.page);
    git(fixture.repo, ['worktree', 'unlock', folderOf('discard-a')]);
    await waitUntil(async () => (await row(sidebar, 'discard-a').locator('.codicon-lock').count()) === 0, 'the lock icon to go');
    await actOnRows(session.page, sidebar, ['discard-a', 'discard-b'], 'Discard Agent Work');
    const dialog = session.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    await dialog.locator('.monaco-button', { hasText: 'Discard and Lose Work' }).click();
    await waitUntil(
      async () => (await row(sidebar, 'discard-a').count()) === 0 && (await row(sidebar, 'discard-b').count()) === 0,
      'both rows to go',
    );
    assert.equal(existsSync(folderOf('discard-b')), false);
    assert.equal(git(fixture.repo, ['branch', '--list', 'agent/discard-*']).trim(), '');
  });
});
