import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { createAgentWorktree, GitService } from '../../../src/agents';
import { GitRunner } from '../../../src/git';
import { createFixtureRepo, git } from '../harness/fixtures';
import { ROOT } from '../harness/paths';
import { useWorkbench } from './session';
import { openReview as openReviewOf, screenshotsDir, waitUntil } from './workbench';

// How the agent's work lands, from the review panel (issue 13): into a checkout with its own
// uncommitted edits and back out with Undo Last Keep, Keep and Commit, Cherry-pick — each saying
// before the click what it will do.

const LINES = Array.from({ length: 30 }, (_, index) => `line ${index + 1}`);
const text = (edits: Record<number, string>) => `${LINES.map((line, index) => edits[index + 1] ?? line).join('\n')}\n`;

describe('Review panel: landing the work', () => {
  let repo: string;
  const service = new GitService(new GitRunner());
  const session = useWorkbench({
    label: 'landing',
    settings: { 'agentWorktrees.afterKeep': 'keep' },
    makeFolder: async (parent) => {
      repo = createFixtureRepo(parent).repo;
      writeFileSync(path.join(repo, 'notes.txt'), text({}));
      git(repo, ['add', 'notes.txt']);
      git(repo, ['commit', '--quiet', '-m', 'notes']);
      return repo;
    },
  });

  const openReview = (name: string): Promise<FrameLocator> => openReviewOf(session.page, name);

  /** The main worktree as the user left it: committed, so each test starts from a clean checkout. */
  const commitMain = (message: string) => {
    if (git(repo, ['status', '--porcelain']).trim() === '') return;
    git(repo, ['add', '--all']);
    git(repo, ['commit', '--quiet', '-m', message]);
  };

  test('keep into a checkout with its own edit: both land, the plan said so; Undo Last Keep puts the user’s bytes back', async () => {
    commitMain('before the dirty keep');
    const agent = await createAgentWorktree(service, { repoPath: repo, name: 'dirty-keep' });
    writeFileSync(path.join(agent.path, 'notes.txt'), text({ 28: 'line 28 — the agent' }));
    writeFileSync(path.join(agent.path, 'extra.txt'), 'the agent’s new file\n');
    const users = text({ 2: 'line 2 — mine, not committed' });
    writeFileSync(path.join(repo, 'notes.txt'), users);

    const frame = await openReview('dirty-keep');
    await frame
      .locator('#landing-plan', { hasText: 'as unstaged changes; your own uncommitted edits there are merged' })
      .waitFor();
    await frame.locator('#keep-all').click();
    await frame.locator('#status', { hasText: 'merged with your uncommitted edits' }).waitFor({ timeout: 30_000 });
    assert.equal(
      readFileSync(path.join(repo, 'notes.txt'), 'utf8'),
      text({ 2: 'line 2 — mine, not committed', 28: 'line 28 — the agent' }),
    );
    assert.equal(git(repo, ['diff', '--cached', '--name-only']).trim(), '', 'nothing staged: the user’s edit stays unstaged');

    const undo = frame.locator('#undo-keep');
    await undo.waitFor({ timeout: 15_000 });
    await undo.click();
    await frame.locator('#status', { hasText: 'Undid the last keep' }).waitFor({ timeout: 30_000 });
    assert.equal(readFileSync(path.join(repo, 'notes.txt'), 'utf8'), users, 'the user’s bytes, exactly');
    assert.equal(git(repo, ['status', '--porcelain', '--', 'extra.txt']).trim(), '', 'the kept new file is gone again');
    // The work is back to review.
    await frame.locator('.file-list .path', { hasText: 'extra.txt' }).waitFor({ timeout: 15_000 });
    writeFileSync(path.join(repo, 'notes.txt'), text({}));
  });

  test('Keep and Commit: the buttons and the plan say it, the message is editable, exactly the kept files are committed', async () => {
    commitMain('before keep and commit');
    const agent = await createAgentWorktree(service, { repoPath: repo, name: 'commit-it', task: 'Add the shipping note' });
    writeFileSync(path.join(agent.path, 'shipping.txt'), 'ships in 2 days\n');
    writeFileSync(path.join(repo, 'mine.txt'), 'the user’s own untracked file\n');

    const frame = await openReview('commit-it');
    await frame.locator('#commit-kept').check();
    await frame.locator('#keep-all .label', { hasText: 'Keep All and Commit' }).waitFor();
    await frame.locator('#keep-selected .label', { hasText: 'Keep and Commit 1 file' }).waitFor();
    await frame.locator('#landing-plan', { hasText: 'commits exactly those files on branch main' }).waitFor();
    const message = frame.locator('#commit-message');
    assert.match(await message.inputValue(), /^Add the shipping note/);
    await message.fill('');
    assert.equal(await frame.locator('#keep-all').isDisabled(), true, 'no message, no commit');
    await message.fill('Shipping note, from the agent');
    const shots = screenshotsDir(ROOT);
    mkdirSync(shots, { recursive: true });
    await session.page.screenshot({ path: path.join(shots, 'review-keep-and-commit.png') });
    await frame.locator('#keep-all').click();
    await frame.locator('#status', { hasText: 'Kept 1 file' }).waitFor({ timeout: 30_000 });
    assert.equal(git(repo, ['log', '-1', '--format=%s']).trim(), 'Shipping note, from the agent');
    assert.equal(git(repo, ['show', '--name-only', '--format=', 'HEAD']).trim(), 'shipping.txt');
    assert.equal(git(repo, ['status', '--porcelain']).trim(), '?? mine.txt', 'the user’s own file is not committed');
  });

  test('Cherry-pick: the button names the commits and where they go; they land with their messages and author', async () => {
    commitMain('before the cherry-pick');
    const agent = await createAgentWorktree(service, { repoPath: repo, name: 'pick-these' });
    const agentCommit = (file: string, subject: string) => {
      writeFileSync(path.join(agent.path, file), `${subject}\n`);
      git(agent.path, ['add', file]);
      // The fixture's git sets the demo identity in the environment: the agent's own, here.
      const identity = { GIT_AUTHOR_NAME: 'Agent Smith', GIT_AUTHOR_EMAIL: 'agent@example.com' };
      execFileSync('git', ['commit', '--quiet', '-m', subject], { cwd: agent.path, env: { ...process.env, ...identity } });
    };
    agentCommit('one.txt', 'First agent commit');
    agentCommit('two.txt', 'Second agent commit');

    const frame = await openReview('pick-these');
    const pick = frame.locator('#cherry-pick');
    await pick.waitFor({ timeout: 15_000 });
    assert.match(await pick.innerText(), /Cherry-pick 2 Commits/);
    const title = (await pick.getAttribute('title')) ?? '';
    assert.match(title, /onto branch main/);
    assert.match(title, /“First agent commit”, “Second agent commit”/);
    await pick.click();
    await frame.locator('#status', { hasText: 'Picked 2 commits onto main' }).waitFor({ timeout: 30_000 });
    assert.deepEqual(git(repo, ['log', '-2', '--format=%s|%an']).trim().split('\n'), [
      'Second agent commit|Agent Smith',
      'First agent commit|Agent Smith',
    ]);
    // Its work counts as kept: nothing left to review, and no second pick offered.
    await frame.locator('.empty', { hasText: 'Nothing to review' }).waitFor({ timeout: 15_000 });
    await waitUntil(async () => (await frame.locator('#cherry-pick').count()) === 0, 'no second pick offered');
  });

  test('an agent that worked on an older base: the panel says so, and what brings the new commits in', async () => {
    commitMain('before the stale base');
    const agent = await createAgentWorktree(service, { repoPath: repo, name: 'older-base' });
    writeFileSync(path.join(agent.path, 'notes.txt'), text({ 5: 'line 5 — the agent' }));
    writeFileSync(path.join(repo, 'main-moved.txt'), 'one\n');
    commitMain('main moves on');
    writeFileSync(path.join(repo, 'main-moved.txt'), 'two\n');
    commitMain('and again');
    const frame = await openReview('older-base');
    const warning = frame.locator('.stale-base');
    await warning.waitFor({ timeout: 15_000 });
    assert.match(await warning.innerText(), /main moved 2 commits since this agent started: it worked on an older base/);
    const shots = screenshotsDir(ROOT);
    mkdirSync(shots, { recursive: true });
    await session.page.screenshot({
      path: path.join(shots, 'review-stale-base.png'),
      clip: { x: 0, y: 0, width: 1280, height: 330 },
    });
  });
});
