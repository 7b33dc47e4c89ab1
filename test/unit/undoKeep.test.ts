import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  linkSync,
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
  executeRemoval,
  getAgentChanges,
  keep,
  listKeeps,
  METADATA_FILE,
  planRemoval,
  undoKeep,
} from '../../src/agents';
import { writeKeepRecord } from '../../src/agents/keepRecord';
import { commitFile, createRepo, git, recordingService, tempDir, write } from './helpers/gitFixture';
import { refusal } from './helpers/refusal';

async function setup() {
  const repo = createRepo('undo');
  commitFile(repo, 'notes.txt', 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n');
  commitFile(repo, 'script.sh', '#!/bin/sh\necho hi\n');
  const { service } = recordingService();
  const agent = await createAgentWorktree(service, { repoPath: repo, name: 'agent' });
  return { repo, service, agent };
}

/** Every file of the worktree (bytes, mode, link target), the index, and git's status. */
function exactState(root: string) {
  const files: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const entry of readdirSync(path.join(root, folder), { withFileTypes: true })) {
      const relative = path.join(folder, entry.name);
      if (relative === '.git') continue;
      const full = path.join(root, relative);
      if (entry.isDirectory()) {
        files[`${relative}/`] = 'folder';
        walk(relative);
      } else if (entry.isSymbolicLink()) files[relative] = `link ${readlinkSync(full)}`;
      else files[relative] = `${(lstatSync(full).mode & 0o777).toString(8)} ${readFileSync(full).toString('base64')}`;
    }
  };
  walk('');
  return { files, index: git(root, 'ls-files', '-s'), status: git(root, 'status', '--porcelain=v2', '--untracked-files=all') };
}

