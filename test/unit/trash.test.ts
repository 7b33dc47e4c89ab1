import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import {
  createAgentWorktree,
  deleteTrash,
  executeRemoval,
  expiredTrash,
  keep,
  listTrash,
  planRemoval,
  restoreFromTrash,
  TRASH_REF_PREFIX,
} from '../../src/agents';
import { commitFile, createRepo, failGitSubcommand, git, recordingService, write } from './helpers/gitFixture';
import { refusal } from './helpers/refusal';

/** Everything a restore must bring back: every file (kind, mode, bytes), the index, HEAD and branch. */
function stateOf(worktree: string) {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(worktree, relative)).sort()) {
      if (name === '.git') continue;
      const child = relative ? `${relative}/${name}` : name;
      const full = path.join(worktree, child);
      const info = lstatSync(full);
      if (info.isSymbolicLink()) files.push(`link ${child} -> ${readlinkSync(full)}`);
      else if (info.isDirectory()) walk(child);
      else files.push(`file ${child} ${(info.mode & 0o777).toString(8)} ${readFileSync(full).toString('base64')}`);
    }
  };
  walk('');
  return {
    files,
    index: git(worktree, 'ls-files', '--stage', '-z'),
    head: git(worktree, 'rev-parse', 'HEAD').trim(),
    branch: git(worktree, 'branch', '--show-current').trim(),
    status: git(worktree, 'status', '--porcelain=v2', '-z', '--untracked-files=all'),
  };
}

async function agentWorktree(name = 'task') {
  const repo = createRepo('project');
  const { service, runner } = recordingService();
  const created = await createAgentWorktree(service, { repoPath: repo, name, task: `Task ${name}` });
  return { repo, service, runner, worktree: created.path, branch: created.branch, commonDir: path.join(repo, '.git') };
}

type Setup = Awaited<ReturnType<typeof agentWorktree>>;

/** Discard as the user confirms it: plan, then remove with force (and forceLocked when asked). */
async function discard(setup: Setup, options: { forceLocked?: boolean; deleteBranch?: boolean } = {}) {
  const plan = await planRemoval(setup.service, [{ path: setup.worktree, commonDir: setup.commonDir }], options);
  const [outcome] = await executeRemoval(setup.service, plan, { ...options, force: true });
  return { plan, outcome };
}

/** Saves through a confirmed discard, restores, and requires the worktree to be exactly as it was. */
async function roundTrip(setup: Setup, options: { forceLocked?: boolean } = {}) {
  const before = stateOf(setup.worktree);
  const { outcome } = await discard(setup, options);
  assert.equal(outcome?.removed, true, outcome?.error);
  assert.ok(outcome?.trashId, 'the discard saved it to the trash');
  assert.equal(existsSync(setup.worktree), false);
  const restored = await restoreFromTrash(setup.service, setup.commonDir, outcome.trashId);
  assert.equal(restored.path, setup.worktree, 'back at its old path');
  assert.deepEqual(stateOf(setup.worktree), before);
  assert.equal(git(setup.repo, 'for-each-ref', TRASH_REF_PREFIX), '', 'a restored item leaves the trash');
  return restored;
}

