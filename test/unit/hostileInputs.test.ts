// The hostile-input corpus: every case either fails with a clear, typed error and leaves the
// repository exactly as it was, or does the right thing byte for byte.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import {
  createAgentWorktree,
  executeRemoval,
  GitService,
  getAgentChanges,
  keep,
  planRemoval,
  WorktreeOperationError,
} from '../../src/agents';
import { GitError, GitRunner } from '../../src/git';
import { commitFile, createRepo, divergeOnFile, git, recordingService, tempDir, write } from './helpers/gitFixture';

/** Everything a mistaken operation could change: refs, worktrees, index, files of every worktree. */
function fingerprint(repo: string): string {
  const hash = createHash('sha1');
  const parent = path.dirname(repo);
  hash.update(git(repo, 'for-each-ref', '--format=%(refname) %(objectname)'));
  hash.update(git(repo, 'worktree', 'list', '--porcelain'));
  hash.update(git(repo, 'status', '--porcelain=v2', '--untracked-files=all', '--ignored'));
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const full = path.join(dir, entry);
      if (entry === '.git' && dir === repo) continue; // refs and worktrees above; objects may grow
      const stat = lstatSync(full);
      hash.update(`${path.relative(parent, full)} ${stat.mode}\n`);
      if (stat.isDirectory()) walk(full);
      else if (stat.isFile()) hash.update(readFileSync(full));
    }
  };
  walk(parent);
  return hash.digest('hex');
}

/**
 * Makes a folder unwritable — for root too (chmod does not stop root; the immutable flag does).
 * Returns how to undo it, or undefined when this machine offers no way.
 */
function makeReadOnly(folder: string): (() => void) | undefined {
  const isRoot = process.getuid?.() === 0;
  try {
    if (isRoot) execFileSync('chattr', ['+i', folder], { stdio: 'ignore' });
    else chmodSync(folder, 0o555);
  } catch {
    return undefined;
  }
  const undo = () => (isRoot ? execFileSync('chattr', ['-i', folder], { stdio: 'ignore' }) : chmodSync(folder, 0o755));
  try {
    mkdirSync(path.join(folder, 'probe'));
  } catch {
    return undo; // really read-only
  }
  rmSync(path.join(folder, 'probe'), { recursive: true });
  undo();
  return undefined;
}

const operationError = (code: string) => (error: unknown) => error instanceof WorktreeOperationError && error.code === code;

/** A repo with a few committed files, the service, and its fingerprint before the hostile call. */
function setup(name = 'repo') {
  const repo = createRepo(name);
  commitFile(repo, 'src/app.ts', 'export const app = 1;\n');
  const { service } = recordingService();
  return { repo, service };
}

/** Runs `operation`, expects it to fail as `expected`, and the repository to be untouched. */
async function refusedUnchanged(repo: string, operation: () => Promise<unknown>, expected: (error: unknown) => boolean) {
  const before = fingerprint(repo);
  await assert.rejects(operation(), (error: unknown) => {
    assert.ok(expected(error), `unexpected error: ${(error as Error).stack}`);
    assert.ok((error as Error).message.length > 10, 'the message says something');
    return true;
  });
  assert.equal(fingerprint(repo), before, 'the repository is unchanged');
}

