import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Worktree, WorktreeSnapshot } from '../../src/agents';
import type { AgentMetadata } from '../../src/agents/agentMetadata';
import type { WorktreeStatus } from '../../src/git/types';
import {
  attemptLabel,
  changeSummary,
  formatAge,
  formatAgo,
  trashLabel,
  worktreeBadge,
  worktreeContextValue,
  worktreeDescription,
  worktreeKind,
} from '../../src/views/presentation';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const NOW = Date.UTC(2026, 10, 21, 12);

function worktree(overrides: Partial<Worktree> = {}): Worktree {
  return {
    path: '/repos/app',
    head: SHA,
    branchRef: 'refs/heads/main',
    branch: 'main',
    detached: false,
    bare: false,
    isMain: true,
    locked: false,
    lockReason: undefined,
    prunable: false,
    prunableReason: undefined,
    gone: false,
    gitDir: '/repos/app/.git',
    agent: undefined,
    ...overrides,
  };
}

function status(overrides: Partial<WorktreeStatus> = {}): WorktreeStatus {
  const base = { staged: 0, unstaged: 0, untracked: 0, conflicted: 0, conflictedPaths: [], renamedFromPaths: [], ...overrides };
  return {
    headOid: SHA,
    branch: 'main',
    upstream: undefined,
    ahead: undefined,
    behind: undefined,
    changedPaths: [],
    headMovedAt: NOW - 3 * 3_600_000,
    newestChangeAt: undefined,
    lastActivityAt: NOW - 3 * 3_600_000,
    dirty: base.staged + base.unstaged + base.untracked + base.conflicted > 0,
    ...base,
  };
}

/** `null` status = none was read (gone, bare, or failed). */
const snap = (w: Partial<Worktree>, s: Partial<WorktreeStatus> | null = {}, statusError?: Error): WorktreeSnapshot => ({
  worktree: worktree(w),
  status: s === null ? undefined : status(s),
  statusError,
});

describe('worktree presentation', () => {
  test('description: branch · changes · upstream distance · age', () => {
    const description = worktreeDescription(snap({}, { unstaged: 2, staged: 1, untracked: 3, ahead: 1, behind: 2 }), NOW);
    assert.equal(description, 'main · ●2 +1 ?3 · ↑1 ↓2 · 3h');
    assert.equal(worktreeDescription(snap({}, {}), NOW), 'main · 3h');
  });

  test('description of detached, gone, bare and unreadable worktrees', () => {
    assert.equal(
      worktreeDescription(snap({ branch: undefined, branchRef: undefined, detached: true }, { branch: undefined }), NOW),
      'detached at 01234567 · 3h',
    );
    assert.equal(worktreeDescription(snap({ gone: true }, null), NOW), 'main · folder missing');
    assert.equal(worktreeDescription(snap({ bare: true, head: undefined }, null), NOW), 'bare repository');
    assert.equal(worktreeDescription(snap({}, null, new Error('x')), NOW), 'main · status unavailable');
  });

  test('kind: a missing folder outranks a lock, a lock outranks main', () => {
    assert.equal(worktreeKind(snap({ gone: true, locked: true, prunable: true })), 'gone');
    assert.equal(worktreeKind(snap({ prunable: true, locked: true, isMain: false })), 'prunable');
    assert.equal(worktreeKind(snap({ locked: true, isMain: false })), 'locked');
    assert.equal(worktreeKind(snap({})), 'main');
    assert.equal(worktreeKind(snap({ isMain: false, detached: true, branch: undefined })), 'detached');
    assert.equal(worktreeKind(snap({ isMain: false, branch: 'task' })), 'linked');
    assert.equal(worktreeKind(snap({ bare: true })), 'bare');
  });

  test('contextValue lists every true flag in a fixed order', () => {
    assert.equal(worktreeContextValue(snap({}, { unstaged: 1 })), 'worktree+main+dirty');
    assert.equal(
      worktreeContextValue(snap({ isMain: false, locked: true, gone: true, prunable: true }, null)),
      'worktree+linked+locked+prunable+gone',
    );
    assert.equal(worktreeContextValue(snap({ isMain: false }, { conflicted: 1 })), 'worktree+linked+dirty+conflicted');
    assert.equal(worktreeContextValue(snap({ isMain: false }, null, new Error('x'))), 'worktree+linked+error');
  });

  test('badge: conflicts first, then change count (max two characters), gone, locked', () => {
    assert.equal(worktreeBadge(snap({}, { conflicted: 1, unstaged: 4 }))?.badge, '!');
    assert.equal(worktreeBadge(snap({}, { unstaged: 4, untracked: 1 }))?.badge, '5');
    assert.equal(worktreeBadge(snap({}, { untracked: 250 }))?.badge, '99');
    assert.equal(worktreeBadge(snap({}, { untracked: 2 }))?.color, 'gitDecoration.untrackedResourceForeground');
    assert.equal(worktreeBadge(snap({}, { staged: 1 }))?.color, 'gitDecoration.modifiedResourceForeground');
    assert.equal(worktreeBadge(snap({ gone: true }, null))?.badge, '✕');
    assert.equal(worktreeBadge(snap({ locked: true }, {}))?.badge, 'L');
    assert.equal(worktreeBadge(snap({}, {})), undefined);
    for (const s of [{ untracked: 5000 }, { conflicted: 3 }]) {
      assert.ok((worktreeBadge(snap({}, s))?.badge.length ?? 0) <= 2);
    }
  });

  test('agent worktrees: own kind and icon key, +agent in the context value; task and branch left to the tooltip', () => {
    const agent = {
      version: 1 as const,
      baseCommit: SHA,
      baseBranch: 'main',
      createdAt: new Date(NOW - 86_400_000).toISOString(),
      task: 'Fix the rounding\nof tax totals in the cart and checkout pages, everywhere',
      createdFrom: '/repos/app',
      agentCommand: undefined,
    };
    const snapshot = snap({ isMain: false, branch: 'agent/fix', agent }, { unstaged: 1 });
    assert.equal(worktreeKind(snapshot), 'agent');
    assert.equal(worktreeContextValue(snapshot), 'worktree+linked+agent+dirty');
    assert.equal(worktreeDescription(snapshot, NOW), '●1 · 3h', 'what fits at the default sidebar width');
    assert.equal(worktreeKind(snap({ isMain: false, agent, gone: true }, null)), 'gone', 'a missing folder still outranks');
  });

  test('change summary shows only non-zero counts', () => {
    assert.equal(changeSummary({ staged: 0, unstaged: 0, untracked: 0, conflicted: 0 }), '');
    assert.equal(changeSummary({ staged: 0, unstaged: 0, untracked: 0, conflicted: 2 }), '!2');
  });

  test('age is compact', () => {
    assert.equal(formatAge(5_000), 'now');
    assert.equal(formatAge(5 * 60_000), '5m');
    assert.equal(formatAge(3 * 3_600_000), '3h');
    assert.equal(formatAge(2 * 86_400_000), '2d');
    assert.equal(formatAge(21 * 86_400_000), '3w');
    assert.equal(formatAge(120 * 86_400_000), '4mo');
    assert.equal(formatAge(800 * 86_400_000), '2y');
    assert.equal(formatAge(-10_000), 'now', 'a clock skew never shows a negative age');
    assert.equal(formatAgo(5_000), 'just now');
    assert.equal(formatAgo(3 * 3_600_000), '3h ago');
  });
});