describe('the trash: save before removal, restore byte for byte', () => {
  test('staged, unstaged and untracked files, binary, executable, symlink, deletions, CRLF, a file that became a folder', async () => {
    const setup = await agentWorktree();
    const { worktree } = setup;
    commitFile(worktree, 'committed.txt', 'an agent commit\n');
    commitFile(worktree, 'becomes-folder', 'a file first\n');
    commitFile(worktree, 'becomes-file/inside.txt', 'a folder first\n');
    commitFile(worktree, 'mode.sh', 'echo mode\n');
    chmodSync(path.join(worktree, 'mode.sh'), 0o755); // a mode change, unstaged
    write(worktree, 'README.md', 'staged version\n');
    git(worktree, 'add', 'README.md');
    write(worktree, 'README.md', 'unstaged version on top\n'); // staged and unstaged of the same file
    write(worktree, 'crlf.txt', 'one\r\ntwo\r\n');
    write(worktree, 'image.bin', Buffer.from([0, 1, 2, 255, 0, 13, 10]));
    write(worktree, 'run.sh', '#!/bin/sh\necho hi\n');
    chmodSync(path.join(worktree, 'run.sh'), 0o755);
    symlinkSync('README.md', path.join(worktree, 'link'));
    git(worktree, 'add', 'crlf.txt', 'link');
    rmSync(path.join(worktree, 'committed.txt')); // deleted, not staged
    rmSync(path.join(worktree, 'becomes-folder'));
    write(worktree, 'becomes-folder/inside.txt', 'now a folder\n');
    write(worktree, 'deep/untracked/new file with spaces ü.txt', 'untracked\n');
    rmSync(path.join(worktree, 'becomes-file'), { recursive: true });
    write(worktree, 'becomes-file', 'now a file\n');
    const restored = await roundTrip(setup);
    assert.equal(restored.branch, setup.branch);
    assert.equal(restored.branchCreated, true, 'the discard deleted the branch; the restore made it again');
  });

  test('bytes, not what filters make of them: a lossy clean filter and core.autocrlf change nothing saved', async () => {
    const setup = await agentWorktree();
    git(setup.repo, 'config', 'filter.strip.clean', 'grep -v outputs');
    git(setup.repo, 'config', 'filter.strip.smudge', 'cat');
    write(setup.worktree, '.gitattributes', '*.ipynb filter=strip\n');
    write(setup.worktree, 'notebook.ipynb', '{\n"cells": [],\n"outputs": ["a result that took an hour"]\n}\n');
    write(setup.worktree, 'lf.txt', 'a\nb\n');
    write(setup.worktree, 'crlf.txt', 'a\r\nb\r\n');
    git(setup.worktree, 'config', 'core.autocrlf', 'true');
    // Unchanged files are as a checkout with that setting writes them (and restored the same way).
    rmSync(path.join(setup.worktree, 'README.md'));
    git(setup.worktree, 'checkout', '--', 'README.md');
    await roundTrip(setup);
  });

  test('an attributes file alone (text, eol) in a subfolder: CRLF bytes under it are saved as they are', async () => {
    const setup = await agentWorktree();
    write(setup.worktree, 'docs/.gitattributes', '*.txt text eol=lf\n');
    write(setup.worktree, 'docs/windows.txt', 'written\r\non Windows\r\n');
    await roundTrip(setup);
  });

  test('ignored files are not saved (and the plan says the work is saved, not lost)', async () => {
    const setup = await agentWorktree();
    write(setup.worktree, '.gitignore', 'node_modules/\n');
    write(setup.worktree, 'node_modules/pkg/index.js', 'ignored\n');
    write(setup.worktree, 'kept.txt', 'untracked work\n');
    const { outcome } = await discard(setup);
    const restored = await restoreFromTrash(setup.service, setup.commonDir, outcome?.trashId as string);
    assert.equal(readFileSync(path.join(restored.path, 'kept.txt'), 'utf8'), 'untracked work\n');
    assert.equal(existsSync(path.join(restored.path, 'node_modules')), false);
  });

  test('a staged deletion and a staged new file come back staged', async () => {
    const setup = await agentWorktree();
    git(setup.worktree, 'rm', '--quiet', 'README.md');
    write(setup.worktree, 'added.txt', 'staged new file\n');
    git(setup.worktree, 'add', 'added.txt');
    await roundTrip(setup);
    assert.match(git(setup.worktree, 'status', '--porcelain'), /^D {2}README\.md$/m);
    assert.match(git(setup.worktree, 'status', '--porcelain'), /^A {2}added\.txt$/m);
  });

  test('a locked worktree removed with force comes back locked, with its reason', async () => {
    const setup = await agentWorktree();
    write(setup.worktree, 'work.txt', 'uncommitted\n');
    git(setup.repo, 'worktree', 'lock', '--reason', 'agent running', setup.worktree);
    await roundTrip(setup, { forceLocked: true });
    assert.match(git(setup.repo, 'worktree', 'list', '--porcelain'), /locked agent running/);
  });

  test('a detached HEAD with commits of its own comes back detached at them', async () => {
    const setup = await agentWorktree();
    git(setup.worktree, 'switch', '--quiet', '--detach');
    const tip = commitFile(setup.worktree, 'detached.txt', 'only here\n');
    const { plan, outcome } = await discard(setup);
    assert.equal(plan.targets[0]?.uniqueCommits, 1);
    const restored = await restoreFromTrash(setup.service, setup.commonDir, outcome?.trashId as string);
    assert.equal(restored.branch, undefined);
    assert.equal(git(restored.path, 'rev-parse', 'HEAD').trim(), tip);
  });

  test('a conflicted file comes back as it was in the folder, and the restore says it was in conflict', async () => {
    const setup = await agentWorktree();
    commitFile(setup.repo, 'README.md', 'main side\n');
    commitFile(setup.worktree, 'README.md', 'agent side\n');
    assert.throws(() => git(setup.worktree, 'merge', '--quiet', 'main'));
    const conflicted = readFileSync(path.join(setup.worktree, 'README.md'));
    const { outcome } = await discard(setup);
    assert.equal(outcome?.removed, true, outcome?.error);
    const restored = await restoreFromTrash(setup.service, setup.commonDir, outcome?.trashId as string);
    assert.deepEqual(restored.conflicted, ['README.md']);
    assert.deepEqual(readFileSync(path.join(restored.path, 'README.md')), conflicted);
  });

  test('the agent metadata comes back: the view shows it as the same task', async () => {
    const setup = await agentWorktree('metadata');
    write(setup.worktree, 'work.txt', 'uncommitted\n');
    await roundTrip(setup);
    const [listed] = (await setup.service.listWorktrees({ commonDir: setup.commonDir })).filter((entry) => entry.agent);
    assert.equal(listed?.agent?.task, 'Task metadata');
    assert.equal(listed?.agent?.branch, setup.branch);
  });
});

