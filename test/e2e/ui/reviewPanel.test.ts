import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { createAgentWorktree, GitService, keep } from '../../../src/agents';
import { GitRunner } from '../../../src/git';
import { sleep } from '../harness/codeServer';
import { createFixtureRepo, git } from '../harness/fixtures';
import { ROOT } from '../harness/paths';
import { useWorkbench } from './session';
import { openReview as openReviewOf, reviewFrame, runCommand, screenshotsDir, waitUntil } from './workbench';

const HOSTILE_NAME = '<img src=x onerror=alert(1)>.txt';
const HOSTILE_CONTENT = '</script><script>alert(1)</script>\n';
const LONG = Array.from({ length: 40 }, (_, index) => `line ${index + 1}`);

describe('Review panel in the real workbench', () => {
  let repo: string;
  const session = useWorkbench({
    label: 'review',
    settings: { 'agentWorktrees.afterKeep': 'keep' },
    makeFolder: async (parent) => {
      repo = createFixtureRepo(parent).repo;
      writeFileSync(path.join(repo, 'long.txt'), `${LONG.join('\n')}\n`);
      git(repo, ['add', 'long.txt']);
      git(repo, ['commit', '--quiet', '-m', 'long file']);
      const service = new GitService(new GitRunner());
      await createAgentWorktree(service, { repoPath: repo, name: 'nothing-yet' });
      const created = await createAgentWorktree(service, { repoPath: repo, task: 'Tidy the shop' });
      const agentPath = created.path;
      const edited = [...LONG];
      edited[2] = 'line 3 — first hunk (left out)';
      edited[36] = 'line 37 — second hunk (kept)';
      writeFileSync(path.join(agentPath, 'long.txt'), `${edited.join('\n')}\n`);
      writeFileSync(path.join(agentPath, 'coupons.ts'), 'export const coupons = ["SAVE10"];\n');
      writeFileSync(path.join(agentPath, HOSTILE_NAME), HOSTILE_CONTENT);
      mkdirSync(path.join(agentPath, 'docs'), { recursive: true });
      writeFileSync(path.join(agentPath, 'docs', 'notes.md'), '# notes\n');
      return repo;
    },
  });

  const panel = (): FrameLocator => reviewFrame(session.page);
  const openReview = (name: string): Promise<FrameLocator> => openReviewOf(session.page, name);

  /**
   * The state a user reaches in the first test, for a test of its own: an agent worktree `name`
   * with a two-hunk edit of long.txt and a hostile file; in its review the user unticked the file
   * and hunk 1 and kept the rest. The main worktree's earlier kept changes are committed first (as
   * the user would), so this keep is not refused over them.
   */
  const reviewAfterPartialKeep = async (name: string) => {
    if (git(repo, ['status', '--porcelain']).trim() !== '') {
      git(repo, ['add', '--all']);
      git(repo, ['commit', '--quiet', '-m', `kept before ${name}`]);
    }
    const created = await createAgentWorktree(new GitService(new GitRunner()), { repoPath: repo, name });
    const lines = readFileSync(path.join(repo, 'long.txt'), 'utf8').split('\n');
    const firstHunk = `line 3 — ${name}, first hunk (left out)`;
    lines[2] = firstHunk;
    lines[36] = `line 37 — ${name}, second hunk (kept)`;
    writeFileSync(path.join(created.path, 'long.txt'), lines.join('\n'));
    writeFileSync(path.join(created.path, HOSTILE_NAME), HOSTILE_CONTENT);
    const frame = await openReview(name);
    await frame.locator(`input.file-check[aria-label="Keep ${HOSTILE_NAME} (file list)"]`).uncheck();
    await frame.locator('input.hunk-check[aria-label="Keep hunk 1 of long.txt"]').uncheck();
    await frame.locator('#keep-selected').click();
    await frame.locator('#status', { hasText: '1 of 2 hunks of long.txt into' }).waitFor({ timeout: 30_000 });
    await waitUntil(async () => (await frame.locator('.file-list .path').count()) === 2, 'the list to show only what is left');
    return { agentPath: created.path, frame, firstHunk };
  };

  /** The main worktree's earlier kept changes committed (as the user would), then a fresh agent worktree. */
  const freshAgent = async (name: string) => {
    if (git(repo, ['status', '--porcelain']).trim() !== '') {
      git(repo, ['add', '--all']);
      git(repo, ['commit', '--quiet', '-m', `kept before ${name}`]);
    }
    return createAgentWorktree(new GitService(new GitRunner()), { repoPath: repo, name });
  };

  test('open from the tree, untick a file and a hunk, Keep Selected: exactly those changes land', async () => {
    const dialogs: string[] = [];
    session.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const frame = await openReview('tidy-the-shop');
    await frame.locator('.task', { hasText: 'Tidy the shop' }).waitFor();
    const listed = await frame.locator('.file-list .path').allTextContents();
    assert.deepEqual([...listed].sort(), [HOSTILE_NAME, 'coupons.ts', 'docs/notes.md', 'long.txt'].sort());

    // The hostile name and content are text: no element was created from them, nothing ran.
    assert.equal(await frame.locator('img').count(), 0);
    await frame
      .locator('.d2h-code-line-ctn, .d2h-code-side-line', { hasText: '</script><script>alert(1)</script>' })
      .first()
      .waitFor();
    assert.deepEqual(dialogs, []);
    // Syntax colours: the TypeScript grammar's chunk loaded under the page's CSP.
    await frame.locator('section.file-diff[data-path="coupons.ts"] .hljs-keyword', { hasText: 'export' }).first().waitFor();

    await frame.locator(`input.file-check[aria-label="Keep ${HOSTILE_NAME} (file list)"]`).uncheck();
    await frame.locator('input.hunk-check[aria-label="Keep hunk 1 of long.txt"]').uncheck();
    await sleep(800);
    const shots = screenshotsDir(ROOT);
    mkdirSync(shots, { recursive: true });
    await session.page.screenshot({ path: path.join(shots, 'review-panel.png') });

    await frame.locator('#keep-selected').click();
    await frame.locator('#status', { hasText: 'Kept 2 files and 1 of 2 hunks of long.txt into' }).waitFor({ timeout: 30_000 });
    const kept = readFileSync(path.join(repo, 'long.txt'), 'utf8').split('\n');
    assert.equal(kept[2], 'line 3', 'the unticked hunk was not kept');
    assert.equal(kept[36], 'line 37 — second hunk (kept)');
    assert.equal(readFileSync(path.join(repo, 'coupons.ts'), 'utf8'), 'export const coupons = ["SAVE10"];\n');
    assert.equal(readFileSync(path.join(repo, 'docs', 'notes.md'), 'utf8'), '# notes\n');
    assert.equal(existsSync(path.join(repo, HOSTILE_NAME)), false, 'the unticked file was not kept');

    // What was left out is still there to review; what was kept is gone from the list.
    await waitUntil(async () => (await frame.locator('.file-list .path').count()) === 2, 'the list to show only what is left');
    assert.deepEqual((await frame.locator('.file-list .path').allTextContents()).sort(), [HOSTILE_NAME, 'long.txt'].sort());
    const leftHunk = frame.locator('input.hunk-check[aria-label="Keep hunk 1 of long.txt"]');
    await leftHunk.waitFor();
    assert.equal(await leftHunk.isChecked(), false, 'the one hunk left is the one the user left out');
    assert.equal(
      await frame.locator('input.file-check[aria-label="Keep long.txt (file list)"]').isChecked(),
      false,
      'the hunk the user rejected is still rejected: one more click must not keep it',
    );
    assert.deepEqual(dialogs, []);
  });

  test('live: new agent work appears by itself; Open in Diff Editor; a reload restores the panel', async () => {
    const { agentPath, frame } = await reviewAfterPartialKeep('live-review');
    writeFileSync(path.join(agentPath, 'late-arrival.txt'), 'written while the panel is open\n');
    await frame.locator('.file-list .path', { hasText: 'late-arrival.txt' }).waitFor({ timeout: 15_000 });
    assert.equal(
      await frame.locator(`input.file-check[aria-label="Keep ${HOSTILE_NAME} (file list)"]`).isChecked(),
      false,
      'the user’s selection survives the update',
    );

    await frame.locator('.file', { hasText: 'long.txt' }).locator('button', { hasText: 'Open in Diff Editor' }).click();
    await session.page.locator('.tabs-container .tab', { hasText: 'long.txt (agent changes)' }).waitFor({ timeout: 15_000 });
    await session.page.locator('.monaco-diff-editor').first().waitFor();

    // Reload the way the workbench does it: its open editors are saved before the page goes. A bare
    // page.reload() only finds the panel again if a periodic save happened to run in between.
    const reloaded = session.page.waitForEvent('load', { timeout: 60_000 });
    await runCommand(session.page, 'Developer: Reload Window');
    await reloaded;
    await session.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await session.page.locator('.tabs-container .tab', { hasText: 'Review: live-review' }).first().click();
    await panel().locator('h1', { hasText: 'Review live-review' }).waitFor({ timeout: 30_000 });
    await panel().locator('.file-list .path', { hasText: 'late-arrival.txt' }).waitFor();
    assert.equal(
      await panel().locator(`input.file-check[aria-label="Keep ${HOSTILE_NAME} (file list)"]`).isChecked(),
      false,
      'the user’s selection survives a reload',
    );
    assert.equal(
      await panel().locator('input.file-check[aria-label="Keep long.txt (file list)"]').isChecked(),
      false,
      'the rejected hunk survives a reload',
    );
  });

  test('Change… keeps into another worktree of the repository', async () => {
    const { agentPath, frame, firstHunk } = await reviewAfterPartialKeep('change-target');
    writeFileSync(path.join(agentPath, 'late-arrival.txt'), 'written while the panel is open\n');
    await frame.locator('.file-list .path', { hasText: 'late-arrival.txt' }).waitFor({ timeout: 15_000 });
    await frame.locator('#choose-target').click();
    const input = session.page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill('fix-tax');
    await session.page.locator('.quick-input-list .monaco-list-row', { hasText: 'fix-tax' }).first().click();
    const fixTax = path.join(path.dirname(repo), 'shop.worktrees', 'fix-tax');
    await frame.locator('.meta', { hasText: `keeps into ${fixTax}` }).waitFor({ timeout: 15_000 });
    // fix-tax branched before long.txt existed: keep only the new file there.
    await frame.locator('input.file-check[aria-label="Keep long.txt (file list)"]').uncheck();
    await frame.locator('#keep-selected').click();
    await frame.locator('#status', { hasText: `into ${fixTax}` }).waitFor({ timeout: 30_000 });
    assert.equal(readFileSync(path.join(fixTax, 'late-arrival.txt'), 'utf8'), 'written while the panel is open\n');
    assert.equal(existsSync(path.join(repo, 'late-arrival.txt')), false, 'the main worktree got nothing this time');
    assert.equal(existsSync(path.join(fixTax, HOSTILE_NAME)), false, 'still unticked');

    // Back to the main worktree, keep long.txt's remaining hunk: the earlier "leave hunk 1 out"
    // choice belonged to the old diff and must not silently drop it now. (First the user commits
    // what was kept before; otherwise keep rightly refuses to touch uncommitted long.txt.)
    git(repo, ['add', '--all']);
    git(repo, ['commit', '--quiet', '-m', 'the first kept part']);
    await frame.locator('#choose-target').click();
    await input.fill('shop');
    await session.page.locator('.quick-input-list .monaco-list-row', { hasText: repo }).first().click();
    await frame.locator('.meta', { hasText: `keeps into ${repo} ` }).waitFor({ timeout: 15_000 });
    await frame.locator('input.file-check[aria-label="Keep long.txt (file list)"]').check();
    await frame.locator('#keep-selected').click();
    await waitUntil(
      async () => readFileSync(path.join(repo, 'long.txt'), 'utf8').split('\n')[2] === firstHunk,
      'the remaining hunk in the main worktree',
    );
  });

  test('Discard removes the agent worktree and its branch after the confirmation', async () => {
    // Its own agent worktree, part of whose work was already kept (as after a partial keep).
    const service = new GitService(new GitRunner());
    const discarded = await createAgentWorktree(service, { repoPath: repo, name: 'discard-from-panel' });
    writeFileSync(path.join(discarded.path, 'kept-part.txt'), 'kept into the main worktree\n');
    writeFileSync(path.join(discarded.path, 'agent-notes.txt'), 'work the user will throw away\n');
    await keep(service, discarded.path, { files: ['kept-part.txt'] });
    const frame = await openReview('discard-from-panel');
    await frame.locator('.file-list .path', { hasText: 'agent-notes.txt' }).waitFor();
    await frame.locator('#discard').click();
    const dialog = session.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    assert.match(await dialog.innerText(), /uncommitted file/);
    await dialog.locator('.monaco-button', { hasText: 'Discard to Trash' }).click();
    await waitUntil(async () => !existsSync(discarded.path), 'the worktree folder to go', 20_000);
    await waitUntil(async () => git(repo, ['branch', '--list', 'agent/discard-from-panel']).trim() === '', 'the branch to go');
    await waitUntil(async () => (await session.page.locator('iframe.webview.ready').count()) === 0, 'the panel to close');
    assert.equal(readFileSync(path.join(repo, 'kept-part.txt'), 'utf8'), 'kept into the main worktree\n', 'what was kept stays');
    rmSync(path.join(repo, 'kept-part.txt'));
  });

  test('an empty review keeps Keep disabled after a Discard the user cancelled', async () => {
    const frame = await openReview('nothing-yet');
    await frame.locator('.empty', { hasText: 'Nothing to review' }).waitFor();
    assert.equal(await frame.locator('#keep-all').isDisabled(), true);

    await frame.locator('#discard').click();
    const dialog = session.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await frame.locator('#status', { hasText: 'Nothing was discarded.' }).waitFor({ timeout: 15_000 });
    assert.equal(await frame.locator('#keep-all').isDisabled(), true, 'nothing to keep: Keep All stays disabled');
    assert.equal(await frame.locator('#keep-selected').isDisabled(), true, 'nothing to keep: Keep Selected stays disabled');
    assert.equal(await frame.locator('#discard').isDisabled(), false, 'Discard can be clicked again');
  });
  test('hunks are chosen at their header in the diff: dimmed, tri-state file box, counts and Keep follow; keyboard too', async () => {
    const created = await freshAgent('hunk-choice');
    const original = readFileSync(path.join(repo, 'long.txt'), 'utf8');
    const lines = original.split('\n');
    lines[2] = 'line 3 — hunk one';
    lines[36] = 'line 37 — hunk two';
    writeFileSync(path.join(created.path, 'long.txt'), lines.join('\n'));
    writeFileSync(path.join(created.path, 'extra.txt'), 'one\n');
    const frame = await openReview('hunk-choice');
    const hunk = (n: number) => frame.locator(`input.hunk-check[aria-label="Keep hunk ${n} of long.txt"]`);
    const keepButton = frame.locator('#keep-selected');
    await hunk(1).waitFor();
    assert.equal((await keepButton.innerText()).trim(), 'Keep 2 files · 3 of 3 hunks');

    // Untick hunk 1 at its header: the file box is "mixed", the hunk dimmed, the words follow.
    await hunk(1).uncheck();
    await frame.locator('#keep-selected', { hasText: 'Keep 2 files · 2 of 3 hunks' }).waitFor();
    const fileBox = frame.locator('input.file-check[aria-label="Keep long.txt (file list)"]');
    assert.equal(await fileBox.evaluate((box) => (box as HTMLInputElement).indeterminate), true);
    assert.equal(await fileBox.getAttribute('aria-checked'), 'mixed');
    const firstHunk = frame.locator('section.file-diff[data-path="long.txt"] tbody.hunk[data-hunk="0"]').first();
    assert.match((await firstHunk.getAttribute('class')) ?? '', /\bexcluded\b/);
    const dimmed = await firstHunk
      .locator('tr:not(.hunk-header) td')
      .first()
      .evaluate((cell) => getComputedStyle(cell).opacity);
    assert.equal(dimmed, '0.45');
    // Side by side, both sides of the hunk are left out: the new side is dimmed too.
    const sides = frame.locator('section.file-diff[data-path="long.txt"] tbody.hunk[data-hunk="0"]');
    assert.equal(await sides.count(), 2, 'the old and the new side each group the hunk');
    const newSide = await sides
      .nth(1)
      .locator('tr:not(.hunk-header) td')
      .first()
      .evaluate((cell) => getComputedStyle(cell).opacity);
    assert.equal(newSide, '0.45');
    await frame.locator('li.file[data-path="long.txt"] .counts', { hasText: '+1 −1 of +2 −2' }).waitFor();
    await frame.locator('#totals', { hasText: 'keeping 2 of 2 files · +2 −1 of +3 −2' }).waitFor();

    // The inline view has the same checkboxes with the same state.
    await frame.locator('#layout').click();
    await frame.locator('.d2h-file-diff input.hunk-check[aria-label="Keep hunk 1 of long.txt"]').waitFor();
    assert.equal(await hunk(1).isChecked(), false);

    // Keyboard: j moves to the next hunk, Space and Enter toggle, k moves back.
    await hunk(1).focus();
    await session.page.keyboard.press('j');
    assert.equal(await frame.locator(':focus').getAttribute('aria-label'), 'Keep hunk 2 of long.txt');
    await session.page.keyboard.press('Space');
    await frame.locator('#keep-selected', { hasText: 'Keep 1 file · 1 of 3 hunks' }).waitFor();
    assert.equal(await fileBox.isChecked(), false, 'no hunk left: the file is left out');
    await frame.locator('li.file.excluded[data-path="long.txt"]').waitFor();
    await session.page.keyboard.press('Enter');
    await session.page.keyboard.press('k');
    assert.equal(await frame.locator(':focus').getAttribute('aria-label'), 'Keep hunk 1 of long.txt');
    await session.page.keyboard.press('Enter');
    await frame.locator('#keep-selected', { hasText: 'Keep 2 files · 3 of 3 hunks' }).waitFor();
    await hunk(1).uncheck();
    await frame.locator('#layout').click();

    await keepButton.click();
    await frame.locator('#status', { hasText: 'Kept 1 file and 1 of 2 hunks of long.txt into' }).waitFor({ timeout: 30_000 });
    const kept = readFileSync(path.join(repo, 'long.txt'), 'utf8').split('\n');
    assert.deepEqual([kept[2], kept[36]], [original.split('\n')[2], 'line 37 — hunk two'], 'hunk 1 left out, hunk 2 kept');
    assert.equal(readFileSync(path.join(repo, 'extra.txt'), 'utf8'), 'one\n');

    // Undo Last Keep puts both files back exactly, and the work is back to review.
    const undo = frame.locator('#undo-keep');
    await undo.waitFor({ timeout: 15_000 });
    assert.match((await undo.getAttribute('aria-label')) ?? '', /2 files into/);
    await undo.click();
    await frame.locator('#status', { hasText: 'Undid the last keep: 2 files back as they were' }).waitFor({ timeout: 30_000 });
    assert.equal(readFileSync(path.join(repo, 'long.txt'), 'utf8'), original);
    assert.equal(existsSync(path.join(repo, 'extra.txt')), false);
    await frame.locator('li.file[data-path="long.txt"] .counts', { hasText: '+1 −1 of +2 −2' }).waitFor({ timeout: 15_000 });
    await frame.locator('li.file[data-path="extra.txt"]').waitFor();
    await waitUntil(async () => (await frame.locator('#undo-keep').count()) === 0, 'no keep left to undo');
  });
});
