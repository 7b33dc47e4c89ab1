import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WorktreeSnapshot } from '../../src/agents';
import { BaseDriftCache } from '../../src/views/baseDrift';
import { worktreeDescription } from '../../src/views/presentation';

const BASE = 'a'.repeat(40);
const TIP = 'b'.repeat(40);

function snapshot(fields: { path: string; branch?: string; head: string; baseBranch?: string }): WorktreeSnapshot {
  return {
    worktree: {
      path: fields.path,
      head: fields.head,
      branch: fields.branch,
      branchRef: fields.branch && `refs/heads/${fields.branch}`,
      gone: false,
      bare: false,
      detached: !fields.branch,
      isMain: fields.baseBranch === undefined,
      locked: false,
      prunable: false,
      gitDir: undefined,
      agent: fields.baseBranch
        ? {
            version: 1,
            baseCommit: BASE,
            baseBranch: fields.baseBranch,
            createdAt: '2026-01-01T00:00:00Z',
            task: undefined,
            createdFrom: '/r',
            agentCommand: undefined,
          }
        : undefined,
    },
    status: undefined,
    statusError: undefined,
  } as unknown as WorktreeSnapshot;
}

describe('how far an agent’s base branch moved', () => {
  test('from the worktree that has the branch checked out: 0 without git; counted once per base and tip', async () => {
    const counted: string[] = [];
    let changes = 0;
    const cache = new BaseDriftCache(
      async (_cwd, range) => {
        counted.push(range);
        return 12;
      },
      () => changes++,
    );
    const agent = snapshot({ path: '/wt', branch: 'agent/x', head: 'c'.repeat(40), baseBranch: 'main' });
    assert.equal(cache.commitsBehind(agent, [snapshot({ path: '/r', branch: 'main', head: BASE }), agent]), 0);
    const moved = [snapshot({ path: '/r', branch: 'main', head: TIP }), agent];
    assert.equal(cache.commitsBehind(agent, moved), undefined, 'not known until counted');
    assert.equal(cache.commitsBehind(agent, moved), undefined, 'one count at a time');
    await new Promise((resolve) => setTimeout(resolve, 150)); // announced once, a moment later
    assert.equal(changes, 1);
    assert.equal(cache.commitsBehind(agent, moved), 12);
    assert.deepEqual(counted, [`${BASE}..${TIP}`]);
    assert.equal(cache.commitsBehind(agent, [agent]), undefined, 'the base branch checked out nowhere: the tooltip counts it');
  });

  test('the row says it after the counts', () => {
    const agent = snapshot({ path: '/wt', branch: 'agent/x', head: 'c'.repeat(40), baseBranch: 'main' });
    const withStatus = {
      ...agent,
      status: { staged: 0, unstaged: 2, untracked: 0, conflicted: 0, dirty: true },
    } as unknown as WorktreeSnapshot;
    assert.equal(worktreeDescription(withStatus, Date.now(), 12), '●2 · base ↓12');
    assert.equal(worktreeDescription(withStatus, Date.now(), 0), '●2');
  });
});