describe('attempts, told apart', () => {
  const agent = (index: number, agentCommand: string | undefined, group = 'g1'): AgentMetadata => ({
    version: 1,
    baseCommit: SHA,
    baseBranch: 'main',
    createdAt: new Date(NOW).toISOString(),
    task: 'Make search fast',
    createdFrom: '/repos/app',
    agentCommand,
    attempt: { group, index, count: 3 },
  });
  const attempt = (index: number, agentCommand: string | undefined, group?: string) =>
    snap({ path: `/repos/app.worktrees/make-search-fast-${index}`, isMain: false, agent: agent(index, agentCommand, group) });

  test('under their task: number and agent program, without folders or arguments', () => {
    const siblings = [attempt(1, 'claude'), attempt(2, '/usr/local/bin/codex --full-auto'), attempt(3, undefined)];
    assert.deepEqual(
      siblings.map((sibling) => attemptLabel(sibling, siblings)),
      ['#1 · claude', '#2 · codex', '#3'],
    );
    // The program as Run Agent finds it: past variable assignments, inside quotes.
    const withEnv = [attempt(1, 'ANTHROPIC_LOG=debug claude --resume'), attempt(2, "'/opt/my agents/aider' --yes")];
    assert.deepEqual(
      withEnv.map((sibling) => attemptLabel(sibling, withEnv)),
      ['#1 · claude', '#2 · aider'],
    );
  });

  test('a lone attempt (the others discarded) and a plain agent worktree keep their names', () => {
    const lone = attempt(2, 'claude');
    assert.equal(attemptLabel(lone, [lone, attempt(1, 'claude', 'another group')]), undefined);
    const plain = snap({ path: '/repos/app.worktrees/x', isMain: false });
    assert.equal(attemptLabel(plain, [plain]), undefined);
  });

  test('trash items of attempts say which attempt; others their task, else their folder', () => {
    assert.equal(trashLabel({ path: '/w/make-search-fast-2', agent: agent(2, 'codex') }), 'Make search fast · attempt #2');
    assert.equal(trashLabel({ path: '/w/fix', agent: { ...agent(1, 'claude'), attempt: undefined, task: 'Fix it' } }), 'Fix it');
    assert.equal(trashLabel({ path: '/w/by-hand', agent: undefined }), 'by-hand');
  });
});