describe('hostile names for a new agent worktree: refused, nothing created', () => {
  const names: Array<[string, string]> = [
    ['a space', 'with space'],
    ['unicode', 'ünïcödé'],
    ['a single quote', "it's"],
    ['a double quote', 'say-"hi"'],
    ['command substitution', '$(touch pwned)'],
    ['backticks', '`touch pwned`'],
    ['a leading dash', '-rf'],
    ['an option', '--force'],
    ['dot-dot', '..'],
    ['a path through dot-dot', 'a/../../b'],
    ['a slash', 'a/b'],
    ['300 characters', 'a'.repeat(300)],
    ['empty', ''],
    ['a newline', 'a\nb'],
    ['a NUL', 'a\0b'],
    ['a .lock suffix', 'x.lock'],
    ['upper case', 'Fix'],
    ['a semicolon', 'a;touch pwned'],
  ];
  for (const [what, name] of names) {
    test(`a name with ${what}`, async () => {
      const { repo, service } = setup();
      await refusedUnchanged(repo, () => createAgentWorktree(service, { repoPath: repo, name }), operationError('invalid'));
      assert.equal(existsSync(path.join(repo, 'pwned')), false);
    });
  }

  test('a base ref that is an option', async () => {
    const { repo, service } = setup();
    await refusedUnchanged(
      repo,
      () => createAgentWorktree(service, { repoPath: repo, name: 'ok', baseRef: '--output=/tmp/agent-worktrees-pwned' }),
      operationError('invalid'),
    );
    assert.equal(existsSync('/tmp/agent-worktrees-pwned'), false);
  });

  test('a base ref with shell syntax', async () => {
    const { repo, service } = setup();
    await refusedUnchanged(
      repo,
      () => createAgentWorktree(service, { repoPath: repo, name: 'ok', baseRef: 'HEAD; touch pwned' }),
      operationError('invalid'),
    );
    assert.equal(existsSync(path.join(repo, 'pwned')), false);
  });

  test('a branch prefix that is an option', async () => {
    const { repo, service } = setup();
    await refusedUnchanged(
      repo,
      () => createAgentWorktree(service, { repoPath: repo, name: 'ok', branchPrefix: '--delete/' }),
      operationError('invalid'),
    );
  });

  test('a relative custom location', async () => {
    const { repo, service } = setup();
    await refusedUnchanged(
      repo,
      () => createAgentWorktree(service, { repoPath: repo, name: 'ok', location: { folder: '../elsewhere' } }),
      operationError('invalid'),
    );
  });

  test('a read-only location folder: git’s reason, no branch or folder left behind', async (t) => {
    const { repo, service } = setup();
    const readOnly = tempDir('read-only');
    const undo = makeReadOnly(readOnly);
    try {
      if (!undo) return t.skip('no way to make a folder read-only on this machine');
      await refusedUnchanged(
        repo,
        () => createAgentWorktree(service, { repoPath: repo, name: 'ok', location: { folder: readOnly } }),
        (error) => error instanceof WorktreeOperationError || error instanceof GitError,
      );
      assert.equal(git(repo, 'branch', '--list', 'agent/ok'), '', 'no branch left behind');
    } finally {
      undo?.();
    }
  });
});

