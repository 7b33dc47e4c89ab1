import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createAgentWorktree, findStaleWorktrees } from '../../src/agents';
import { commitFile, createRepo, git, recordingService, write } from './helpers/gitFixture';

const DAY = 24 * 60 * 60 * 1000;

describe('stale sweep', () => {
  test('offers idle, clean agent worktrees with nothing unkept, and gone ones; never dirty, locked, unkept or plain ones', async () => {
    const repo = createRepo('sweep');
    const { service } = recordingService();
    const make = (name: string) => createAgentWorktree(service, { repoPath: repo, name });
    const idle = await make('idle');
    const dirty = await make('dirty');
    const unkept = await make('unkept');
    const locked = await make('locked');
    const gone = await make('gone');
    const plain = path.join(path.dirname(repo), 'plain');
    git(repo, 'worktree', 'add', '--quiet', '-b', 'plain', plain);
    write(dirty.path, 'work.txt', 'uncommitted');
    commitFile(unkept.path, 'commit.txt', 'only here');
    git(repo, 'worktree', 'lock', locked.path);
    rmSync(gone.path, { recursive: true, force: true });

    const snapshot = await service.readRepository({ commonDir: path.join(repo, '.git') });
    const inAMonth = Date.now() + 30 * DAY;
    const stale = await findStaleWorktrees(service, [snapshot], { staleAfterDays: 14, now: inAMonth });
    const offered = new Map(stale.map((candidate) => [path.basename(candidate.snapshot.worktree.path), candidate.reason]));
    assert.deepEqual([...offered.keys()].sort(), ['gone', 'idle']);
    assert.match(offered.get('idle') ?? '', /no activity for 30 days, clean, nothing unkept/);
    assert.equal(offered.get('gone'), 'folder missing');

    const today = await findStaleWorktrees(service, [snapshot], { staleAfterDays: 14, now: Date.now() });
    assert.deepEqual(
      today.map((candidate) => path.basename(candidate.snapshot.worktree.path)),
      ['gone'],
      'recent work is never offered',
    );
    const protectedIdle = await findStaleWorktrees(service, [snapshot], {
      staleAfterDays: 14,
      now: inAMonth,
      protectedPaths: [idle.path],
    });
    assert.ok(
      !protectedIdle.some((candidate) => candidate.snapshot.worktree.path === idle.path),
      'not the open window’s worktree',
    );
    assert.ok(git(repo, 'worktree', 'list').includes(idle.path), 'finding candidates removes nothing');
  });
});