describe('Undo Keep', () => {
  test('puts the target back byte for byte, and the next review shows the work again', async () => {
    const { repo, service, agent } = await setup();
    write(agent.path, 'notes.txt', 'one\ntwo\nthree\nfour\nfive\nsix\nseven, by the agent\n');
    write(agent.path, 'deep/new/file.txt', 'a new file in new folders\n');
    rmSync(path.join(agent.path, 'script.sh'));
    write(repo, 'mine.txt', 'the user’s own untracked file\n');
    const before = exactState(repo);
    await keep(service, agent.path);
    assert.notDeepEqual(exactState(repo), before);
    const [kept] = await listKeeps(service, repo);
    assert.ok(kept);
    assert.deepEqual([...kept.paths].sort(), ['deep/new/file.txt', 'notes.txt', 'script.sh']);
    const result = await undoKeep(service, repo, kept.id);
    assert.deepEqual(exactState(repo), before, 'files, modes, folders, index and status as before');
    assert.equal(result.keptUpTo, undefined);
    const review = await getAgentChanges(service, agent.path);
    assert.deepEqual(review.files.map((file) => file.path).sort(), ['deep/new/file.txt', 'notes.txt', 'script.sh']);
    assert.deepEqual(await listKeeps(service, repo), []);
    assert.match(git(repo, 'for-each-ref', 'refs/agent-worktrees/undone/'), /commit/);
    // The notification's Undo Keep, clicked after the panel undid it: said plainly, nothing changes.
    await assert.rejects(undoKeep(service, repo, kept.id), (error: unknown) => {
      refusal('invalid')(error);
      assert.equal((error as Error).message, 'That keep was undone already.');
      return true;
    });
    assert.deepEqual(exactState(repo), before);
  });

  test('a keep merged into the user’s own edits: undo gives back exactly their edit (and their staged version)', async () => {
    const { repo, service, agent } = await setup();
    write(repo, 'notes.txt', 'one, staged by the user\ntwo\nthree\nfour\nfive\nsix\nseven\n');
    git(repo, 'add', 'notes.txt');
    write(repo, 'notes.txt', 'one, staged by the user\ntwo, and unstaged\nthree\nfour\nfive\nsix\nseven\n');
    write(agent.path, 'notes.txt', 'one\ntwo\nthree\nfour\nfive\nsix\nseven, by the agent\n');
    const before = exactState(repo);
    const result = await keep(service, agent.path);
    assert.deepEqual(result.merged, ['notes.txt']);
    const [kept] = await listKeeps(service, repo);
    await undoKeep(service, repo, kept?.id ?? '');
    assert.deepEqual(exactState(repo), before);
  });

  test('a file changed after the keep: refused, naming it, and nothing changes', async () => {
    const { repo, service, agent } = await setup();
    write(agent.path, 'notes.txt', 'agent\n');
    write(agent.path, 'other.txt', 'agent other\n');
    await keep(service, agent.path);
    write(repo, 'notes.txt', 'the user edited the kept file\n');
    const after = exactState(repo);
    const [kept] = await listKeeps(service, repo);
    await assert.rejects(undoKeep(service, repo, kept?.id ?? ''), refusal('blocked', /changed after the keep: notes\.txt\.$/));
    assert.deepEqual(exactState(repo), after);
    assert.equal((await listKeeps(service, repo)).length, 1, 'still undoable once the user puts it back');
  });

  test('two keeps from one agent worktree: the later first; then the earlier; the target ends as it began', async () => {
    const { repo, service, agent } = await setup();
    const before = exactState(repo);
    write(agent.path, 'a.txt', 'first\n');
    await keep(service, agent.path);
    write(agent.path, 'b.txt', 'second\n');
    await keep(service, agent.path);
    const [later, earlier] = await listKeeps(service, repo);
    assert.deepEqual(later?.paths, ['b.txt']);
    await assert.rejects(undoKeep(service, repo, earlier?.id ?? ''), refusal('blocked', /later keep/));
    await undoKeep(service, repo, later?.id ?? '');
    assert.deepEqual(
      (await getAgentChanges(service, agent.path)).files.map((file) => file.path),
      ['b.txt'],
    );
    await undoKeep(service, repo, earlier?.id ?? '');
    assert.deepEqual(exactState(repo), before);
    assert.deepEqual((await getAgentChanges(service, agent.path)).files.map((file) => file.path).sort(), ['a.txt', 'b.txt']);
  });

  test('its agent worktree was discarded: undo needs consent (the target has the last copy); the record stays', async () => {
    const { repo, service, agent } = await setup();
    const before = exactState(repo);
    write(agent.path, 'a.txt', 'the only copy after the discard\n');
    await keep(service, agent.path);
    const plan = await planRemoval(service, [{ path: agent.path }]);
    assert.equal(plan.losesWork, false);
    await executeRemoval(service, plan);
    const [kept] = await listKeeps(service, repo);
    const after = exactState(repo);
    await assert.rejects(undoKeep(service, repo, kept?.id ?? ''), refusal('needs-confirmation', /last copy/));
    assert.deepEqual(exactState(repo), after);
    await undoKeep(service, repo, kept?.id ?? '', { force: true });
    assert.deepEqual(exactState(repo), before);
    const undone = git(repo, 'for-each-ref', '--format=%(objectname)', 'refs/agent-worktrees/undone/').trim();
    assert.equal(git(repo, 'show', `${undone}:after/a.txt`), 'the only copy after the discard\n');
  });

  test('a symlink and the exact mode bits the keep changed come back as they were', async () => {
    const repo = createRepo('undo-link');
    commitFile(repo, 'notes.txt', 'notes\n');
    commitFile(repo, 'script.sh', '#!/bin/sh\n');
    symlinkSync('notes.txt', path.join(repo, 'link'));
    git(repo, 'add', 'link');
    git(repo, 'commit', '--quiet', '-m', 'link');
    const { service } = recordingService();
    const agent = await createAgentWorktree(service, { repoPath: repo, name: 'agent' });
    chmodSync(path.join(repo, 'script.sh'), 0o640); // not a mode git records: only the file has it
    rmSync(path.join(agent.path, 'link'));
    symlinkSync('script.sh', path.join(agent.path, 'link'));
    write(agent.path, 'script.sh', '#!/bin/sh\necho agent\n');
    chmodSync(path.join(agent.path, 'script.sh'), 0o755);
    const before = exactState(repo);
    await keep(service, agent.path);
    assert.equal(readlinkSync(path.join(repo, 'link')), 'script.sh');
    const [kept] = await listKeeps(service, repo);
    await undoKeep(service, repo, kept?.id ?? '');
    assert.deepEqual(exactState(repo), before);
  });

  test('listKeeps is newest first across targets', async () => {
    const { repo, service, agent } = await setup();
    const other = await createAgentWorktree(service, { repoPath: repo, name: 'zz-other-target' });
    write(agent.path, 'first.txt', 'into the other worktree\n');
    await keep(service, agent.path, { target: other.path });
    write(agent.path, 'second.txt', 'into main\n');
    await keep(service, agent.path);
    assert.deepEqual(
      (await listKeeps(service, repo)).map((entry) => entry.paths),
      [['second.txt'], ['first.txt']],
    );
  });

  test('only the newest keeps per target stay undoable (undoLimit)', async () => {
    const { repo, service, agent } = await setup();
    for (const name of ['a', 'b', 'c']) {
      write(agent.path, `${name}.txt`, `${name}\n`);
      await keep(service, agent.path, { undoLimit: 2 });
    }
    const listed = await listKeeps(service, repo);
    assert.deepEqual(
      listed.map((entry) => entry.paths),
      [['c.txt'], ['b.txt']],
    );
  });

  test('an id that is no keep record: invalid, nothing read from data as an option', async () => {
    const { repo, service } = await setup();
    for (const id of ['--output=/tmp/x', 'refs/heads/main', 'refs/agent-worktrees/keeps/main/000000000000001-1']) {
      await assert.rejects(undoKeep(service, repo, id), refusal('invalid'));
    }
  });

  test('moving the kept-up-to record back fails (a stale ref lock): nothing is undone', async () => {
    const { repo, service, agent } = await setup();
    write(agent.path, 'a.txt', 'kept\n');
    await keep(service, agent.path);
    const after = exactState(repo);
    const [kept] = await listKeeps(service, repo);
    const refs = path.join(repo, '.git', 'refs', 'agent-worktrees', 'kept');
    mkdirSync(refs, { recursive: true });
    writeFileSync(path.join(refs, 'agent.lock'), '');
    await assert.rejects(undoKeep(service, repo, kept?.id ?? ''), refusal('failed', /^Nothing was undone/));
    assert.deepEqual(exactState(repo), after);
    assert.ok(existsSync(path.join(repo, 'a.txt')));
    assert.equal((await listKeeps(service, repo)).length, 1);
  });

  test('files named like object keys, a large binary and an empty file come back byte for byte', async () => {
    const repo = createRepo('undo-names');
    const large = Buffer.from(Array.from({ length: 400 * 1024 }, (_, i) => (i * 7919) % 256));
    for (const name of ['constructor', '__proto__', 'toString']) commitFile(repo, name, `${name} before\n`);
    write(repo, 'large.bin', large);
    write(repo, 'empty.txt', '');
    git(repo, 'add', 'large.bin', 'empty.txt');
    git(repo, 'commit', '--quiet', '-m', 'large and empty');
    const { service } = recordingService();
    const agent = await createAgentWorktree(service, { repoPath: repo, name: 'agent' });
    // Deleted, added and changed: each name is missing from one side's lists, where a plain object
    // lookup would find what every object inherits.
    rmSync(path.join(agent.path, 'constructor'));
    write(agent.path, 'valueOf', 'a new file\n');
    for (const name of ['__proto__', 'toString']) write(agent.path, name, `${name} by the agent\n`);
    write(agent.path, 'large.bin', Buffer.concat([large, Buffer.from('tail')]));
    write(agent.path, 'empty.txt', 'no longer empty\n');
    const before = exactState(repo);
    await keep(service, agent.path);
    assert.notDeepEqual(exactState(repo), before);
    const [kept] = await listKeeps(service, repo);
    await undoKeep(service, repo, kept?.id ?? '');
    assert.deepEqual(exactState(repo), before);
  });

  test('a kept file linked under another name too: undo replaces it, the other name keeps the kept bytes', async () => {
    const { repo, service, agent } = await setup();
    write(agent.path, 'notes.txt', 'the agent’s notes\n');
    const before = exactState(repo);
    await keep(service, agent.path);
    const elsewhere = path.join(tempDir('links'), 'notes-link.txt');
    linkSync(path.join(repo, 'notes.txt'), elsewhere);
    const [kept] = await listKeeps(service, repo);
    await undoKeep(service, repo, kept?.id ?? '');
    assert.deepEqual(exactState(repo), before);
    assert.equal(readFileSync(elsewhere, 'utf8'), 'the agent’s notes\n', 'written into a new file, not through the link');
  });

  test('writing the agent’s bookkeeping fails after the refs moved: they move back, and nothing is undone', async () => {
    const { repo, service, agent } = await setup();
    write(agent.path, 'a.txt', 'kept\n');
    write(agent.path, 'notes.txt', 'notes by the agent\n');
    await keep(service, agent.path);
    const after = exactState(repo);
    const refs = git(repo, 'for-each-ref');
    const [kept] = await listKeeps(service, repo);
    // The metadata is written to a temporary file first: a folder in its place makes that fail.
    mkdirSync(path.join(repo, '.git', 'worktrees', 'agent', `${METADATA_FILE}.${process.pid}.tmp`));
    await assert.rejects(undoKeep(service, repo, kept?.id ?? ''), refusal('failed', /^Nothing was undone/));
    assert.deepEqual(exactState(repo), after);
    assert.equal(git(repo, 'for-each-ref'), refs, 'the record and the kept-up-to ref where they were');
  });

  test('a record from before states.json (version 1): listed, and its undo is refused saying why', async () => {
    const { repo, service, agent } = await setup();
    write(agent.path, 'a.txt', 'kept\n');
    await keep(service, agent.path);
    const [kept] = await listKeeps(service, repo);
    const id = kept?.id ?? '';
    // The record as version 1 wrote it: no states.json, "version": 1.
    const json = JSON.parse(git(repo, 'show', `${id}:record.json`));
    const recordBlob = execFileSync('git', ['hash-object', '-w', '--stdin'], {
      cwd: repo,
      input: JSON.stringify({ ...json, version: 1 }),
      encoding: 'utf8',
    }).trim();
    const entries = git(repo, 'ls-tree', id)
      .split('\n')
      .filter((line) => line && !line.endsWith('\tstates.json') && !line.endsWith('\trecord.json'));
    const tree = execFileSync('git', ['mktree'], {
      cwd: repo,
      input: `${[...entries, `100644 blob ${recordBlob}\trecord.json`].join('\n')}\n`,
      encoding: 'utf8',
    }).trim();
    git(repo, 'update-ref', id, git(repo, 'commit-tree', '-m', 'version 1', tree).trim());
    const after = exactState(repo);
    assert.deepEqual(
      (await listKeeps(service, repo)).map((entry) => entry.id),
      [id],
    );
    await assert.rejects(undoKeep(service, repo, id), refusal('blocked', /earlier development version/));
    assert.deepEqual(exactState(repo), after);
  });

  test('a record keeps the index’s blobs from garbage collection, even those nothing else holds', async () => {
    const repo = createRepo('record-gc');
    commitFile(repo, 'a.txt', 'committed\n');
    const { service } = recordingService();
    const hash = (text: string) =>
      execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo, input: text, encoding: 'utf8' }).trim();
    const staged = hash('a staged version nothing else holds\n');
    const file = (text: string) => ({ kind: 'file' as const, bytes: Buffer.from(text), mode: 0o644 });
    const snapshot = (text: string) => ({ root: repo, entries: new Map([['a.txt', file(text)]]), missingFolders: [] });
    const index = (oid: string) => ({ paths: ['a.txt'], entries: new Map([['a.txt', { mode: '100644', oid }]]) });
    const commit = await writeKeepRecord(
      service,
      repo,
      {
        target: repo,
        agentWorktree: repo,
        agentId: 'agent',
        task: undefined,
        at: new Date().toISOString(),
        keptBefore: {},
        keptUpToAfter: 'f'.repeat(40),
      },
      {
        before: snapshot('before\n'),
        indexBefore: index(staged),
        after: snapshot('after\n'),
        indexAfter: index(hash('after\n')),
      },
    );
    git(repo, 'update-ref', 'refs/agent-worktrees/keeps/main/000000000000001-1', commit);
    git(repo, 'gc', '--quiet', '--prune=now');
    assert.equal(git(repo, 'cat-file', '-p', staged), 'a staged version nothing else holds\n');
  });
});