describe('the trash: failures change nothing', () => {
  const refsAndWorktrees = (repo: string) => ({
    refs: git(repo, 'for-each-ref', '--format=%(refname) %(objectname)'),
    worktrees: git(repo, 'worktree', 'list', '--porcelain'),
  });

  test('a refused ref update (a reference-transaction hook) removes nothing and says why', async () => {
    const setup = await agentWorktree();
    write(setup.worktree, 'work.txt', 'uncommitted\n');
    const hook = write(
      setup.repo,
      '.git/hooks/reference-transaction',
      '#!/bin/sh\n[ "$1" = prepared ] && grep -q trash && exit 1\nexit 0\n',
    );
    chmodSync(hook, 0o755);
    const before = refsAndWorktrees(setup.repo);
    const files = stateOf(setup.worktree);
    const { outcome } = await discard(setup);
    assert.equal(outcome?.removed, false);
    assert.match(outcome?.error ?? '', /Saving it to the trash failed, so it was not removed/);
    assert.deepEqual(refsAndWorktrees(setup.repo), before);
    assert.deepEqual(stateOf(setup.worktree), files);
  });

  test('a full disk while writing the save (simulated) removes nothing', async () => {
    const setup = await agentWorktree();
    write(setup.worktree, 'work.txt', 'uncommitted\n');
    const before = refsAndWorktrees(setup.repo);
    const plan = await planRemoval(setup.service, [{ path: setup.worktree, commonDir: setup.commonDir }]);
    failGitSubcommand(setup.runner, 'commit-tree', 'fatal: unable to write new object: No space left on device');
    const [outcome] = await executeRemoval(setup.service, plan, { force: true });
    assert.equal(outcome?.removed, false);
    assert.match(outcome?.error ?? '', /No space left on device/);
    assert.deepEqual(refsAndWorktrees(setup.repo), before);
    assert.ok(existsSync(path.join(setup.worktree, 'work.txt')));
  });

  test('when git refuses the removal after the save, the save is taken back', async () => {
    const setup = await agentWorktree();
    write(setup.worktree, 'work.txt', 'uncommitted\n');
    const before = refsAndWorktrees(setup.repo);
    const plan = await planRemoval(setup.service, [{ path: setup.worktree, commonDir: setup.commonDir }]);
    failGitSubcommand(setup.runner, 'worktree', 'fatal: simulated refusal');
    const [outcome] = await executeRemoval(setup.service, plan, { force: true });
    assert.equal(outcome?.removed, false);
    assert.deepEqual(refsAndWorktrees(setup.repo), before, 'no trash item is left for a worktree that is still there');
  });
});

