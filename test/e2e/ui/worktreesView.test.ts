import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { sleep } from '../harness/codeServer';
import { createFixtureRepo, type FixtureRepo, git } from '../harness/fixtures';
import { useWorkbench } from './session';
import { badgeOf, contextMenuAction, openWorktreesView, row, waitUntil } from './workbench';

describe('Worktrees view in the real workbench', () => {
  let fixture: FixtureRepo;
  const session = useWorkbench({
    label: 'ui',
    makeFolder: (parent) => {
      fixture = createFixtureRepo(parent);
      return fixture.repo;
    },
  });

  let markers = 0;
  /**
   * A positive signal that the watchers have dealt with every earlier event: one more untracked
   * file in the main worktree, and its row showing git's new untracked count. Watcher events are
   * read in batches, in order, and reads of one repository queue behind each other, so once this
   * shows, so does anything the watchers made of what happened before it.
   */
  const watchersCaughtUp = async (sidebar: Locator) => {
    writeFileSync(path.join(fixture.repo, `watcher-marker-${++markers}.txt`), 'marker\n');
    const untracked = git(fixture.repo, ['status', '--porcelain'])
      .split('\n')
      .filter((line) => line.startsWith('??')).length;
    const shown = new RegExp(`\\?${untracked}(\\s|$)`);
    await waitUntil(async () => shown.test(await row(sidebar, 'shop').innerText()), `the main worktree to show ?${untracked}`);
  };

  test('shows the main worktree and both linked ones, with the dirty badge only on the dirty one', async () => {
    const sidebar = await openWorktreesView(session.page);
    for (const label of ['shop', 'fix-tax', 'add-coupons']) await row(sidebar, label).waitFor({ timeout: 30_000 });
    const dirty = row(sidebar, 'add-coupons');
    await assert.doesNotReject(waitUntil(async () => (await badgeOf(dirty)) === '2', 'badge "2" on add-coupons'));
    assert.match(await dirty.innerText(), /agent\/add-coupons · ●1 \?1/);
    assert.equal(await badgeOf(row(sidebar, 'fix-tax')), '');
    assert.equal(await badgeOf(row(sidebar, 'shop')), '');
  });

  test('an edit on disk in a clean worktree shows its badge without pressing Refresh', async () => {
    const sidebar = await openWorktreesView(session.page);
    const clean = row(sidebar, 'fix-tax');
    assert.equal(await badgeOf(clean), '');
    writeFileSync(path.join(fixture.clean, 'src', 'cart.ts'), 'export const cart = ["edited"];\n');
    const started = Date.now();
    await waitUntil(async () => (await badgeOf(clean)) === '1', 'badge "1" on fix-tax', 5_000);
    assert.ok(Date.now() - started < 5_000);
    assert.match(await clean.innerText(), /●1/);
  });

  test('the toolbar Refresh re-reads what no watcher reports', async () => {
    const sidebar = await openWorktreesView(session.page);
    const behind = row(sidebar, 'fix-tax');
    await behind.waitFor({ timeout: 30_000 });
    // Move main ahead, then make it fix-tax's upstream. Setting an upstream only writes .git/config,
    // which is not watched, so the "behind" count can only appear through Refresh.
    git(fixture.repo, ['commit', '--quiet', '--allow-empty', '-m', 'main moves on']);
    await watchersCaughtUp(sidebar); // whatever the watchers make of the commit is on screen now
    git(fixture.clean, ['branch', '--quiet', '--set-upstream-to=main']);
    await watchersCaughtUp(sidebar); // and had their chance to react to the config change
    assert.doesNotMatch(await behind.innerText(), /↓1/, 'nothing reported the config change yet');
    await sidebar.hover();
    await session.page.locator('.part.sidebar .actions-container .action-label[aria-label^="Refresh"]').first().click();
    await waitUntil(async () => /↓1/.test(await behind.innerText()), 'fix-tax shows it is one commit behind main');
  });

  test('context menu: Copy Worktree Path puts the path on the clipboard', async () => {
    const sidebar = await openWorktreesView(session.page);
    await contextMenuAction(session.page, row(sidebar, 'add-coupons'), 'Copy Worktree Path');
    await waitUntil(
      async () => (await session.page.evaluate(() => navigator.clipboard.readText())) === fixture.dirty,
      'clipboard',
    );
  });

  test('context menu: Open Terminal in Worktree opens a shell in that folder', async () => {
    const sidebar = await openWorktreesView(session.page);
    await contextMenuAction(session.page, row(sidebar, 'fix-tax'), 'Open Terminal in Worktree');
    const terminal = session.page.locator('.terminal-wrapper.active .xterm, .terminal .xterm').first();
    await terminal.waitFor({ timeout: 20_000 });
    const proof = path.join(session.parent, 'terminal-cwd.txt');
    await sleep(1_500); // the shell prints its prompt
    await terminal.click();
    await session.page.keyboard.type(`pwd > '${proof}'\n`);
    await waitUntil(
      async () => existsSync(proof) && readFileSync(proof, 'utf8').trim() === fixture.clean,
      'pwd in the terminal',
      10_000,
    );
  });
});
