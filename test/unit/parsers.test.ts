import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GitError, parseStatusV2, parseWorktreeList } from '../../src/git';

const SHA = 'a'.repeat(40);
const z = (...records: string[][]) => records.map((fields) => `${fields.join('\0')}\0\0`).join('');

describe('parseWorktreeList', () => {
  test('reads main, linked, detached, bare, locked and prunable records verbatim', () => {
    const output = z(
      ['worktree /repos/main repo', `HEAD ${SHA}`, 'branch refs/heads/main'],
      ['worktree /repos/wt/ünïcødé name', `HEAD ${SHA}`, 'branch refs/heads/feature/ü'],
      ['worktree /repos/wt/line\nbreak', `HEAD ${SHA}`, 'detached'],
      ['worktree /repos/wt/locked', `HEAD ${SHA}`, 'branch refs/heads/l', 'locked agent running: do not touch\nsecond line'],
      ['worktree /repos/wt/locked-no-reason', `HEAD ${SHA}`, 'branch refs/heads/l2', 'locked'],
      ['worktree /repos/wt/gone', `HEAD ${SHA}`, 'branch refs/heads/g', 'prunable gitdir file points to non-existent location'],
    );
    const records = parseWorktreeList(output);
    assert.equal(records.length, 6);
    assert.deepEqual(records[0], {
      path: '/repos/main repo',
      head: SHA,
      branchRef: 'refs/heads/main',
      detached: false,
      bare: false,
      isMain: true,
      locked: false,
      lockReason: undefined,
      prunable: false,
      prunableReason: undefined,
    });
    assert.equal(records[1]?.path, '/repos/wt/ünïcødé name');
    assert.equal(records[1]?.branchRef, 'refs/heads/feature/ü');
    assert.equal(records[1]?.isMain, false);
    assert.equal(records[2]?.path, '/repos/wt/line\nbreak');
    assert.equal(records[2]?.detached, true);
    assert.equal(records[2]?.branchRef, undefined);
    assert.equal(records[3]?.lockReason, 'agent running: do not touch\nsecond line');
    assert.equal(records[4]?.locked, true);
    assert.equal(records[4]?.lockReason, undefined);
    assert.equal(records[5]?.prunable, true);
    assert.equal(records[5]?.prunableReason, 'gitdir file points to non-existent location');
  });

  test('reads a bare repository record', () => {
    const records = parseWorktreeList(z(['worktree /repos/x.git', 'bare'], ['worktree /repos/x-wt', `HEAD ${SHA}`, 'detached']));
    assert.equal(records[0]?.bare, true);
    assert.equal(records[0]?.isMain, true);
    assert.equal(records[0]?.head, undefined);
    assert.equal(records[1]?.bare, false);
  });

  test('ignores attributes a newer git may add', () => {
    const records = parseWorktreeList(z(['worktree /r', `HEAD ${SHA}`, 'branch refs/heads/main', 'someday-new thing']));
    assert.equal(records.length, 1);
    assert.equal(records[0]?.branchRef, 'refs/heads/main');
  });

  test('empty output is an empty list, garbage is a typed parse error', () => {
    assert.deepEqual(parseWorktreeList(''), []);
    assert.throws(
      () => parseWorktreeList('HEAD abc\0\0'),
      (error: unknown) => error instanceof GitError && error.code === 'ParseError',
    );
  });
});

describe('parseStatusV2', () => {
  const header = ['# branch.oid ' + SHA, '# branch.head feature/x', '# branch.upstream origin/feature/x', '# branch.ab +3 -1'];

  test('counts staged, unstaged, untracked and conflicted entries and reads the branch headers', () => {
    const entries = [
      `1 M. N... 100644 100644 100644 ${SHA} ${SHA} staged only.txt`,
      `1 .M N... 100644 100644 100644 ${SHA} ${SHA} unstaged only.txt`,
      `1 MM N... 100644 100644 100644 ${SHA} ${SHA} both.txt`,
      `2 R. N... 100644 100644 100644 ${SHA} ${SHA} R100 new name.txt`,
      'old name.txt',
      `u UU N... 100644 100644 100644 100644 ${SHA} ${SHA} ${SHA} conflict file.txt`,
      '? untracked file.txt',
      '? untracked dir/',
    ];
    const report = parseStatusV2([...header, ...entries].map((field) => `${field}\0`).join(''));
    assert.equal(report.headOid, SHA);
    assert.equal(report.branch, 'feature/x');
    assert.equal(report.upstream, 'origin/feature/x');
    assert.equal(report.ahead, 3);
    assert.equal(report.behind, 1);
    assert.equal(report.staged, 3, 'M., MM and the rename');
    assert.equal(report.unstaged, 2, '.M and MM');
    assert.equal(report.untracked, 2);
    assert.equal(report.conflicted, 1);
    assert.deepEqual(report.changedPaths, [
      'staged only.txt',
      'unstaged only.txt',
      'both.txt',
      'new name.txt',
      'conflict file.txt',
      'untracked file.txt',
      'untracked dir/',
    ]);
  });

  test('a rename whose original path looks like a record is not miscounted', () => {
    const fields = [`2 R. N... 100644 100644 100644 ${SHA} ${SHA} R90 b`, '? looks untracked'];
    const report = parseStatusV2(fields.map((field) => `${field}\0`).join(''));
    assert.equal(report.staged, 1);
    assert.equal(report.untracked, 0);
  });

  test('unborn branch, detached HEAD and no upstream', () => {
    const unborn = parseStatusV2('# branch.oid (initial)\0# branch.head main\0');
    assert.equal(unborn.headOid, undefined);
    assert.equal(unborn.branch, 'main');
    const detached = parseStatusV2(`# branch.oid ${SHA}\0# branch.head (detached)\0`);
    assert.equal(detached.branch, undefined);
    assert.equal(detached.upstream, undefined);
    assert.equal(detached.ahead, undefined);
  });

  test('paths with spaces, unicode and newlines survive', () => {
    const report = parseStatusV2(`1 .M N... 100644 100644 100644 ${SHA} ${SHA} dir with space/ü\nnew line.txt\0`);
    assert.deepEqual(report.changedPaths, ['dir with space/ü\nnew line.txt']);
  });

  test('an unknown record is a parse error, not a silent zero', () => {
    assert.throws(
      () => parseStatusV2('X something\0'),
      (error: unknown) => error instanceof GitError && error.code === 'ParseError',
    );
    assert.throws(() => parseStatusV2('1 M.\0'), /too few fields/);
  });
});
