import assert from 'node:assert/strict';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { commitFile, createRepo, divergeOnFile, git, recordingService, tempDir, write } from './helpers/gitFixture';

const commonDirOf = (repo: string) => ({ commonDir: path.join(repo, '.git') });

describe('listWorktrees', () => {
  test('main, linked (spaces, unicode, newline in the path), detached, locked and gone worktrees', async () => {
    const repo = createRepo();
    const parent = path.dirname(repo);
    const spaced = path.join(parent, 'wt with spaces ünï');
    const newline = path.join(parent, 'line\nbreak');
    const detached = path.join(parent, 'detached');
    const locked = path.join(parent, 'locked');
    const gone = path.join(parent, 'gone');
    git(repo, 'worktree', 'add', '--quiet', '-b', 'feature/ü', spaced);
    git(repo, 'worktree', 'add', '--quiet', '-b', 'nl', newline);
    git(repo, 'worktree', 'add', '--quiet', '--detach', detached);
    git(repo, 'worktree', 'add', '--quiet', '-b', 'locked', locked);
    git(repo, 'worktree', 'lock', '--reason', 'agent is running: keep out', locked);
    git(repo, 'worktree', 'add', '--quiet', '-b', 'gone', gone);
    rmSync(gone, { recursive: true, force: true });

    const worktrees = await recordingService().service.listWorktrees(commonDirOf(repo));
    const byPath = new Map(worktrees.map((worktree) => [worktree.path, worktree]));
    assert.deepEqual([...byPath.keys()].sort(), [repo, spaced, newline, detached, locked, gone].sort());

    const main = byPath.get(repo);
    assert.equal(main?.isMain, true);
    assert.equal(main?.branch, 'main');
    assert.equal(main?.gitDir, path.join(repo, '.git'));

    assert.equal(byPath.get(spaced)?.branch, 'feature/ü');
    assert.equal(byPath.get(spaced)?.isMain, false);
    assert.equal(path.dirname(byPath.get(spaced)?.gitDir ?? ''), path.join(repo, '.git', 'worktrees'));
    assert.equal(byPath.get(newline)?.branch, 'nl');
    assert.equal(byPath.get(detached)?.detached, true);
    assert.equal(byPath.get(detached)?.branch, undefined);
    assert.equal(byPath.get(locked)?.locked, true);
    assert.equal(byPath.get(locked)?.lockReason, 'agent is running: keep out');
    assert.equal(byPath.get(gone)?.gone, true);
    assert.equal(byPath.get(gone)?.prunable, true);
    assert.equal(byPath.get(spaced)?.gone, false);
  });

  test('a bare repository lists itself first (bare) and then its worktrees', async () => {
    const source = createRepo('source');
    const bare = path.join(tempDir('bare'), 'project.git');
    git(path.dirname(bare), 'clone', '--quiet', '--bare', source, bare);
    const linked = path.join(path.dirname(bare), 'project-main');
    git(bare, 'worktree', 'add', '--quiet', linked, 'main');
    const worktrees = await recordingService().service.listWorktrees({ commonDir: bare });
    assert.equal(worktrees[0]?.bare, true);
    assert.equal(worktrees[0]?.isMain, true);
    assert.equal(worktrees[1]?.path, linked);
    assert.equal(worktrees[1]?.branch, 'main');
  });

  test('a failing list is an error, never an empty list', async () => {
    const plain = tempDir('not-a-repo');
    await assert.rejects(recordingService().service.listWorktrees({ commonDir: plain }), { name: 'GitError' });
  });
});

