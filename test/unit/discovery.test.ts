import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createAgentWorktree, WorktreeOperationError } from '../../src/agents';
import { createRepo, git, recordingService, tempDir } from './helpers/gitFixture';

describe('discoverRepository', () => {
  test('from the top level: top level, git dir and absolute common dir', async () => {
    const repo = createRepo();
    const found = await recordingService().service.discover(repo);
    assert.deepEqual(found, {
      kind: 'worktree',
      folder: repo,
      topLevel: repo,
      gitDir: path.join(repo, '.git'),
      commonDir: path.join(repo, '.git'),
      isLinkedWorktree: false,
    });
  });

  test('from a subfolder of a monorepo: the top level of the whole repository', async () => {
    const repo = createRepo('mono');
    const sub = path.join(repo, 'packages', 'app', 'src');
    mkdirSync(sub, { recursive: true });
    const found = await recordingService().service.discover(sub);
    assert.equal(found.kind, 'worktree');
    if (found.kind !== 'worktree') return;
    assert.equal(found.topLevel, repo);
    assert.equal(found.commonDir, path.join(repo, '.git'));
  });

  test('a linked worktree opened as the folder: its own top level, the shared common dir', async () => {
    const repo = createRepo();
    const linked = path.join(path.dirname(repo), 'linked tree');
    git(repo, 'worktree', 'add', '--quiet', '-b', 'topic', linked);
    const found = await recordingService().service.discover(linked);
    assert.equal(found.kind, 'worktree');
    if (found.kind !== 'worktree') return;
    assert.equal(found.topLevel, linked);
    assert.equal(found.commonDir, path.join(repo, '.git'));
    assert.equal(path.dirname(found.gitDir), path.join(repo, '.git', 'worktrees'));
    assert.equal(readFileSync(path.join(found.gitDir, 'gitdir'), 'utf8').trim(), path.join(linked, '.git'));
    assert.equal(found.isLinkedWorktree, true);
  });

  test('a bare repository is a clear state, not an exception', async () => {
    const bare = path.join(tempDir('bare'), 'project.git');
    git(path.dirname(bare), 'init', '--quiet', '--bare', bare);
    const found = await recordingService().service.discover(bare);
    assert.deepEqual(found, { kind: 'bare', folder: bare, gitDir: bare, commonDir: bare });
  });

  test('a folder that is no repository, and a missing folder, are states too', async () => {
    const plain = tempDir('plain');
    const found = await recordingService().service.discover(plain);
    assert.equal(found.kind, 'not-a-repository');
    if (found.kind === 'not-a-repository') assert.match(found.reason, /not a git repository/);
    assert.deepEqual(await recordingService().service.discover(path.join(plain, 'nope')), {
      kind: 'missing',
      folder: path.join(plain, 'nope'),
    });
  });

  test('inside a submodule: the submodule is its own repository', async () => {
    const library = createRepo('library');
    const app = createRepo('app');
    git(app, 'submodule', 'add', '--quiet', library, 'vendor/library');
    git(app, 'commit', '--quiet', '-m', 'add submodule');
    const found = await recordingService().service.discover(path.join(app, 'vendor', 'library'));
    assert.equal(found.kind, 'worktree');
    if (found.kind !== 'worktree') return;
    assert.equal(found.topLevel, path.join(app, 'vendor', 'library'));
    assert.equal(found.commonDir, path.join(app, '.git', 'modules', 'vendor', 'library'));
  });

  test('discovery costs one git process per folder', async () => {
    const repo = createRepo();
    const recording = recordingService();
    await recording.service.discover(repo);
    assert.equal(recording.gitCalls().length, 1);
  });

  test('a repository whose path has a line break is refused with a clear reason, never a wrong path', async () => {
    const parent = tempDir('newline');
    const repo = path.join(parent, 'line\nbreak');
    mkdirSync(repo);
    git(repo, 'init', '--quiet');
    git(repo, 'commit', '--quiet', '--allow-empty', '-m', 'init');
    const { service } = recordingService();
    for (const folder of [repo, path.join(repo, '.')]) {
      const found = await service.discover(folder);
      assert.equal(found.kind, 'not-a-repository');
      if (found.kind === 'not-a-repository') assert.match(found.reason, /line break/);
    }
    // A linked worktree at a plain path, of that repository: git's answer has the line break.
    const linked = path.join(parent, 'plain-linked');
    git(repo, 'worktree', 'add', '--quiet', '--detach', linked);
    const fromLinked = await service.discover(linked);
    assert.equal(fromLinked.kind, 'not-a-repository');
    await assert.rejects(createAgentWorktree(service, { repoPath: linked, name: 'x' }), (error: unknown) => {
      assert.ok(error instanceof WorktreeOperationError && error.code === 'invalid', String(error));
      assert.match(error.message, /line break/);
      return true;
    });
    assert.equal(git(repo, 'branch', '--list', 'agent/x').trim(), '');
  });
});
