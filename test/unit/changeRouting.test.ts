import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { relativeInside, samePath } from '../../src/git/paths';
import { routeChange, type WatchedRepository } from '../../src/views/changeRouting';

const common = '/repos/app/.git';
const repo: WatchedRepository = {
  commonDir: common,
  worktrees: [
    { path: '/repos/app', gitDir: common, branchRef: 'refs/heads/main', isMain: true },
    {
      path: '/repos/app.worktrees/task-a',
      gitDir: `${common}/worktrees/task-a`,
      branchRef: 'refs/heads/agent/task-a',
      isMain: false,
    },
    { path: '/repos/app/.worktrees/inside', gitDir: `${common}/worktrees/inside`, branchRef: undefined, isMain: false },
  ],
};
const worktree = (...paths: string[]) => ({ kind: 'worktrees', paths });

describe('routeChange', () => {
  test('a file edited in a worktree re-reads only that worktree', () => {
    assert.deepEqual(routeChange(repo, '/repos/app.worktrees/task-a/src/x.ts'), worktree('/repos/app.worktrees/task-a'));
    assert.deepEqual(routeChange(repo, '/repos/app/src/x.ts'), worktree('/repos/app'));
  });

  test('a worktree nested inside the main one owns its own files', () => {
    assert.deepEqual(routeChange(repo, '/repos/app/.worktrees/inside/file'), worktree('/repos/app/.worktrees/inside'));
  });

  test("a worktree's index or HEAD in the admin dir re-reads that worktree", () => {
    assert.deepEqual(routeChange(repo, `${common}/worktrees/task-a/index`), worktree('/repos/app.worktrees/task-a'));
    assert.deepEqual(routeChange(repo, `${common}/worktrees/task-a/HEAD`), worktree('/repos/app.worktrees/task-a'));
    assert.deepEqual(routeChange(repo, `${common}/index`), worktree('/repos/app'));
    assert.deepEqual(routeChange(repo, `${common}/HEAD`), worktree('/repos/app'));
  });

  test('adding, removing or locking a worktree re-lists the repository', () => {
    assert.deepEqual(routeChange(repo, `${common}/worktrees/new-one`), { kind: 'repository' });
    assert.deepEqual(routeChange(repo, `${common}/worktrees/unknown/HEAD`), { kind: 'repository' });
    assert.deepEqual(routeChange(repo, `${common}/worktrees/task-a/locked`), { kind: 'repository' });
    assert.deepEqual(routeChange(repo, `${common}/worktrees/task-a/gitdir`), { kind: 'repository' });
  });

  test('a moved branch re-reads the worktrees that have it checked out; remote refs re-read all', () => {
    assert.deepEqual(routeChange(repo, `${common}/refs/heads/agent/task-a`), worktree('/repos/app.worktrees/task-a'));
    assert.deepEqual(routeChange(repo, `${common}/refs/heads/unrelated`), { kind: 'none' });
    assert.deepEqual(routeChange(repo, `${common}/refs/remotes/origin/main`), { kind: 'repository' });
    assert.deepEqual(routeChange(repo, `${common}/packed-refs`), { kind: 'repository' });
  });

  test('lock files, objects, a linked worktree`s .git file and outside paths are ignored', () => {
    assert.deepEqual(routeChange(repo, `${common}/index.lock`), { kind: 'none' });
    assert.deepEqual(routeChange(repo, `${common}/objects/ab/cdef`), { kind: 'none' });
    assert.deepEqual(routeChange(repo, '/repos/app.worktrees/task-a/.git'), { kind: 'none' });
    assert.deepEqual(routeChange(repo, '/elsewhere/file'), { kind: 'none' });
    assert.deepEqual(routeChange(repo, '/repos/app.worktrees/task-a-sibling/file'), { kind: 'none' });
  });
});

describe('relativeInside', () => {
  test('distinguishes inside, the folder itself, siblings with a shared prefix and ..-named files', () => {
    assert.equal(relativeInside('/a/b', '/a/b'), '');
    assert.equal(relativeInside('/a/b', '/a/b/c'), 'c');
    assert.equal(relativeInside('/a/b', '/a/bc'), undefined);
    assert.equal(relativeInside('/a/b', '/a'), undefined);
    assert.equal(relativeInside('/a/b', path.join('/a/b', '..foo')), '..foo');
  });

  test('trailing separators do not matter; case only where the file system folds it', () => {
    assert.equal(relativeInside('/a/b/', '/a/b/c/'), 'c');
    assert.equal(samePath('/a/b/', '/a/b'), true);
    assert.equal(relativeInside('/A/b', '/a/B/Dir/File', true), 'Dir/File');
    assert.equal(samePath('/A/b', '/a/B', true), true);
    assert.equal(relativeInside('/A/b', '/a/B/c', false), undefined);
    assert.equal(samePath('/A/b', '/a/B', false), false);
  });
});