describe('getStatus', () => {
  test('counts staged, unstaged and untracked changes', async () => {
    const repo = createRepo();
    commitFile(repo, 'a.txt', 'a\n');
    commitFile(repo, 'b.txt', 'b\n');
    write(repo, 'a.txt', 'a changed\n');
    git(repo, 'add', 'a.txt'); // staged
    write(repo, 'a.txt', 'a changed twice\n'); // and unstaged on top
    write(repo, 'b.txt', 'b changed\n'); // unstaged
    write(repo, 'new one.txt', 'new\n'); // untracked
    write(repo, 'new dir/x.txt', 'x\n'); // untracked folder counts once (normal mode)
    const status = await recordingService().service.getStatus({ path: repo, gitDir: path.join(repo, '.git') });
    assert.equal(status.staged, 1);
    assert.equal(status.unstaged, 2);
    assert.equal(status.untracked, 2);
    assert.equal(status.conflicted, 0);
    assert.equal(status.dirty, true);
    assert.equal(status.branch, 'main');
  });

  test('a merge conflict is counted as conflicted (and dirty)', async () => {
    const repo = createRepo();
    commitFile(repo, 'shared.txt', 'base\n');
    divergeOnFile(repo, 'shared.txt', { side: 'theirs\n', current: 'ours\n' }, 'other');
    assert.throws(() => git(repo, 'merge', '--quiet', 'other'));
    const status = await recordingService().service.getStatus({ path: repo, gitDir: path.join(repo, '.git') });
    assert.equal(status.conflicted, 1);
    assert.equal(status.dirty, true);
  });

  test('upstream ahead and behind', async () => {
    const repo = createRepo();
    git(repo, 'branch', 'upstream-branch');
    commitFile(repo, 'ahead1.txt', '1');
    commitFile(repo, 'ahead2.txt', '2');
    git(repo, 'checkout', '--quiet', 'upstream-branch');
    commitFile(repo, 'behind.txt', 'b');
    git(repo, 'checkout', '--quiet', 'main');
    git(repo, 'branch', '--quiet', '--set-upstream-to=upstream-branch');
    const status = await recordingService().service.getStatus({ path: repo, gitDir: path.join(repo, '.git') });
    assert.equal(status.upstream, 'upstream-branch');
    assert.equal(status.ahead, 2);
    assert.equal(status.behind, 1);
  });

  test('detached HEAD has no branch', async () => {
    const repo = createRepo();
    git(repo, 'checkout', '--quiet', '--detach');
    const status = await recordingService().service.getStatus({ path: repo, gitDir: path.join(repo, '.git') });
    assert.equal(status.branch, undefined);
    assert.match(status.headOid ?? '', /^[0-9a-f]{40}$/);
  });

  test('a repository with a submodule: a changed submodule counts as a change', async () => {
    const library = createRepo('library');
    const app = createRepo('app');
    git(app, 'submodule', 'add', '--quiet', library, 'vendor/library');
    git(app, 'commit', '--quiet', '-m', 'add submodule');
    const clean = await recordingService().service.getStatus({ path: app, gitDir: path.join(app, '.git') });
    assert.equal(clean.dirty, false);
    write(path.join(app, 'vendor', 'library'), 'README.md', 'changed inside the submodule\n');
    const dirty = await recordingService().service.getStatus({ path: app, gitDir: path.join(app, '.git') });
    assert.equal(dirty.unstaged, 1);
    assert.deepEqual(dirty.changedPaths, ['vendor/library']);
  });

  test('last activity: when HEAD moved (reflog), or the newest changed file when later', async () => {
    const repo = createRepo();
    const reflog = git(repo, 'log', '-g', '-1', '--format=%gd %ct', '--date=unix', 'HEAD').trim();
    const headMovedAt = Number(reflog.split(' ')[1]) * 1000;
    const clean = await recordingService().service.getStatus({ path: repo, gitDir: path.join(repo, '.git') });
    assert.equal(clean.headMovedAt, headMovedAt);
    assert.equal(clean.newestChangeAt, undefined);
    assert.equal(clean.lastActivityAt, headMovedAt);

    const later = new Date(headMovedAt + 3_600_000);
    const file = write(repo, 'README.md', 'edited\n');
    utimesSync(file, later, later);
    const dirty = await recordingService().service.getStatus({ path: repo, gitDir: path.join(repo, '.git') });
    assert.equal(dirty.newestChangeAt, later.getTime());
    assert.equal(dirty.lastActivityAt, later.getTime());
  });
});