describe('the trash: what must not be lost on the way', () => {
  test('git removing part of the files before it fails: the trash item stays, and the outcome names it', async () => {
    const setup = await agentWorktree();
    for (let i = 0; i < 5; i++) write(setup.worktree, `work-${i}.txt`, `work ${i}\n`);
    const plan = await planRemoval(setup.service, [{ path: setup.worktree, commonDir: setup.commonDir }]);
    const run = setup.runner.run.bind(setup.runner);
    setup.runner.run = async (args, options) => {
      if (args[0] !== 'worktree' || args[1] !== 'remove') return run(args, options);
      rmSync(path.join(setup.worktree, 'work-0.txt')); // what git deleted before a file it could not
      throw new Error('error: failed to delete work-1.txt: Device or resource busy');
    };
    const [outcome] = await executeRemoval(setup.service, plan, { force: true });
    assert.equal(outcome?.removed, false);
    assert.match(outcome?.error ?? '', /partly removed; what it held is in the trash/);
    const { items } = await listTrash(setup.service, setup.commonDir);
    assert.equal(items[0]?.id, outcome?.trashId);
    assert.equal(git(setup.repo, 'show', `${items[0]?.commit}:work-0.txt`), 'work 0\n');
  });

  test('a nested repository (its own history) is not silently saved as a pointer: the removal is refused', async () => {
    const setup = await agentWorktree();
    const nested = path.join(setup.worktree, 'vendor', 'lib');
    mkdirSync(nested, { recursive: true });
    git(nested, 'init', '--quiet');
    commitFile(nested, 'inner.txt', 'only in the nested repository\n');
    const { outcome } = await discard(setup);
    assert.equal(outcome?.removed, false);
    assert.match(outcome?.error ?? '', /nested repositories \(vendor\/lib\)/);
    assert.ok(existsSync(path.join(nested, 'inner.txt')));
    assert.equal((await listTrash(setup.service, setup.commonDir)).items.length, 0);
  });

  test('a commit made after the plan stops the removal (its HEAD moved)', async () => {
    const setup = await agentWorktree();
    git(setup.worktree, 'switch', '--quiet', '--detach');
    const plan = await planRemoval(setup.service, [{ path: setup.worktree, commonDir: setup.commonDir }]);
    assert.equal(plan.losesWork, false, 'clean, nothing unique when planned');
    const late = commitFile(setup.worktree, 'late.txt', 'an agent commit after the plan\n');
    const [outcome] = await executeRemoval(setup.service, plan, {});
    assert.equal(outcome?.removed, false);
    assert.match(outcome?.error ?? '', /HEAD moved since the removal was planned/);
    assert.equal(git(setup.worktree, 'rev-parse', 'HEAD').trim(), late);
  });

  test('work on an orphan branch (no commit yet) comes back on that unborn branch', async () => {
    const setup = await agentWorktree();
    git(setup.worktree, 'checkout', '--quiet', '--orphan', 'fresh');
    write(setup.worktree, 'new.txt', 'the first file of a new history\n');
    const { outcome } = await discard(setup);
    assert.equal(outcome?.removed, true, outcome?.error);
    const restored = await restoreFromTrash(setup.service, setup.commonDir, outcome?.trashId as string);
    assert.equal(git(restored.path, 'symbolic-ref', 'HEAD').trim(), 'refs/heads/fresh');
    assert.equal(readFileSync(path.join(restored.path, 'new.txt'), 'utf8'), 'the first file of a new history\n');
  });

  test('a failed restore also takes back the kept-up-to ref it made', async () => {
    const setup = await agentWorktree();
    write(setup.worktree, 'kept.txt', 'kept\n');
    await keep(setup.service, setup.worktree);
    write(setup.worktree, 'more.txt', 'not kept yet\n');
    const { outcome } = await discard(setup);
    const refsBefore = git(setup.repo, 'for-each-ref', '--format=%(refname)');
    const run = setup.runner.run.bind(setup.runner);
    setup.runner.run = (args, options) =>
      args[0] === 'update-ref' && args[1] === '-d' && String(args[2]).startsWith(TRASH_REF_PREFIX)
        ? Promise.reject(new Error('fatal: simulated'))
        : run(args, options);
    await assert.rejects(restoreFromTrash(setup.service, setup.commonDir, outcome?.trashId as string), refusal('failed'));
    assert.equal(git(setup.repo, 'for-each-ref', '--format=%(refname)'), refsBefore);
  });
});

