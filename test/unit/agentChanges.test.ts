import assert from 'node:assert/strict';
import { chmodSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
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

/** The agent's state, byte for byte: index entries, HEAD, and every file's content. */
function agentState(worktree: string) {
  return {
    index: git(worktree, 'ls-files', '-s'),
    head: git(worktree, 'rev-parse', 'HEAD'),
    status: git(worktree, 'status', '--porcelain=v2', '--untracked-files=all'),
    files: git(worktree, 'ls-files', '-z', '--cached', '--others', '--exclude-standard')
      .split('\0')
      .filter(Boolean)
      .map((file) => {
        try {
          return `${file}:${readFileSync(path.join(worktree, file)).toString('base64')}`;
        } catch {
          return `${file}:<missing>`;
        }
      }),
  };
}

async function agentWith(repoName = 'repo') {
  const repo = createRepo(repoName);
  commitFile(repo, 'keep.txt', 'line 1\nline 2\nline 3\n');
  commitFile(repo, 'rename-me.txt', 'a file that will move\nwith enough lines\nto be detected\nas a rename\n');
  commitFile(repo, 'delete-me.txt', 'bye\n');
  commitFile(repo, 'script.sh', '#!/bin/sh\necho hi\n');
  const { service } = recordingService();
  const agent = await createAgentWorktree(service, { repoPath: repo, name: 'agent' });
  return { repo, service, agent };
}

/**
 * An agent created after the user committed a 30-line `long.txt`, which the agent edits at lines 2
 * and 28: two hunks. `first` is the agent made before that commit.
 */
async function twoHunkAgent(name: string, hunks: readonly [string, string]) {
  const { repo, service, agent: first } = await agentWith();
  const long = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
  commitFile(repo, 'long.txt', `${long.join('\n')}\n`);
  // Created from the new HEAD so long.txt is in its base.
  const agent = await createAgentWorktree(service, { repoPath: repo, name });
  const edited = [...long];
  [edited[1], edited[27]] = hunks;
  write(agent.path, 'long.txt', `${edited.join('\n')}\n`);
  return { repo, service, first, agent, edited };
}

const isOperationError = (code: string) => (error: unknown) => error instanceof WorktreeOperationError && error.code === code;

describe('getAgentChanges', () => {
  test('captures committed, staged, unstaged and untracked work of every kind without touching the agent', async () => {
    const { service, agent } = await agentWith();
    const w = agent.path;
    commitFile(w, 'committed.txt', 'committed by the agent\n');
    write(w, 'keep.txt', 'line 1\nline 2 changed\nline 3\n');
    git(w, 'add', 'keep.txt'); // staged
    write(w, 'keep.txt', 'line 1\nline 2 changed\nline 3\nline 4 unstaged\n'); // and more, unstaged
    write(w, 'new dir/untracked file.txt', 'untracked\n');
    git(w, 'mv', 'rename-me.txt', 'renamed.txt');
    unlinkSync(path.join(w, 'delete-me.txt'));
    chmodSync(path.join(w, 'script.sh'), 0o755);
    symlinkSync('keep.txt', path.join(w, 'link-to-keep'));
    writeFileSync(path.join(w, 'image.bin'), Buffer.from([0, 255, 1, 254, 0, 10]));
    const before = agentState(w);

    const changes = await getAgentChanges(service, w);
    assert.deepEqual(agentState(w), before, 'index, HEAD and files are byte-identical');
    const byPath = new Map(changes.files.map((file) => [file.path, file]));
    assert.equal(byPath.get('committed.txt')?.status, 'added');
    assert.equal(byPath.get('keep.txt')?.status, 'modified');
    assert.equal(byPath.get('keep.txt')?.additions, 2);
    assert.equal(byPath.get('new dir/untracked file.txt')?.status, 'added');
    assert.equal(byPath.get('renamed.txt')?.status, 'renamed');
    assert.equal(byPath.get('renamed.txt')?.oldPath, 'rename-me.txt');
    assert.equal(byPath.get('delete-me.txt')?.status, 'deleted');
    assert.equal(byPath.get('script.sh')?.newMode, '100755');
    assert.equal(byPath.get('link-to-keep')?.newMode, '120000');
    assert.equal(byPath.get('image.bin')?.binary, true);
    assert.equal(byPath.get('image.bin')?.size, 6);
    assert.equal(changes.totals.files, changes.files.length);
    assert.match(changes.patch.toString('latin1'), /GIT binary patch/);
  });

  test('a type change (file → symlink) is listed once with its counts', async () => {
    const { service, agent } = await agentWith();
    unlinkSync(path.join(agent.path, 'delete-me.txt'));
    symlinkSync('keep.txt', path.join(agent.path, 'delete-me.txt'));
    write(agent.path, 'keep.txt', 'line 1\nchanged\nline 3\n');
    const changes = await getAgentChanges(service, agent.path);
    const typeChanged = changes.files.find((file) => file.path === 'delete-me.txt');
    assert.equal(typeChanged?.status, 'type-changed');
    assert.equal(changes.files.find((file) => file.path === 'keep.txt')?.additions, 1);
  });

  test('refuses a worktree that is not an agent worktree', async () => {
    const { repo, service } = await agentWith();
    await assert.rejects(getAgentChanges(service, repo), isOperationError('invalid'));
  });

  test('an agent worktree whose folder was deleted is said to be missing, for review and keep alike', async () => {
    const { service, agent } = await agentWith();
    rmSync(agent.path, { recursive: true });
    for (const attempt of [() => getAgentChanges(service, agent.path), () => keep(service, agent.path)]) {
      await assert.rejects(attempt(), (error: unknown) => {
        assert.ok(error instanceof WorktreeOperationError && error.code === 'invalid');
        assert.match(error.message, /is missing \(its folder was deleted or moved\)/);
        return true;
      });
    }
  });
});

describe('keep', () => {
  test('whole: everything lands in the target unstaged; the agent is untouched', async () => {
    const { repo, service, agent } = await agentWith();
    commitFile(agent.path, 'committed.txt', 'from a commit\n');
    write(agent.path, 'keep.txt', 'line 1\nline 2 by agent\nline 3\n');
    write(agent.path, 'untracked.txt', 'new\n');
    writeFileSync(path.join(agent.path, 'image.bin'), Buffer.from([1, 2, 3, 0, 255]));
    git(agent.path, 'mv', 'rename-me.txt', 'renamed.txt');
    const before = agentState(agent.path);
    const result = await keep(service, agent.path);
    assert.equal(result.target, repo);
    assert.deepEqual([...result.keptFiles].sort(), ['committed.txt', 'image.bin', 'keep.txt', 'renamed.txt', 'untracked.txt']);
    assert.equal(readFileSync(path.join(repo, 'keep.txt'), 'utf8'), 'line 1\nline 2 by agent\nline 3\n');
    assert.equal(readFileSync(path.join(repo, 'committed.txt'), 'utf8'), 'from a commit\n');
    assert.deepEqual([...readFileSync(path.join(repo, 'image.bin'))], [1, 2, 3, 0, 255]);
    assert.equal(git(repo, 'diff', '--cached', '--name-only').trim(), '', 'unstaged by default');
    assert.deepEqual(agentState(agent.path), before);
    assert.equal(git(repo, 'rev-parse', 'HEAD'), git(repo, 'rev-parse', 'main'), 'no commit in the target');
  });

  test('per file and per hunk: exactly the chosen changes arrive', async () => {
    const {
      repo,
      service,
      first: agent,
      agent: second,
    } = await twoHunkAgent('hunks', ['line 2 — first hunk', 'line 28 — second hunk']);
    write(second.path, 'other.txt', 'not chosen\n');
    write(second.path, 'chosen.txt', 'chosen\n');
    const result = await keep(service, second.path, { files: ['long.txt', 'chosen.txt'], hunks: { 'long.txt': [1] } });
    assert.deepEqual([...result.keptFiles].sort(), ['chosen.txt', 'long.txt']);
    const kept = readFileSync(path.join(repo, 'long.txt'), 'utf8').split('\n');
    assert.equal(kept[1], 'line 2', 'first hunk not kept');
    assert.equal(kept[27], 'line 28 — second hunk', 'second hunk kept');
    assert.equal(readFileSync(path.join(repo, 'chosen.txt'), 'utf8'), 'chosen\n');
    assert.throws(() => readFileSync(path.join(repo, 'other.txt')), 'unchosen file not written');
    const remaining = await getAgentChanges(service, second.path);
    assert.deepEqual(
      remaining.files.map((file) => file.path).sort(),
      ['long.txt', 'other.txt'],
      'what was not kept is still to review',
    );
    assert.equal(remaining.files.find((file) => file.path === 'long.txt')?.additions, 1, 'only the unkept hunk');
    assert.ok(agent.path);
  });

  test('from the reviewed capture: exactly what was shown lands, even if the agent wrote more since', async () => {
    const {
      repo,
      service,
      agent,
      edited: shown,
    } = await twoHunkAgent('reviewed', ['line 2 — shown hunk 1', 'line 28 — shown hunk 2']);
    const reviewed = await getAgentChanges(service, agent.path);

    // The agent keeps working after the user looked: a new first hunk shifts the hunk numbers.
    const later = [...shown];
    later[0] = 'line 1 — written after the review';
    write(agent.path, 'long.txt', `${later.join('\n')}\n`);
    write(agent.path, 'unseen.txt', 'not reviewed\n');

    const result = await keep(service, agent.path, { files: ['long.txt'], hunks: { 'long.txt': [1] }, reviewed });
    assert.deepEqual(result.keptFiles, ['long.txt']);
    const kept = readFileSync(path.join(repo, 'long.txt'), 'utf8').split('\n');
    assert.equal(kept[0], 'line 1', 'nothing the user did not see');
    assert.equal(kept[1], 'line 2', 'shown hunk 1 was left out');
    assert.equal(kept[27], 'line 28 — shown hunk 2', 'hunk 2 means the hunk that was shown as 2');
    assert.throws(() => readFileSync(path.join(repo, 'unseen.txt')));

    const next = await getAgentChanges(service, agent.path);
    assert.deepEqual(next.files.map((file) => file.path).sort(), ['long.txt', 'unseen.txt'], 'the rest is still to review');
    const outdated = keep(service, agent.path, { reviewed });
    await assert.rejects(outdated, isOperationError('blocked'), 'a capture from before that keep is out of date');
    assert.equal(readFileSync(path.join(repo, 'long.txt'), 'utf8').split('\n')[1], 'line 2', 'and wrote nothing');
  });

  test('files named like object properties are paths: `constructor` with no hunk choice is kept whole', async () => {
    const { repo, service, agent } = await agentWith();
    write(agent.path, 'constructor', 'one\n');
    write(agent.path, 'toString', 'two\n');
    const result = await keep(service, agent.path, { files: ['constructor', 'toString'], hunks: {} });
    assert.deepEqual([...result.keptFiles].sort(), ['constructor', 'toString']);
    assert.equal(readFileSync(path.join(repo, 'constructor'), 'utf8'), 'one\n');
    assert.equal(readFileSync(path.join(repo, 'toString'), 'utf8'), 'two\n');
  });

  test('onto a dirty target with no overlap: kept beside the user’s own changes', async () => {
    const { repo, service, agent } = await agentWith();
    write(repo, 'delete-me.txt', 'the user edits this\n');
    write(repo, 'user-notes.txt', 'mine\n');
    write(agent.path, 'keep.txt', 'agent version\n');
    await keep(service, agent.path);
    assert.equal(readFileSync(path.join(repo, 'keep.txt'), 'utf8'), 'agent version\n');
    assert.equal(readFileSync(path.join(repo, 'delete-me.txt'), 'utf8'), 'the user edits this\n');
    assert.equal(readFileSync(path.join(repo, 'user-notes.txt'), 'utf8'), 'mine\n');
  });

  test('overlap with the target’s uncommitted changes: needs consent (conflicts, with lines), target byte-identical', async () => {
    const { repo, service, agent } = await agentWith();
    write(repo, 'keep.txt', 'the user’s unsaved work\n');
    write(agent.path, 'keep.txt', 'agent version\n');
    write(agent.path, 'elsewhere.txt', 'also agent\n');
    const before = agentState(repo);
    await assert.rejects(keep(service, agent.path), (error: unknown) => {
      assert.ok(error instanceof WorktreeOperationError && error.code === 'needs-confirmation', String(error));
      assert.match(error.message, /keep\.txt \(lines 1–5\)/);
      assert.deepEqual(error.consent, { kind: 'conflicts', files: [{ path: 'keep.txt', lines: [[1, 5]] }] });
      return true;
    });
    assert.deepEqual(agentState(repo), before);
  });

  for (const staged of [false, true]) {
    test(`a write that fails half-way${staged ? ' (staged)' : ''}: every path and index entry put back, git's reason named`, async () => {
      // git apply checks a patch before writing, but "a new file under what is a file here" fails
      // only while writing — after keep.txt was already written (found by the lifecycle fuzzer).
      const { repo, service, agent } = await agentWith();
      commitFile(repo, 'zz', 'the user made this a file since\n');
      write(agent.path, 'keep.txt', 'line 1\nagent line 2\nline 3\n');
      write(agent.path, 'zz/inside.txt', 'the agent made it a folder\n');
      const before = agentState(repo);
      await assert.rejects(keep(service, agent.path, { staged }), (error: unknown) => {
        assert.ok(error instanceof WorktreeOperationError && error.code === 'failed', String(error));
        assert.match(error.message, /^Nothing was kept: writing to .* failed half-way .*zz\/inside\.txt.*Not a directory/);
        return true;
      });
      assert.deepEqual(agentState(repo), before);
    });
  }

  test('a choice that is no state on its own (a file under what is still a file) is refused before writing', async () => {
    const { repo, service, agent } = await agentWith();
    unlinkSync(path.join(agent.path, 'script.sh'));
    write(agent.path, 'script.sh/inside.txt', 'now a folder\n');
    unlinkSync(path.join(repo, 'script.sh')); // so the target alone would have taken it
    const before = agentState(repo);
    await assert.rejects(keep(service, agent.path, { files: ['script.sh/inside.txt'] }), (error: unknown) => {
      assert.ok(error instanceof WorktreeOperationError && error.code === 'invalid', String(error));
      assert.match(error.message, /^Nothing was kept: the chosen changes cannot be kept without others/);
      return true;
    });
    assert.deepEqual(agentState(repo), before);
    git(repo, 'checkout', '--', 'script.sh');
    const all = await keep(service, agent.path, { files: ['script.sh', 'script.sh/inside.txt'] });
    assert.deepEqual([...all.keptFiles].sort(), ['script.sh', 'script.sh/inside.txt']);
  });

  test('conflicts: refused unless allowed; allowed → markers in the target, agent worktree and branch intact', async () => {
    const { repo, service, agent } = await agentWith();
    write(agent.path, 'keep.txt', 'line 1\nagent line 2\nline 3\n');
    commitFile(repo, 'keep.txt', 'line 1\nuser line 2\nline 3\n');
    const before = agentState(repo);
    await assert.rejects(keep(service, agent.path), isOperationError('needs-confirmation'));
    assert.deepEqual(agentState(repo), before, 'nothing written without the go-ahead');
    const agentBefore = agentState(agent.path);
    const result = await keep(service, agent.path, { allowConflicts: true });
    assert.deepEqual(result.conflicts, ['keep.txt']);
    assert.match(readFileSync(path.join(repo, 'keep.txt'), 'utf8'), /<<<<<<<[\s\S]*agent line 2/);
    assert.deepEqual(agentState(agent.path), agentBefore);
    assert.equal(git(repo, 'rev-parse', 'refs/heads/agent/agent'), git(agent.path, 'rev-parse', 'HEAD'), 'branch unchanged');
  });

  test('incremental: after a keep, only new work is shown and kept; then nothing is left', async () => {
    const { repo, service, agent } = await agentWith();
    write(agent.path, 'first.txt', 'first\n');
    await keep(service, agent.path);
    git(repo, 'add', 'first.txt');
    git(repo, 'commit', '--quiet', '-m', 'user commits what was kept');
    write(agent.path, 'second.txt', 'second\n');
    const changes = await getAgentChanges(service, agent.path);
    assert.deepEqual(
      changes.files.map((file) => file.path),
      ['second.txt'],
    );
    const again = await keep(service, agent.path);
    assert.deepEqual(again.keptFiles, ['second.txt']);
    assert.equal(readFileSync(path.join(repo, 'second.txt'), 'utf8'), 'second\n');
    const nothing = await keep(service, agent.path);
    assert.deepEqual(nothing.keptFiles, [], 'a no-op keep succeeds and writes nothing');
    assert.equal((await getAgentChanges(service, agent.path, { since: 'base' })).files.length, 2, 'since base still shows all');
  });

  test('after everything was kept, removing the agent worktree needs no confirmation; new work does', async () => {
    const { repo, service, agent } = await agentWith();
    commitFile(agent.path, 'committed.txt', 'agent commit\n');
    write(agent.path, 'dirty.txt', 'uncommitted\n');
    const before = await planRemoval(service, [{ path: agent.path }]);
    assert.equal(before.losesWork, true);
    await keep(service, agent.path);
    const after = await planRemoval(service, [{ path: agent.path }]);
    assert.equal(after.losesWork, false, 'all of it is in the target now');
    write(agent.path, 'more.txt', 'new work after the keep\n');
    const later = await planRemoval(service, [{ path: agent.path }]);
    assert.equal(later.losesWork, true);
    const refs = (where: string) => git(where, 'for-each-ref', '--format=%(refname)', 'refs/agent-worktrees/kept/').trim();
    assert.equal(refs(agent.path), 'refs/agent-worktrees/kept/agent');
    await executeRemoval(service, later, { force: true });
    assert.equal(refs(repo), '', 'its bookkeeping ref goes with it');
    // The keep's undo record is the target's: it stays (Undo Keep asks first, the agent being gone).
    assert.match(
      git(repo, 'for-each-ref', '--format=%(refname)', 'refs/agent-worktrees/keeps/'),
      /^refs\/agent-worktrees\/keeps\/main\//,
    );
  });
});