describe('reading a repository', () => {
  function repoWithWorktrees(count: number) {
    const repo = createRepo();
    const paths: string[] = [];
    for (let i = 0; i < count; i++) {
      const worktree = path.join(path.dirname(repo), `wt-${i}`);
      git(repo, 'worktree', 'add', '--quiet', '-b', `task-${i}`, worktree);
      paths.push(worktree);
    }
    write(paths[0] as string, 'dirty.txt', 'dirty\n');
    return { repo, paths };
  }

  test('a refresh of N worktrees spawns exactly 2 + N git processes (the list, the trash, a status each)', async () => {
    const { repo } = repoWithWorktrees(5);
    const recording = recordingService();
    const snapshot = await recording.service.readRepository(commonDirOf(repo));
    assert.equal(snapshot.worktrees.length, 6);
    const calls = recording.gitCalls();
    assert.equal(calls.length, 2 + 6, calls.join('\n'));
    assert.equal(calls.filter((line) => line.startsWith('> git worktree list')).length, 1);
    assert.equal(calls.filter((line) => line.startsWith('> git for-each-ref')).length, 1);
    assert.equal(calls.filter((line) => line.startsWith('> git status')).length, 6);
    assert.equal(snapshot.name, path.basename(repo));
    assert.equal(snapshot.worktrees.filter((entry) => entry.status?.dirty).length, 1);
  });

  test('re-reading one worktree spawns exactly 1 git process', async () => {
    const { repo, paths } = repoWithWorktrees(3);
    const recording = recordingService();
    const snapshot = await recording.service.readRepository(commonDirOf(repo));
    const target = snapshot.worktrees.find((entry) => entry.worktree.path === paths[1]);
    assert.ok(target);
    recording.reset();
    write(paths[1] as string, 'more.txt', 'x');
    const reread = await recording.service.readWorktree(target.worktree);
    assert.equal(recording.gitCalls().length, 1);
    assert.equal(reread.status?.untracked, 1);
  });

  test('a gone worktree costs no status process and is reported as gone', async () => {
    const { repo, paths } = repoWithWorktrees(2);
    rmSync(paths[1] as string, { recursive: true, force: true });
    const recording = recordingService();
    const snapshot = await recording.service.readRepository(commonDirOf(repo));
    const gone = snapshot.worktrees.find((entry) => entry.worktree.path === paths[1]);
    assert.equal(gone?.worktree.gone, true);
    assert.equal(gone?.status, undefined);
    assert.equal(recording.gitCalls().length, 2 + 2); // the list, the trash, the two present worktrees' status
  });

  test('parallel status reads never exceed the configured parallelism', async () => {
    const { repo } = repoWithWorktrees(6);
    const { service, runner } = recordingService({ parallelism: 2 });
    let active = 0;
    let peak = 0;
    const run = runner.run.bind(runner);
    runner.run = async (...args) => {
      active++;
      peak = Math.max(peak, active);
      try {
        return await run(...args);
      } finally {
        active--;
      }
    };
    await service.readRepository(commonDirOf(repo));
    assert.equal(peak, 2);
  });

  test('a worktree whose status fails keeps the error instead of looking clean', async () => {
    const { repo, paths } = repoWithWorktrees(1);
    writeFileSync(path.join(paths[0] as string, '.git'), 'gitdir: /nonexistent/admin/dir\n');
    const snapshot = await recordingService().service.readRepository(commonDirOf(repo));
    const broken = snapshot.worktrees.find((entry) => entry.worktree.path === paths[0]);
    assert.equal(broken?.status, undefined);
    assert.ok(broken?.statusError, 'the failure is kept');
  });

  test('describeCommit reads sha, subject and time of HEAD', async () => {
    const repo = createRepo();
    const sha = commitFile(repo, 'x.txt', 'x', 'Add x: with a colon and ünïcode');
    const commit = await recordingService().service.describeCommit(repo, 'HEAD');
    assert.equal(commit.sha, sha);
    assert.equal(commit.subject, 'Add x: with a colon and ünïcode');
    assert.ok(commit.committedAt > 0);
  });
});