describe('restoring: refusals and choices', () => {
  test('a branch name the user re-used is refused, changing nothing; a new name restores it', async () => {
    const setup = await agentWorktree();
    write(setup.worktree, 'work.txt', 'uncommitted\n');
    const tip = git(setup.worktree, 'rev-parse', 'HEAD').trim();
    const { outcome } = await discard(setup);
    commitFile(setup.repo, 'other.txt', 'main moves on\n');
    git(setup.repo, 'branch', setup.branch); // the user's new branch of the same name, elsewhere
    const before = git(setup.repo, 'for-each-ref', '--format=%(refname) %(objectname)');
    await assert.rejects(
      restoreFromTrash(setup.service, setup.commonDir, outcome?.trashId as string),
      refusal('exists', /now points elsewhere.*new branch name/s),
    );
    assert.equal(git(setup.repo, 'for-each-ref', '--format=%(refname) %(objectname)'), before);
    assert.equal(existsSync(setup.worktree), false);
    for (const bad of ['--bad', '@{-1}', 'a..b']) {
      await assert.rejects(
        restoreFromTrash(setup.service, setup.commonDir, outcome?.trashId as string, { branch: bad }),
        refusal('invalid'),
      );
    }
    const restored = await restoreFromTrash(setup.service, setup.commonDir, outcome?.trashId as string, {
      branch: 'agent/task-2',
    });
    assert.equal(restored.branch, 'agent/task-2');
    assert.equal(git(restored.path, 'rev-parse', 'HEAD').trim(), tip);
    assert.equal(readFileSync(path.join(restored.path, 'work.txt'), 'utf8'), 'uncommitted\n');
  });

  test('a taken path restores next to it; a given path that exists is refused', async () => {
    const setup = await agentWorktree();
    write(setup.worktree, 'work.txt', 'uncommitted\n');
    const { outcome } = await discard(setup);
    mkdirSync(setup.worktree);
    writeFileSync(path.join(setup.worktree, 'someone-else.txt'), 'not ours\n');
    await assert.rejects(
      restoreFromTrash(setup.service, setup.commonDir, outcome?.trashId as string, { path: setup.worktree }),
      refusal('exists'),
    );
    await assert.rejects(
      restoreFromTrash(setup.service, setup.commonDir, outcome?.trashId as string, { path: 'relative/path' }),
      refusal('invalid'),
    );
    const restored = await restoreFromTrash(setup.service, setup.commonDir, outcome?.trashId as string);
    assert.equal(restored.path, `${setup.worktree}-restored`);
    assert.deepEqual(readdirSync(setup.worktree), ['someone-else.txt']);
  });

  test('a failing step of the restore removes what it made; the item stays in the trash', async () => {
    const setup = await agentWorktree();
    write(setup.worktree, 'work.txt', 'uncommitted\n');
    const { outcome } = await discard(setup);
    const before = git(setup.repo, 'for-each-ref', '--format=%(refname) %(objectname)');
    failGitSubcommand(setup.runner, 'checkout-index', 'fatal: simulated write failure');
    await assert.rejects(
      restoreFromTrash(setup.service, setup.commonDir, outcome?.trashId as string),
      refusal('failed', /Nothing was changed/),
    );
    assert.equal(git(setup.repo, 'for-each-ref', '--format=%(refname) %(objectname)'), before);
    assert.equal(existsSync(setup.worktree), false);
  });

  test('a forged record (a branch that is an option, a relative path) is refused, changing nothing', async () => {
    const setup = await agentWorktree();
    write(setup.worktree, 'work.txt', 'uncommitted\n');
    const { outcome } = await discard(setup);
    const { items } = await listTrash(setup.service, setup.commonDir);
    const item = items[0] as (typeof items)[number];
    const forge = (changes: object) => {
      const record = {
        ...JSON.parse(git(setup.repo, 'cat-file', 'commit', item.commit).split('\n\n').slice(2).join('\n\n')),
        ...changes,
      };
      const message = `Agent Worktrees trash: forged\n\n${JSON.stringify(record)}\n`;
      const forged = git(setup.repo, 'commit-tree', '-p', item.index, '-m', message, `${item.commit}^{tree}`).trim();
      git(setup.repo, 'update-ref', `${TRASH_REF_PREFIX}${outcome?.trashId}`, forged);
    };
    forge({ branch: '--orphan=evil' });
    await assert.rejects(
      restoreFromTrash(setup.service, setup.commonDir, outcome?.trashId as string),
      refusal('invalid', /no valid branch/),
    );
    forge({ branch: item.branch, path: 'relative/place' });
    await assert.rejects(
      restoreFromTrash(setup.service, setup.commonDir, outcome?.trashId as string),
      refusal('invalid', /no absolute path/),
    );
    assert.equal(git(setup.repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
  });

  test('unknown and malformed ids are refused', async () => {
    const setup = await agentWorktree();
    await assert.rejects(
      restoreFromTrash(setup.service, setup.commonDir, '20260101T000000Z-none'),
      refusal('invalid', /no item/),
    );
    await assert.rejects(restoreFromTrash(setup.service, setup.commonDir, '../../heads/main'), refusal('invalid'));
  });
});

describe('the trash: listing, retention, deleting', () => {
  test('items list newest first with what they hold; a foreign ref under the prefix is listed as unreadable', async () => {
    const setup = await agentWorktree();
    commitFile(setup.worktree, 'a.txt', 'a commit\n');
    write(setup.worktree, 'b.txt', 'uncommitted\n');
    const { outcome } = await discard(setup);
    git(setup.repo, 'update-ref', `${TRASH_REF_PREFIX}foreign`, 'HEAD');
    const { items, unreadable } = await listTrash(setup.service, setup.commonDir);
    assert.equal(items.length, 1);
    assert.equal(items[0]?.id, outcome?.trashId);
    assert.equal(items[0]?.files, 1);
    assert.equal(items[0]?.commits, 1);
    assert.equal(items[0]?.agent?.task, 'Task task');
    assert.equal(items[0]?.path, setup.worktree);
    assert.deepEqual(
      unreadable.map((item) => [item.id, item.problem]),
      [['foreign', 'it was not saved by Agent Worktrees']],
    );
  });

  test('a trash ref whose commit is missing is one unreadable item; the repository still reads', async () => {
    const setup = await agentWorktree();
    write(setup.worktree, 'b.txt', 'uncommitted\n');
    const { outcome } = await discard(setup);
    // A partly copied repository: the ref is there, its commit is not (git itself refuses to write it).
    const gone = 'f'.repeat(40);
    mkdirSync(path.join(setup.commonDir, 'refs', 'agent-worktrees', 'trash'), { recursive: true });
    writeFileSync(path.join(setup.commonDir, 'refs', 'agent-worktrees', 'trash', 'gone'), `${gone}\n`);
    const { items, unreadable } = await listTrash(setup.service, setup.commonDir);
    assert.deepEqual(
      items.map((item) => item.id),
      [outcome?.trashId],
    );
    assert.deepEqual(
      unreadable.map((item) => [item.id, item.commit, item.problem]),
      [['gone', gone, 'its commit is missing from the repository']],
    );
    const read = await setup.service.readRepository({ commonDir: setup.commonDir });
    assert.deepEqual(
      read.trash?.map((item) => item.id),
      [outcome?.trashId],
    );
    assert.ok(read.worktrees.some((snapshot) => snapshot.worktree.isMain));
  });

  test('retention offers only items older than the days set; deleting needs the listed commit', async () => {
    const setup = await agentWorktree();
    write(setup.worktree, 'b.txt', 'uncommitted\n');
    await discard(setup);
    const { items } = await listTrash(setup.service, setup.commonDir);
    const saved = Date.parse(items[0]?.savedAt as string);
    assert.equal(expiredTrash(items, 14, saved + 13 * 86_400_000).length, 0);
    assert.equal(expiredTrash(items, 14, saved + 15 * 86_400_000).length, 1);
    const item = items[0] as (typeof items)[number];
    await assert.rejects(deleteTrash(setup.service, setup.commonDir, [{ id: item.id, commit: item.index }]), refusal('failed'));
    assert.equal((await listTrash(setup.service, setup.commonDir)).items.length, 1);
    await deleteTrash(setup.service, setup.commonDir, [item]);
    assert.equal((await listTrash(setup.service, setup.commonDir)).items.length, 0);
  });

  test('a clean worktree whose commits are all elsewhere is removed without a trash item', async () => {
    const setup = await agentWorktree();
    const { outcome } = await discard(setup);
    assert.equal(outcome?.removed, true);
    assert.equal(outcome?.trashId, undefined);
  });
});
