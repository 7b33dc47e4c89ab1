import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createAgentWorktree, executeRemoval, failIfRefused, planRemoval, WorktreeOperationError } from '../../src/agents';
import { commitFile, createRepo, git, recordingService, tempDir, write } from './helpers/gitFixture';

const isOperationError = (code: string) => (error: unknown) => error instanceof WorktreeOperationError && error.code === code;

function snapshot(repo: string) {
  return {
    worktrees: git(repo, 'worktree', 'list', '--porcelain'),
    branches: git(repo, 'branch', '--list', '--format=%(refname) %(objectname)'),
  };
}

async function setup(names: string[]) {
  const repo = createRepo('project');
  const { service } = recordingService();
  const created = [];
  for (const name of names) created.push(await createAgentWorktree(service, { repoPath: repo, name }));
  return { repo, service, created, commonDir: path.join(repo, '.git') };
}

async function remove(
  service: Parameters<typeof planRemoval>[0],
  paths: string[],
  options: Parameters<typeof planRemoval>[2] = {},
  /** Resolve the repository from this folder instead (e.g. a linked worktree). */
  from?: string,
) {
  const commonDir = from ? git(from, 'rev-parse', '--path-format=absolute', '--git-common-dir').trim() : undefined;
  const plan = await planRemoval(
    service,
    paths.map((p) => ({ path: p, commonDir })),
    options,
  );
  return executeRemoval(service, plan, options);
}

