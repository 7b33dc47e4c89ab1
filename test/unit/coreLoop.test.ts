import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import {
  createAgentWorktree,
  executeRemoval,
  getAgentChanges,
  keep,
  planRemoval,
  WorktreeOperationError,
} from '../../src/agents';
import { commitFile, createRepo, git, recordingService, write } from './helpers/gitFixture';

/** The whole loop: create → agent edits → keep (all or part) → discard, as the user ran it. */
async function agentWithWork(name = 'agent') {
  const repo = createRepo('loop');
  commitFile(repo, 'cart.ts', 'export const total = 1;\n');
  const { service } = recordingService();
  const agent = await createAgentWorktree(service, { repoPath: repo, name });
  commitFile(agent.path, 'committed.ts', 'agent commit\n');
  write(agent.path, 'cart.ts', 'export const total = 2;\n'); // unstaged
  write(agent.path, 'untracked.ts', 'new file\n'); // untracked
  write(agent.path, 'staged.ts', 'staged\n');
  git(agent.path, 'add', 'staged.ts');
  return { repo, service, agent };
}

async function discard(service: Awaited<ReturnType<typeof agentWithWork>>['service'], worktree: string, force = false) {
  const options = { deleteBranch: true, force };
  const plan = await planRemoval(service, [{ path: worktree }], options);
  return { plan, outcomes: await executeRemoval(service, plan, options) };
}

describe('the core loop: keep, then discard', () => {
  test('Keep All, then Discard: removed without confirmation, worktree and branch gone, the kept work stays', async () => {
    const { repo, service, agent } = await agentWithWork();
    await keep(service, agent.path);
    const { plan, outcomes } = await discard(service, agent.path);
    assert.equal(plan.losesWork, false);
    assert.deepEqual(
      outcomes.map(({ removed, branchDeleted, error }) => ({ removed, branchDeleted, error })),
      [{ removed: true, branchDeleted: true, error: undefined }],
    );
    assert.equal(existsSync(agent.path), false);
    assert.equal(git(repo, 'branch', '--list', agent.branch).trim(), '');
    for (const file of ['committed.ts', 'untracked.ts', 'staged.ts']) assert.ok(existsSync(path.join(repo, file)), file);
    assert.equal(readFileSync(path.join(repo, 'cart.ts'), 'utf8'), 'export const total = 2;\n');
  });

  test('kept into another agent worktree: counts as kept while that one stays, not when it goes too', async () => {
    const { service, agent } = await agentWithWork();
    const other = await createAgentWorktree(service, { repoPath: agent.path, name: 'other' });
    await keep(service, agent.path, { target: other.path });
    const alone = await planRemoval(service, [{ path: agent.path }]);
    assert.equal(alone.losesWork, false, 'the kept copy stays in the other agent worktree');
    const both = await planRemoval(service, [{ path: agent.path }, { path: other.path }]);
    const [agentTarget, otherTarget] = both.targets;
    assert.equal(both.losesWork, true);
    assert.equal(agentTarget?.uncommittedFiles, 3, 'its only kept copy goes in the same batch');
    assert.equal(otherTarget?.uncommittedFiles, 3, 'cart.ts, untracked.ts, staged.ts as kept (made from the agent commit)');
    await discard(service, other.path, true);
    const after = await planRemoval(service, [{ path: agent.path }]);
    assert.equal(after.losesWork, true, 'the worktree it was kept into is gone');
    assert.equal(after.targets[0]?.uncommittedFiles, 3);
  });

  test('Keep All, then the agent writes more before the removal runs: refused, the new work stays', async () => {
    const { service, agent } = await agentWithWork();
    await keep(service, agent.path);
    const options = { deleteBranch: true };
    const plan = await planRemoval(service, [{ path: agent.path }], options);
    assert.equal(plan.losesWork, false);
    write(agent.path, 'late.ts', 'written after the plan\n');
    const [outcome] = await executeRemoval(service, plan, options);
    assert.equal(outcome?.removed, false);
    assert.match(outcome?.error ?? '', /changed since the removal was planned/);
    assert.equal(readFileSync(path.join(agent.path, 'late.ts'), 'utf8'), 'written after the plan\n');
  });

  test('one confirmation for a batch: a worktree written to after the plan is refused, the others go', async () => {
    const { repo, service, agent: kept } = await agentWithWork('kept');
    await keep(service, kept.path);
    git(repo, 'add', '-A');
    git(repo, 'commit', '--quiet', '-m', 'the user commits what was kept');
    const unkept = await createAgentWorktree(service, { repoPath: repo, name: 'unkept' });
    write(unkept.path, 'lost.ts', 'confirmed as lost\n');
    const options = { deleteBranch: true, force: true };
    const plan = await planRemoval(service, [{ path: kept.path }, { path: unkept.path }], options);
    assert.equal(plan.totals.uncommittedFiles, 1, 'only the unkept file is counted');
    write(kept.path, 'new.ts', 'written while the dialog was open\n');
    write(unkept.path, 'also-new.ts', 'not counted either\n');
    const outcomes = await executeRemoval(service, plan, options);
    assert.deepEqual(
      outcomes.map(({ removed }) => removed),
      [false, false],
    );
    for (const outcome of outcomes) assert.match(outcome.error ?? '', /changed since the removal was planned/);
    assert.equal(readFileSync(path.join(kept.path, 'new.ts'), 'utf8'), 'written while the dialog was open\n');
    assert.equal(readFileSync(path.join(unkept.path, 'also-new.ts'), 'utf8'), 'not counted either\n');
    const again = await planRemoval(service, [{ path: unkept.path }], options);
    assert.equal((await executeRemoval(service, again, options))[0]?.removed, true, 'unchanged since its plan: it goes');
  });

  test('a partial keep, then a confirmed discard: removed with its branch', async () => {
    const { repo, service, agent } = await agentWithWork();
    await keep(service, agent.path, { files: ['cart.ts'] });
    const refused = await planRemoval(service, [{ path: agent.path }], { deleteBranch: true });
    assert.equal(refused.losesWork, true, 'what was not kept is at stake');
    const { outcomes } = await discard(service, agent.path, true);
    assert.equal(outcomes[0]?.removed, true, outcomes[0]?.error);
    assert.equal(outcomes[0]?.branchDeleted, true);
    assert.equal(existsSync(agent.path), false);
    assert.equal(git(repo, 'branch', '--list', agent.branch).trim(), '');
  });
});

