import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createAgentWorktree, GitService } from '../../../src/agents';
import { GitRunner } from '../../../src/git';
import { createFixtureRepo, type FixtureRepo, git } from '../harness/fixtures';
import { ROOT } from '../harness/paths';
import { useWorkbench } from './session';
import { actOnRows, openWorktreesView, row, screenshotsDir, threeThemes, useTheme, waitUntil } from './workbench';

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
  /** A test's own agent worktree, made the way the extension makes them (the view picks it up by itself). */
  const addAgentWorktree = async (name: string) =>
    (await createAgentWorktree(new GitService(new GitRunner()), { repoPath: fixture.repo, name })).path;

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
    // The row is named after the task; the task itself is kept with the worktree (the tooltip shows
    // it), not repeated in the row, which keeps its width for the agent's state and the counts.
    assert.doesNotMatch(await created.innerText(), /Speed up the search page/);
    const metadata = path.join(fixture.repo, '.git', 'worktrees', 'speed-up-the-search-page', 'agent-worktrees.json');
    assert.equal(JSON.parse(readFileSync(metadata, 'utf8')).task, 'Speed up the search page');
    await session.page
      .locator('.notifications-toasts', { hasText: 'is ready on branch agent/speed-up-the-search-page' })
      .waitFor();
    const folder = folderOf('speed-up-the-search-page');
    assert.ok(existsSync(path.join(folder, 'README.md')));
    assert.equal(git(folder, ['symbolic-ref', '--short', 'HEAD']).trim(), 'agent/speed-up-the-search-page');
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
    assert.match(text, /1 uncommitted file will be saved to the trash first/);
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await waitUntil(
      async () => session.server.extensionLog().includes('Discard agent work: not confirmed, nothing was removed'),
      'the extension to log that the discard was declined',
    );

    assert.ok(existsSync(path.join(dirtyFolder, 'agent-output.txt')), 'the agent’s work is still there');
    assert.ok(existsSync(folderOf('discard-a')));
    assert.equal(await row(sidebar, 'discard-a').count(), 1);
    assert.equal(await row(sidebar, 'discard-b').count(), 1);
  });

  test('a batch with a locked worktree is refused with the reason, and nothing is removed', async () => {
    const sidebar = await openWorktreesView(session.page);
    const idle = await addAgentWorktree('idle-agent');
    const running = await addAgentWorktree('still-running');
    git(fixture.repo, ['worktree', 'lock', '--reason', 'agent still running', running]);
    await row(sidebar, 'idle-agent').waitFor({ timeout: 30_000 });
    await waitUntil(async () => (await row(sidebar, 'still-running').locator('.codicon-lock').count()) === 1, 'the lock icon');
    await actOnRows(session.page, sidebar, ['idle-agent', 'still-running'], 'Discard Agent Work');
    const dialog = session.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    // The refusal is the outcome itself: it is shown instead of a confirmation, before anything runs.
    assert.match(await dialog.innerText(), /Nothing was removed[\s\S]*still-running: it is locked \(agent still running\)/);
    await session.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.ok(existsSync(idle));
    assert.ok(existsSync(running));
    git(fixture.repo, ['worktree', 'unlock', running]);
    await waitUntil(
      async () => (await row(sidebar, 'still-running').locator('.codicon-lock').count()) === 0,
      'the lock icon to go',
    );
  });

  test('confirming the discard removes both worktrees and their branches', async () => {
    const sidebar = await openWorktreesView(session.page);
    const clean = await addAgentWorktree('confirm-clean');
    const dirty = await addAgentWorktree('confirm-dirty');
    writeFileSync(path.join(dirty, 'agent-output.txt'), 'unsaved agent work');
    await waitUntil(
      async () => /\?1/.test(await row(sidebar, 'confirm-dirty').innerText()),
      'confirm-dirty shows its untracked file',
    );
    await row(sidebar, 'confirm-clean').waitFor();
    await actOnRows(session.page, sidebar, ['confirm-clean', 'confirm-dirty'], 'Discard Agent Work');
    const dialog = session.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    await dialog.locator('.monaco-button', { hasText: 'Discard to Trash' }).click();
    await waitUntil(
      async () => (await row(sidebar, 'confirm-clean').count()) === 0 && (await row(sidebar, 'confirm-dirty').count()) === 0,
      'both rows to go',
    );
    assert.equal(existsSync(clean), false);
    assert.equal(existsSync(dirty), false);
    assert.equal(git(fixture.repo, ['branch', '--list', 'agent/confirm-*']).trim(), '');
  });

  test('the discarded work is in the trash row; clicking it restores the worktree with its file', async () => {
    const sidebar = await openWorktreesView(session.page);
    const trashRow = row(sidebar, 'Trash');
    await trashRow.waitFor({ timeout: 30_000 });
    assert.match(await trashRow.innerText(), /1 discarded worktree/);
    mkdirSync(screenshotsDir(ROOT), { recursive: true });
    for (const [theme, kind, file] of threeThemes('trash-row')) {
      await useTheme(session.page, theme, kind);
      await session.page.mouse.move(1200, 780);
      const [box, rowBox] = [await sidebar.boundingBox(), await trashRow.boundingBox()];
      assert.ok(box && rowBox);
      // The last rows of the view, the trash row at the bottom (where it is in a real view).
      const top = Math.max(box.y, rowBox.y - 130);
      const clip = { x: box.x, y: top, width: box.width, height: rowBox.y + rowBox.height + 6 - top };
      await session.page.screenshot({ path: path.join(screenshotsDir(ROOT), file), clip });
    }
    await useTheme(session.page, 'Dark Modern', 'vs-dark');
    await trashRow.click();
    const pick = session.page.locator('.quick-input-list .monaco-list-row', { hasText: 'confirm-dirty' });
    await pick.waitFor({ timeout: 15_000 });
    assert.match(await pick.innerText(), /1 uncommitted file · agent\/confirm-dirty/);
    const picker = await session.page.locator('.quick-input-widget').boundingBox();
    assert.ok(picker);
    await session.page.screenshot({ path: path.join(screenshotsDir(ROOT), 'trash-restore-pick-dark.png'), clip: picker });
    await pick.click();
    await row(sidebar, 'confirm-dirty').waitFor({ timeout: 30_000 });
    assert.equal(readFileSync(path.join(folderOf('confirm-dirty'), 'agent-output.txt'), 'utf8'), 'unsaved agent work');
    assert.equal(git(folderOf('confirm-dirty'), ['symbolic-ref', '--short', 'HEAD']).trim(), 'agent/confirm-dirty');
    await waitUntil(async () => (await trashRow.count()) === 0, 'the trash row to go (the trash is empty)');
  });
});