describe('removing worktrees', () => {
  test('a clean worktree whose branch has nothing unique: worktree and branch are removed', async () => {
    const { repo, service, created } = await setup(['done']);
    const [outcome] = await remove(service, [created[0]?.path as string]);
    assert.deepEqual(outcome, {
      path: created[0]?.path,
      removed: true,
      branchDeleted: true,
      branchKept: undefined,
      error: undefined,
      trashId: undefined,
    });
    assert.equal(existsSync(created[0]?.path as string), false);
    assert.equal(git(repo, 'branch', '--list', 'agent/done').trim(), '');
  });

  test('the main worktree is refused in every mode, also from a linked worktree', async () => {
    const { repo, service, created } = await setup(['side']);
    const before = snapshot(repo);
    for (const options of [{}, { force: true }, { force: true, forceLocked: true }, { deleteBranch: false }]) {
      await assert.rejects(remove(service, [repo], options), (error: unknown) => {
        assert.ok(error instanceof WorktreeOperationError && error.code === 'blocked');
        assert.match(error.message, /main worktree, which is never removed/);
        return true;
      });
      await assert.rejects(remove(service, [repo], options, created[0]?.path), isOperationError('blocked'));
    }
    // Addressed through the linked worktree's view of the repository, with a trailing slash.
    const plan = await planRemoval(service, [{ path: `${repo}/`, commonDir: path.join(repo, '.git') }], { force: true });
    assert.equal(plan.blocked, true);
    assert.deepEqual(snapshot(repo), before);
    assert.ok(existsSync(path.join(repo, 'README.md')));
    assert.ok(existsSync(created[0]?.path as string));
  });

  test('a batch with one blocked target removes nothing', async () => {
    const { repo, service, created } = await setup(['a', 'b', 'c']);
    git(repo, 'worktree', 'lock', '--reason', 'agent running', created[1]?.path as string);
    const before = snapshot(repo);
    const error = await remove(
      service,
      created.map((c) => c.path),
      { force: true },
    ).catch((e: unknown) => e);
    assert.ok(error instanceof WorktreeOperationError);
    assert.equal(error.code, 'blocked');
    assert.match(error.message, /Nothing was removed/);
    assert.match(error.message, /locked \(agent running\)/);
    assert.deepEqual(snapshot(repo), before);
    for (const c of created) assert.ok(existsSync(c.path));
  });

  test('a locked worktree goes only with forceLocked (git’s double force)', async () => {
    const { repo, service, created } = await setup(['locked']);
    git(repo, 'worktree', 'lock', created[0]?.path as string);
    const [outcome] = await remove(service, [created[0]?.path as string], { forceLocked: true });
    assert.equal(outcome?.removed, true);
    assert.equal(existsSync(created[0]?.path as string), false);
  });

  test('a removal another window has claimed is left to it; a claim left by a dead window is taken over', async () => {
    const { repo, service, created } = await setup(['claimed']);
    const agentPath = created[0]?.path as string;
    const claim = path.join(repo, '.git', 'worktrees', 'claimed', 'agent-worktrees-removing');
    mkdirSync(claim);
    const [refused] = await remove(service, [agentPath]);
    assert.equal(refused?.removed, false);
    assert.match(refused?.error ?? '', /being removed already/);
    assert.equal(existsSync(agentPath), true, 'nothing was touched');
    assert.equal(git(repo, 'branch', '--list', '--format=%(refname:short)', 'agent/claimed').trim(), 'agent/claimed');

    const elevenMinutesAgo = new Date(Date.now() - 11 * 60_000);
    utimesSync(claim, elevenMinutesAgo, elevenMinutesAgo);
    const [removed] = await remove(service, [agentPath]);
    assert.equal(removed?.removed, true);
    assert.equal(existsSync(agentPath), false);
    assert.equal(existsSync(claim), false, 'the claim went with the admin dir');
  });

  test('the worktree open in this window is refused', async () => {
    const { repo, service, created } = await setup(['open']);
    const before = snapshot(repo);
    // `..foo` is a folder inside the worktree, not a way out of it; a trailing slash changes nothing.
    for (const inside of ['sub', '..foo', ''].map((name) => `${path.join(created[0]?.path as string, name)}/`)) {
      await assert.rejects(
        remove(service, [created[0]?.path as string], { protectedPaths: [inside], force: true }),
        isOperationError('blocked'),
        inside,
      );
    }
    // A window that opened the worktree through a symlink (macOS /tmp, a linked home folder).
    const link = path.join(path.dirname(repo), 'link-to-worktree');
    symlinkSync(created[0]?.path as string, link);
    await assert.rejects(
      remove(service, [created[0]?.path as string], { protectedPaths: [path.join(link, 'src')], force: true }),
      isOperationError('blocked'),
    );
    assert.deepEqual(snapshot(repo), before);
  });

  test('discarding a dirty worktree without force changes nothing; with force it goes', async () => {
    const { repo, service, created } = await setup(['dirty']);
    const target = created[0]?.path as string;
    write(target, 'new file.txt', 'agent output');
    write(target, 'README.md', 'changed');
    write(target, 'deep/a/b.txt', 'x');
    const before = snapshot(repo);
    const plan = await planRemoval(service, [{ path: target }]);
    assert.equal(plan.losesWork, true);
    assert.equal(plan.totals.uncommittedFiles, 3, 'each untracked file counts');
    await assert.rejects(executeRemoval(service, plan), (error: unknown) => {
      assert.ok(error instanceof WorktreeOperationError && error.code === 'needs-confirmation');
      assert.match(error.message, /3 uncommitted files/);
      return true;
    });
    assert.deepEqual(snapshot(repo), before);
    assert.equal(existsSync(path.join(target, 'new file.txt')), true);
    const [outcome] = await executeRemoval(service, plan, { force: true });
    assert.equal(outcome?.removed, true);
    assert.equal(existsSync(target), false);
  });

  test('commits found nowhere else: the branch is kept unless forced; the count is reported', async () => {
    const { repo, service, created } = await setup(['worked', 'worked-too']);
    commitFile(created[0]?.path as string, 'one.txt', '1');
    const tip = commitFile(created[0]?.path as string, 'two.txt', '2');
    const plan = await planRemoval(service, [{ path: created[0]?.path as string }]);
    assert.equal(plan.totals.uniqueCommits, 2);
    await assert.rejects(executeRemoval(service, plan), /2 commits found nowhere else/);
    // Keeping the branch loses nothing, so no confirmation is needed.
    const [kept] = await remove(service, [created[0]?.path as string], { deleteBranch: false });
    assert.equal(kept?.removed, true);
    assert.equal(git(repo, 'rev-parse', 'agent/worked').trim(), tip);
    // With force, the branch goes too.
    commitFile(created[1]?.path as string, 'x.txt', 'x');
    const [forced] = await remove(service, [created[1]?.path as string], { force: true });
    assert.equal(forced?.branchDeleted, true);
    assert.equal(git(repo, 'branch', '--list', 'agent/worked-too').trim(), '');
  });

  test('commits that also exist on another branch are not "unique"', async () => {
    const { repo, service, created } = await setup(['merged']);
    commitFile(created[0]?.path as string, 'm.txt', 'm');
    git(repo, 'merge', '--quiet', '--ff-only', 'agent/merged');
    const plan = await planRemoval(service, [{ path: created[0]?.path as string }]);
    assert.equal(plan.totals.uniqueCommits, 0);
    const [outcome] = await executeRemoval(service, plan);
    assert.equal(outcome?.branchDeleted, true);
  });

  test('a detached worktree with commits on no branch needs confirmation', async () => {
    const { repo, service } = await setup([]);
    const detached = path.join(path.dirname(repo), 'detached');
    git(repo, 'worktree', 'add', '--quiet', '--detach', detached);
    commitFile(detached, 'lost.txt', 'would be lost');
    const plan = await planRemoval(service, [{ path: detached }]);
    assert.equal(plan.totals.uniqueCommits, 1);
    await assert.rejects(executeRemoval(service, plan), isOperationError('needs-confirmation'));
    assert.ok(existsSync(detached));
  });

  test('a gone worktree: only its own admin entry is removed, other stale entries stay', async () => {
    const { repo, service, created, commonDir } = await setup(['gone-one', 'gone-two']);
    rmSync(created[0]?.path as string, { recursive: true, force: true });
    rmSync(created[1]?.path as string, { recursive: true, force: true });
    // The folder is gone, so the repository cannot be found from it: the caller (the view) names it.
    const lost = await planRemoval(service, [{ path: created[0]?.path as string }]);
    assert.equal(lost.blocked, true);
    const plan = await planRemoval(service, [{ path: created[0]?.path as string, commonDir }], { deleteBranch: false });
    const [outcome] = await executeRemoval(service, plan, { deleteBranch: false });
    assert.equal(outcome?.removed, true);
    const list = git(repo, 'worktree', 'list', '--porcelain');
    assert.doesNotMatch(list, /gone-one/);
    assert.match(list, /gone-two/, 'no global prune');
  });

  test('a gone worktree named twice, once with its repository: the one that names it counts, in either order', async () => {
    const { service, created, commonDir } = await setup(['gone-a', 'gone-b']);
    for (const worktree of created) rmSync(worktree.path, { recursive: true, force: true });
    const [a, b] = created.map((worktree) => worktree.path) as [string, string];
    const first = await planRemoval(service, [{ path: a, commonDir }, { path: a }]);
    const last = await planRemoval(service, [{ path: `${b}/` }, { path: b, commonDir }]);
    for (const plan of [first, last]) {
      assert.equal(plan.blocked, false, plan.targets[0]?.blocked);
      assert.equal(plan.targets.length, 1);
    }
  });

  test('duplicates are merged and unknown paths are blocked', async () => {
    const { service, created } = await setup(['dup']);
    const target = created[0]?.path as string;
    const plan = await planRemoval(service, [{ path: target }, { path: `${target}/` }, { path: target }]);
    assert.equal(plan.targets.length, 1);
    const unknown = await planRemoval(service, [{ path: '/definitely/not/a/worktree' }]);
    assert.equal(unknown.blocked, true);
    assert.match(unknown.targets[0]?.blocked ?? '', /does not exist/);
    const plain = await planRemoval(service, [{ path: tempDir('plain') }]);
    assert.equal(plain.blocked, true);
    assert.match(plain.targets[0]?.blocked ?? '', /not in a git repository/);
  });

  test('when git refuses, its reason is reported and nothing is deleted by other means', async () => {
    const { service, created } = await setup(['refused']);
    const target = created[0]?.path as string;
    const plan = await planRemoval(service, [{ path: target }]);
    write(target, 'late.txt', 'written after the plan'); // dirty now; the plan did not confirm losing it
    const [outcome] = await executeRemoval(service, plan);
    assert.equal(outcome?.removed, false);
    assert.match(outcome?.error ?? '', /contains modified or untracked files/);
    assert.ok(existsSync(path.join(target, 'late.txt')));
    const claim = path.join(git(target, 'rev-parse', '--absolute-git-dir').trim(), 'agent-worktrees-removing');
    assert.equal(existsSync(claim), false, 'and leaves no removal claim behind');
  });

  test('a batch git refused in part is one failure that names what stayed and why, and counts what went', async () => {
    const { service, created } = await setup(['goes', 'stays']);
    const [goes, stays] = created.map((worktree) => worktree.path);
    const plan = await planRemoval(service, [{ path: goes as string }, { path: stays as string }]);
    write(stays as string, 'late.txt', 'written after the plan');
    const outcomes = await executeRemoval(service, plan);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.removed),
      [true, false],
    );
    assert.throws(
      () => failIfRefused(outcomes),
      (error: unknown) =>
        error instanceof WorktreeOperationError &&
        error.code === 'failed' &&
        error.message.startsWith('git refused to remove one worktree (unchanged); 1 removed:\n') &&
        error.message.includes(`${stays}: `) &&
        /contains modified or untracked files/.test(error.message) &&
        !error.message.includes(`${goes}:`),
    );
    assert.doesNotThrow(() => failIfRefused(outcomes.slice(0, 1)));
  });

  test('a worktree with an initialised submodule is removed with git’s force; changes inside it need confirmation', async () => {
    const library = createRepo('library');
    const { repo, service } = await setup([]);
    git(repo, 'submodule', 'add', '--quiet', library, 'vendor/library');
    git(repo, 'commit', '--quiet', '-m', 'add submodule');
    const created = await createAgentWorktree(service, { repoPath: repo, name: 'with-sub' });
    git(created.path, 'submodule', 'update', '--init', '--quiet');
    write(path.join(created.path, 'vendor', 'library'), 'README.md', 'changed inside the submodule');
    const plan = await planRemoval(service, [{ path: created.path }]);
    assert.equal(plan.losesWork, true, 'a modified submodule is uncommitted work');
    await assert.rejects(executeRemoval(service, plan), isOperationError('needs-confirmation'));
    git(path.join(created.path, 'vendor', 'library'), 'checkout', '--', 'README.md');
    const [outcome] = await remove(service, [created.path]);
    assert.equal(outcome?.removed, true, outcome?.error);
    assert.equal(existsSync(created.path), false);
  });
});