/** The target as the user sees it: index entries, status and every file's bytes; plus the bookkeeping. */
function targetState(repo: string, agentPath: string) {
  const files = git(repo, 'ls-files', '-z', '--cached', '--others', '--exclude-standard').split('\0').filter(Boolean);
  return {
    index: git(repo, 'ls-files', '-s'),
    status: git(repo, 'status', '--porcelain=v2', '--untracked-files=all'),
    files: files.map(
      (file) => `${file}:${existsSync(path.join(repo, file)) ? readFileSync(path.join(repo, file), 'base64') : '-'}`,
    ),
    refs: git(repo, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/agent-worktrees/'),
    metadata: readFileSync(path.join(git(agentPath, 'rev-parse', '--absolute-git-dir').trim(), 'agent-worktrees.json'), 'utf8'),
  };
}

describe('a keep whose bookkeeping fails after the changes were applied', () => {
  const triggers = {
    'a stale .lock on the kept-up-to ref (a crashed git)': (repo: string) => {
      const lock = path.join(repo, '.git', 'refs', 'agent-worktrees', 'kept', 'agent.lock');
      write(path.dirname(lock), path.basename(lock), '');
    },
    'a reference-transaction hook that refuses': (repo: string) => {
      const hook = write(
        repo,
        '.git/hooks/reference-transaction',
        '#!/bin/sh\nif grep -q refs/agent-worktrees/; then echo "refs are frozen" >&2; exit 1; fi\nexit 0\n',
      );
      chmodSync(hook, 0o755);
    },
    'the metadata cannot be written (as on a full disk): the ref is put back too': (repo: string) => {
      // The metadata is written to `<file>.<pid>.tmp` and renamed: a folder there makes the write fail.
      const adminDir = path.join(repo, '.git', 'worktrees', 'agent');
      mkdirSync(path.join(adminDir, `agent-worktrees.json.${process.pid}.tmp`));
    },
  };
  for (const [name, arrange] of Object.entries(triggers)) {
    for (const kept of ['first keep', 'second keep'] as const) {
      test(`${name} (${kept}): the target is as it was, the error says so`, async () => {
        const { repo, service, agent } = await agentWithWork();
        if (kept === 'second keep') {
          await keep(service, agent.path, { files: ['committed.ts'] });
          git(repo, 'add', 'committed.ts');
          git(repo, 'commit', '--quiet', '-m', 'the user commits the first keep');
        }
        write(repo, 'mine.txt', 'the user’s own uncommitted file\n');
        arrange(repo);
        const before = targetState(repo, agent.path);
        await assert.rejects(keep(service, agent.path), (error: unknown) => {
          assert.ok(error instanceof WorktreeOperationError, String(error));
          assert.equal(error.code, 'failed');
          assert.match(error.message, /Nothing was kept: recording what was kept failed .* taken back out of/);
          return true;
        });
        assert.deepEqual(targetState(repo, agent.path), before);
      });
    }
  }
});

describe('discard deletes only the branch it created', () => {
  test('the agent checked out the user’s feature-y: the worktree goes, feature-y stays, and the outcome says why', async () => {
    const { repo, service, agent } = await agentWithWork();
    git(repo, 'branch', 'feature-y');
    const featureTip = git(repo, 'rev-parse', 'feature-y').trim();
    git(agent.path, 'stash', '--include-untracked', '--quiet');
    git(agent.path, 'checkout', '--quiet', 'feature-y');
    const { plan, outcomes } = await discard(service, agent.path, true);
    assert.match(plan.targets[0]?.branchNotOurs ?? '', /feature-y is not the branch created for the agent \(agent\/agent\)/);
    assert.equal(outcomes[0]?.removed, true, outcomes[0]?.error);
    assert.equal(outcomes[0]?.branchDeleted, false);
    assert.match(outcomes[0]?.branchKept ?? '', /not the branch created for the agent/);
    assert.equal(git(repo, 'rev-parse', 'feature-y').trim(), featureTip, 'feature-y is untouched');
    assert.notEqual(git(repo, 'branch', '--list', agent.branch).trim(), '', 'the agent’s branch was not its branch any more');
  });

  test('commits only on a branch that stays are not counted as lost', async () => {
    const { repo, service, agent } = await agentWithWork();
    git(agent.path, 'stash', '--include-untracked', '--quiet');
    git(agent.path, 'checkout', '--quiet', '-b', 'feature-z');
    commitFile(agent.path, 'z.txt', 'on feature-z only\n');
    const plan = await planRemoval(service, [{ path: agent.path }], { deleteBranch: true });
    assert.equal(plan.losesWork, false, 'feature-z is kept, so its commit is not lost');
    const [outcome] = await executeRemoval(service, plan, { deleteBranch: true });
    assert.equal(outcome?.removed, true, outcome?.error);
    assert.equal(git(repo, 'log', '-1', '--format=%s', 'feature-z').trim(), 'change z.txt');
  });

  test('its own branch, still checked out there, is deleted', async () => {
    const { repo, service, agent } = await agentWithWork();
    const { outcomes } = await discard(service, agent.path, true);
    assert.equal(outcomes[0]?.branchDeleted, true);
    assert.equal(git(repo, 'branch', '--list', agent.branch).trim(), '');
  });
});

describe('incremental keep without committing in between', () => {
  test('keep a file, the agent refines it, keep again: the refinement lands on what was kept', async () => {
    const { repo, service, agent } = await agentWithWork();
    await keep(service, agent.path, { files: ['cart.ts', 'untracked.ts'] });
    write(agent.path, 'cart.ts', 'export const total = 3;\n');
    write(agent.path, 'untracked.ts', 'new file, refined\n');
    const second = await keep(service, agent.path);
    assert.deepEqual([...second.keptFiles].sort(), ['cart.ts', 'committed.ts', 'staged.ts', 'untracked.ts']);
    assert.equal(readFileSync(path.join(repo, 'cart.ts'), 'utf8'), 'export const total = 3;\n');
    assert.equal(readFileSync(path.join(repo, 'untracked.ts'), 'utf8'), 'new file, refined\n');
  });

  test('the user edited a kept file afterwards: that is their work, and an overlapping next keep needs consent', async () => {
    const { repo, service, agent } = await agentWithWork();
    await keep(service, agent.path, { files: ['cart.ts'] });
    write(repo, 'cart.ts', 'export const total = 2; // the user’s own tweak\n');
    write(agent.path, 'cart.ts', 'export const total = 3;\n');
    const before = git(repo, 'status', '--porcelain=v2');
    await assert.rejects(keep(service, agent.path, { files: ['cart.ts'] }), (error: unknown) => {
      assert.ok(error instanceof WorktreeOperationError && error.code === 'needs-confirmation', String(error));
      assert.equal(error.consent?.kind, 'conflicts');
      assert.match(error.message, /overlap your uncommitted edits in cart\.ts/);
      return true;
    });
    assert.equal(readFileSync(path.join(repo, 'cart.ts'), 'utf8'), 'export const total = 2; // the user’s own tweak\n');
    assert.equal(git(repo, 'status', '--porcelain=v2'), before);
  });

  test('a kept deletion stays kept; a kept file the user staged a different version of: merged, their staged version kept', async () => {
    const { repo, service, agent } = await agentWithWork();
    git(agent.path, 'rm', '--quiet', 'README.md');
    await keep(service, agent.path, { files: ['README.md', 'cart.ts'] });
    assert.equal(existsSync(path.join(repo, 'README.md')), false);
    write(repo, 'cart.ts', 'staged by the user\n');
    git(repo, 'add', 'cart.ts');
    write(repo, 'cart.ts', 'export const total = 2;\n'); // the working tree shows the kept bytes again
    write(agent.path, 'cart.ts', 'export const total = 3;\n');
    write(agent.path, 'README.md', 'the agent brings it back\n');
    const staged = git(repo, 'ls-files', '-s', '--', 'cart.ts');
    const merged = await keep(service, agent.path, { files: ['cart.ts'] });
    assert.deepEqual(merged.merged, ['cart.ts']);
    assert.equal(readFileSync(path.join(repo, 'cart.ts'), 'utf8'), 'export const total = 3;\n');
    assert.equal(git(repo, 'ls-files', '-s', '--', 'cart.ts'), staged, 'the user’s staged version is still staged');
    await keep(service, agent.path, { files: ['README.md'] });
    assert.equal(readFileSync(path.join(repo, 'README.md'), 'utf8'), 'the agent brings it back\n');
  });
});

describe('a file that replaced a folder', () => {
  test('keeping just that file also checks the folder’s files for the user’s work', async () => {
    const repo = createRepo('folder');
    commitFile(repo, 'src/deep/code.txt', 'code\n');
    const { service } = recordingService();
    const agent = await createAgentWorktree(service, { repoPath: repo, name: 'flatten' });
    git(agent.path, 'rm', '--quiet', '-r', 'src/deep');
    write(agent.path, 'src/deep', 'now a file\n');
    write(repo, 'src/deep/code.txt', 'the user’s uncommitted edit\n');
    await assert.rejects(keep(service, agent.path, { files: ['src/deep'] }), (error: unknown) => {
      assert.ok(error instanceof WorktreeOperationError && error.code === 'needs-confirmation', String(error));
      assert.deepEqual(error.consent, {
        kind: 'unmergeable',
        files: [{ path: 'src/deep/code.txt', reason: 'the agent replaced a folder there' }],
      });
      return true;
    });
    assert.equal(readFileSync(path.join(repo, 'src/deep/code.txt'), 'utf8'), 'the user’s uncommitted edit\n');
  });
});

describe('an agent worktree whose metadata is damaged', () => {
  test('is listed as a plain worktree, and removing it keeps its branch', async () => {
    const { repo, service, agent } = await agentWithWork('damaged');
    const metadataFile = path.join(repo, '.git', 'worktrees', 'damaged', 'agent-worktrees.json');
    write(path.dirname(metadataFile), path.basename(metadataFile), '{"version": 1, "baseCommit": "not a sha"}\n');
    const listed = (await service.listWorktrees({ commonDir: path.join(repo, '.git') })).find(
      (worktree) => worktree.path === agent.path,
    );
    assert.equal(listed?.agent, undefined);
    assert.match(listed?.agentMetadataProblem ?? '', /damaged/);
    const { outcomes } = await discard(service, agent.path, true);
    assert.equal(outcomes[0]?.removed, true, outcomes[0]?.error);
    assert.equal(outcomes[0]?.branchDeleted, false);
    assert.match(outcomes[0]?.branchKept ?? '', /may not be the agent's: its agent metadata .* is damaged/);
    assert.notEqual(git(repo, 'branch', '--list', agent.branch).trim(), '');
  });
});

describe('a keep that needs a three-way merge', () => {
  test('leaves the merged files unstaged as they were: a kept file the user staged keeps its staged entry', async () => {
    const repo = createRepo('threeway');
    const lines = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`);
    commitFile(repo, 'b.txt', `${lines.join('\n')}\n`);
    const { service } = recordingService();
    const agent = await createAgentWorktree(service, { repoPath: repo, name: 'merge' });
    write(agent.path, 'a.txt', 'kept first\n');
    await keep(service, agent.path);
    git(repo, 'add', 'a.txt'); // the user stages what was kept
    const stagedKept = git(repo, 'ls-files', '-s', 'a.txt');
    const ours = [...lines];
    ours[6] = 'line 7, the user’s';
    write(repo, 'b.txt', `${ours.join('\n')}\n`);
    git(repo, 'commit', '--quiet', '-m', 'the user edits b.txt near the agent’s change', '--', 'b.txt'); // a.txt stays staged
    const theirs = [...lines];
    theirs[8] = 'line 9, the agent’s';
    write(agent.path, 'b.txt', `${theirs.join('\n')}\n`);
    write(agent.path, 'a.txt', 'kept first\nrefined\n');
    const result = await keep(service, agent.path);
    assert.deepEqual(result.conflicts, []);
    assert.match(readFileSync(path.join(repo, 'b.txt'), 'utf8'), /line 7, the user’s\nline 8\nline 9, the agent’s/);
    assert.equal(readFileSync(path.join(repo, 'a.txt'), 'utf8'), 'kept first\nrefined\n');
    assert.equal(git(repo, 'ls-files', '-s', 'a.txt'), stagedKept, 'the staged entry is the user’s, as before');
    assert.equal(git(repo, 'diff', '--cached', '--name-only', '--', 'b.txt'), '', 'b.txt is not staged');
  });
});

describe('capturing an edit made in the same second as the agent’s index was written', () => {
  test('a same-size edit in the second of the index’s write is seen (git’s racy-clean rule holds on the copy)', async () => {
    const { service, agent } = await agentWithWork('racy');
    const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
    await nextSecond(); // the add and the edit then fall in one second (git compares seconds)
    write(agent.path, 'same.txt', 'aaaa\n');
    git(agent.path, 'add', 'same.txt');
    write(agent.path, 'same.txt', 'bbbb\n'); // same size, same second: its cached stat data matches
    await nextSecond(); // the capture's copy of the index is made in a later second
    const changes = await getAgentChanges(service, agent.path);
    assert.match(changes.patch.toString('utf8'), /\+bbbb/);
    assert.doesNotMatch(changes.patch.toString('utf8'), /\+aaaa/);
  });
});