describe('hostile tasks and places: handled correctly', () => {
  test('a task full of shell syntax becomes a safe slug and is stored verbatim', async () => {
    const { repo, service } = setup();
    const task = '$(rm -rf ~) `id` "quoted" \'single\' ; | & > /dev/null\nsecond line';
    const created = await createAgentWorktree(service, { repoPath: repo, task });
    assert.match(created.slug, /^[a-z0-9][a-z0-9._-]*$/);
    assert.equal(created.metadata.task, task);
    assert.equal(existsSync(path.join(repo, 'pwned')), false);
  });

  test('a task with no usable characters gets a generated name', async () => {
    const { repo, service } = setup();
    const created = await createAgentWorktree(service, { repoPath: repo, task: '🚀🔥 — …' });
    assert.match(created.slug, /^[a-z]+-[a-z]+-[0-9a-f]{4}$/);
  });

  test('a repository whose path has spaces, quotes and unicode', async () => {
    const repo = createRepo('it\'s a "répo" $(x)');
    const { service } = recordingService();
    const created = await createAgentWorktree(service, { repoPath: repo, name: 'fine' });
    assert.equal(git(created.path, 'rev-parse', '--show-toplevel').trim(), created.path);
    assert.ok(created.path.startsWith(path.dirname(repo)));
  });

  test('a repository path that does not exist', async () => {
    const { service } = recordingService();
    await assert.rejects(
      createAgentWorktree(service, { repoPath: path.join(tempDir('missing'), 'nope'), name: 'x' }),
      operationError('invalid'),
    );
  });

  test('a repository path with a newline in it', async () => {
    const { service } = recordingService();
    await assert.rejects(
      createAgentWorktree(service, { repoPath: `${tempDir('newline')}/a\nb`, name: 'x' }),
      operationError('invalid'),
    );
  });

  test('a bare repository: a clear error, nothing created', async () => {
    const bare = path.join(tempDir('bare'), 'bare.git');
    git(path.dirname(bare), 'init', '--quiet', '--bare', bare);
    const { service } = recordingService();
    await assert.rejects(createAgentWorktree(service, { repoPath: bare, name: 'x' }), operationError('invalid'));
    assert.deepEqual(readdirSync(path.dirname(bare)), ['bare.git']);
  });

  test('a folder that is no repository', async () => {
    const { service } = recordingService();
    const folder = tempDir('plain');
    await assert.rejects(createAgentWorktree(service, { repoPath: folder, name: 'x' }), operationError('invalid'));
    assert.deepEqual(readdirSync(folder), []);
  });

  test('a detached HEAD: the new worktree starts there, with no base branch', async () => {
    const { repo, service } = setup();
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    git(repo, 'checkout', '--quiet', '--detach');
    const created = await createAgentWorktree(service, { repoPath: repo, name: 'from-detached' });
    assert.equal(created.metadata.baseCommit, head);
    assert.equal(created.metadata.baseBranch, undefined);
  });

  test('a repository mid-merge: the agent starts from HEAD, the merge is untouched', async () => {
    const { repo, service } = setup();
    divergeOnFile(repo, 'src/app.ts', { side: 'export const app = 2;\n', current: 'export const app = 3;\n' });
    assert.throws(() => git(repo, 'merge', '--quiet', 'side'));
    const mergeHead = readFileSync(path.join(repo, '.git', 'MERGE_HEAD'), 'utf8');
    const created = await createAgentWorktree(service, { repoPath: repo, name: 'mid-merge' });
    assert.equal(readFileSync(path.join(created.path, 'src/app.ts'), 'utf8'), 'export const app = 3;\n');
    assert.equal(readFileSync(path.join(repo, '.git', 'MERGE_HEAD'), 'utf8'), mergeHead, 'still merging');
  });

  test('a repository mid-rebase: the agent starts from the rebase’s current HEAD', async () => {
    const { repo, service } = setup();
    divergeOnFile(
      repo,
      'src/app.ts',
      { side: 'export const app = "topic";\n', current: 'export const app = "main";\n' },
      'topic',
    );
    assert.throws(() => git(repo, 'rebase', '--quiet', 'topic'));
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    const created = await createAgentWorktree(service, { repoPath: repo, name: 'mid-rebase' });
    assert.equal(created.metadata.baseCommit, head);
    assert.ok(existsSync(path.join(repo, '.git', 'rebase-merge')) || existsSync(path.join(repo, '.git', 'rebase-apply')));
  });

  test('git missing from PATH: a typed error, nothing created', async () => {
    const repo = createRepo();
    const before = fingerprint(repo);
    const service = new GitService(new GitRunner({ gitPath: '/nonexistent/bin/git' }));
    await assert.rejects(createAgentWorktree(service, { repoPath: repo, name: 'x' }), (error: unknown) => {
      const cause = error instanceof GitError ? error : (error as { cause?: unknown }).cause;
      return (cause instanceof GitError && cause.code === 'GitNotFound') || (error as Error).message.includes('not found');
    });
    assert.equal(fingerprint(repo), before);
  });
});

describe('hostile removals: the main worktree and other people’s folders are safe', () => {
  test('the main worktree named through a trailing slash', async () => {
    const { repo, service } = setup();
    const plan = await planRemoval(service, [{ path: `${repo}/` }]);
    assert.equal(plan.blocked, true);
    const before = fingerprint(repo);
    await assert.rejects(executeRemoval(service, plan, { force: true }));
    assert.equal(fingerprint(repo), before);
  });

  test('the main worktree named through `..`', async () => {
    const { repo, service } = setup();
    const plan = await planRemoval(service, [{ path: path.join(repo, 'src', '..') }]);
    assert.equal(plan.blocked, true);
  });

  test('the main worktree named through a symlink', async () => {
    const { repo, service } = setup();
    const link = path.join(tempDir('link'), 'looks-like-a-worktree');
    symlinkSync(repo, link);
    const plan = await planRemoval(service, [{ path: link }]);
    assert.equal(plan.blocked, true);
    const before = fingerprint(repo);
    await assert.rejects(executeRemoval(service, plan, { force: true }));
    assert.equal(fingerprint(repo), before);
  });

  test('a folder that is no worktree of any repository', async () => {
    const { service } = recordingService();
    const folder = tempDir('precious');
    write(folder, 'work.txt', 'mine\n');
    const plan = await planRemoval(service, [{ path: folder }]);
    assert.equal(plan.blocked, true);
    await assert.rejects(executeRemoval(service, plan, { force: true }));
    assert.equal(readFileSync(path.join(folder, 'work.txt'), 'utf8'), 'mine\n');
  });

  test('a locked agent worktree, even forced (without forceLocked)', async () => {
    const { repo, service } = setup();
    const created = await createAgentWorktree(service, { repoPath: repo, name: 'locked' });
    git(repo, 'worktree', 'lock', '--reason', 'on a USB stick', created.path);
    const before = fingerprint(repo);
    const plan = await planRemoval(service, [{ path: created.path }]);
    await assert.rejects(executeRemoval(service, plan, { force: true }));
    assert.equal(fingerprint(repo), before);
  });
});

describe('hostile content through review and keep: byte-exact or refused', () => {
  async function agent() {
    const { repo, service } = setup();
    commitFile(repo, 'crlf.txt', 'one\r\ntwo\r\n');
    commitFile(repo, 'no-newline.txt', 'no final newline');
    commitFile(repo, 'thing', 'a file that becomes a folder\n');
    commitFile(repo, 'folder/inner.txt', 'a folder that becomes a file\n');
    const created = await createAgentWorktree(service, { repoPath: repo, name: 'hostile' });
    return { repo, service, agentPath: created.path };
  }
  const keptFile = (repo: string, relative: string) => readFileSync(path.join(repo, relative));

  test('CRLF line endings are kept byte for byte', async () => {
    const { repo, service, agentPath } = await agent();
    write(agentPath, 'crlf.txt', 'one\r\nTWO\r\nthree\r\n');
    await keep(service, agentPath);
    assert.deepEqual(keptFile(repo, 'crlf.txt'), Buffer.from('one\r\nTWO\r\nthree\r\n'));
  });

  test('a file without a final newline stays without one', async () => {
    const { repo, service, agentPath } = await agent();
    write(agentPath, 'no-newline.txt', 'still no final newline');
    await keep(service, agentPath);
    assert.deepEqual(keptFile(repo, 'no-newline.txt'), Buffer.from('still no final newline'));
  });

  test('a file replaced by a folder', async () => {
    const { repo, service, agentPath } = await agent();
    rmSync(path.join(agentPath, 'thing'));
    write(agentPath, 'thing/now-a-folder.txt', 'inside\n');
    await keep(service, agentPath);
    assert.equal(readFileSync(path.join(repo, 'thing', 'now-a-folder.txt'), 'utf8'), 'inside\n');
  });

  test('a folder replaced by a file', async () => {
    const { repo, service, agentPath } = await agent();
    rmSync(path.join(agentPath, 'folder'), { recursive: true });
    write(agentPath, 'folder', 'now a file\n');
    await keep(service, agentPath);
    assert.equal(readFileSync(path.join(repo, 'folder'), 'utf8'), 'now a file\n');
  });

  test('a 20 MB binary file arrives byte for byte', async () => {
    const { repo, service, agentPath } = await agent();
    const blob = Buffer.alloc(20 * 1024 * 1024);
    for (let i = 0; i < blob.length; i += 4096) blob.writeUInt32LE((i * 2654435761) >>> 0, i);
    mkdirSync(path.join(agentPath, 'assets'));
    writeFileSync(path.join(agentPath, 'assets', 'huge.bin'), blob);
    const changes = await getAgentChanges(service, agentPath);
    assert.equal(changes.files.find((file) => file.path === 'assets/huge.bin')?.binary, true);
    await keep(service, agentPath);
    assert.ok(keptFile(repo, 'assets/huge.bin').equals(blob));
  });

  test('file names with a newline, unicode, quotes, a leading dash and HTML', async () => {
    const { repo, service, agentPath } = await agent();
    const names = ['a\nb.txt', 'ünï cödé.txt', 'it\'s "quoted".txt', '-rf', '<img src=x onerror=alert(1)>.txt'];
    for (const name of names) write(agentPath, name, `content of ${JSON.stringify(name)}\n`);
    const changes = await getAgentChanges(service, agentPath);
    assert.deepEqual(changes.files.map((file) => file.path).sort(), [...names].sort());
    await keep(service, agentPath, { files: names });
    for (const name of names) assert.equal(readFileSync(path.join(repo, name), 'utf8'), `content of ${JSON.stringify(name)}\n`);
  });

  test('file names with glob characters select only themselves', async () => {
    const { repo, service, agentPath } = await agent();
    write(agentPath, '[ab].txt', 'the bracket file\n');
    write(agentPath, 'a.txt', 'not chosen\n');
    write(agentPath, '*.ts', 'the star file\n');
    write(agentPath, 'other.ts', 'not chosen either\n');
    const result = await keep(service, agentPath, { files: ['[ab].txt', '*.ts'] });
    assert.deepEqual([...result.keptFiles].sort(), ['*.ts', '[ab].txt']);
    assert.equal(existsSync(path.join(repo, 'a.txt')), false, 'a.txt was not chosen');
    assert.equal(existsSync(path.join(repo, 'other.ts')), false, 'other.ts was not chosen');
    const left = await getAgentChanges(service, agentPath);
    assert.deepEqual(left.files.map((file) => file.path).sort(), ['a.txt', 'other.ts'], 'and is still to review');
  });

  test('a target with unresolved conflicts on a file the agent changed: refused, nothing written', async () => {
    const { repo, service, agentPath } = await agent();
    write(agentPath, 'src/app.ts', 'export const app = "agent";\n');
    divergeOnFile(repo, 'src/app.ts', { side: 'export const app = "side";\n', current: 'export const app = "main";\n' });
    assert.throws(() => git(repo, 'merge', '--quiet', 'side'));
    await refusedUnchanged(
      repo,
      () => keep(service, agentPath),
      (error) => operationError('needs-confirmation')(error) && /unresolved conflicts/.test((error as Error).message),
    );
    // Leaving it out leaves nothing to keep: still nothing written.
    const before = fingerprint(repo);
    const result = await keep(service, agentPath, { skipUnmergeable: true });
    assert.deepEqual(result.keptFiles, []);
    assert.deepEqual(result.skipped, [{ path: 'src/app.ts', reason: 'it has unresolved conflicts in your checkout' }]);
    assert.equal(fingerprint(repo), before);
  });

  test('a stale index.lock in the target: git’s reason, nothing written, agent intact', async () => {
    const { repo, service, agentPath } = await agent();
    write(agentPath, 'new.txt', 'agent work\n');
    writeFileSync(path.join(repo, '.git', 'index.lock'), '');
    await refusedUnchanged(
      repo,
      () => keep(service, agentPath, { staged: true }),
      (error) => /index\.lock|lock/i.test((error as Error).message),
    );
    assert.equal(readFileSync(path.join(agentPath, 'new.txt'), 'utf8'), 'agent work\n');
  });

  test('keep from a worktree whose folder was deleted: a clear error', async () => {
    const { repo, service, agentPath } = await agent();
    rmSync(agentPath, { recursive: true, force: true });
    await refusedUnchanged(repo, () => keep(service, agentPath), operationError('invalid'));
  });

  test('keep from the main worktree (not an agent worktree)', async () => {
    const { repo, service } = await agent();
    await refusedUnchanged(repo, () => keep(service, repo), operationError('invalid'));
  });

  test('keep into a target outside the repository', async () => {
    const { repo, service, agentPath } = await agent();
    write(agentPath, 'x.txt', 'x\n');
    const other = createRepo('other');
    const otherBefore = fingerprint(other);
    await refusedUnchanged(repo, () => keep(service, agentPath, { target: other }), operationError('invalid'));
    assert.equal(fingerprint(other), otherBefore);
  });

  test('keep of a file that is not among the changes', async () => {
    const { repo, service, agentPath } = await agent();
    write(agentPath, 'x.txt', 'x\n');
    await refusedUnchanged(repo, () => keep(service, agentPath, { files: ['../../etc/passwd'] }), operationError('invalid'));
  });
});
