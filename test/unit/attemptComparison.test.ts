import assert from 'node:assert/strict';
import { realpathSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import {
  type AttemptGroup,
  arrangeByAttempts,
  compareAttempts,
  createAgentWorktree,
  createAttempts,
  findAttemptGroup,
  isAttemptGroup,
  keep,
  OUTPUT_LIMIT,
  runCheck,
  runChecks,
} from '../../src/agents';
import { commitFile, createRepo, git, recordingService, tempDir, write } from './helpers/gitFixture';

describe('Compare Attempts: what each attempt did, side by side', () => {
  test('files, line counts and commits per attempt; files several attempts touched; trees to diff', async () => {
    const repo = createRepo('shop');
    const { service } = recordingService();
    const { group, attempts } = await createAttempts(service, { repoPath: repo, name: 'search', attempts: [{}, {}, {}] });
    const [first, second] = attempts.map((attempt) => attempt.path);
    write(first as string, 'README.md', '# fast search\nwith an index\n');
    write(first as string, 'src/index.ts', 'export const index = new Map();\n');
    commitFile(second as string, 'README.md', '# search, cached\n', 'Cache search');
    const snapshot = await service.readRepository({ commonDir: attempts[0]?.commonDir as string });
    const found = findAttemptGroup(snapshot.worktrees, group);
    assert.ok(found);
    const comparison = await compareAttempts(service, found);
    assert.equal(comparison.baseCommit, git(repo, 'rev-parse', 'HEAD').trim());
    assert.deepEqual(
      comparison.attempts.map((attempt) => [attempt.name, attempt.totals.files, attempt.commits, attempt.problem]),
      [
        ['search-1', 2, 0, undefined],
        ['search-2', 1, 1, undefined],
        ['search-3', 0, 0, undefined],
      ],
    );
    assert.deepEqual(
      comparison.attempts[0]?.files.map((file) => [file.path, file.status, file.additions]),
      [
        ['README.md', 'modified', 2],
        ['src/index.ts', 'added', 1],
      ],
    );
    assert.deepEqual(comparison.sharedFiles, [{ path: 'README.md', attempts: [0, 1] }]);
    // The trees hold each attempt's version: what a diff between two attempts opens.
    const tree = (position: number) => comparison.attempts[position]?.tree as string;
    assert.equal(git(repo, 'show', `${tree(0)}:README.md`), '# fast search\nwith an index\n');
    assert.equal(git(repo, 'show', `${tree(1)}:README.md`), '# search, cached\n');
    assert.deepEqual(
      comparison.attempts.map((attempt) => attempt.keptInto),
      [[], [], []],
    );

    // Kept: the comparison says where to, so the adopted attempt is told apart from the others.
    await keep(service, first as string);
    const afterKeep = await service.readRepository({ commonDir: attempts[0]?.commonDir as string });
    const kept = await compareAttempts(service, findAttemptGroup(afterKeep.worktrees, group) as AttemptGroup);
    assert.deepEqual(
      kept.attempts.map((attempt) => attempt.keptInto.map((target) => path.basename(target))),
      [[path.basename(repo)], [], []],
    );
  });

  test('an attempt whose folder is gone says so in its column instead of passing for "no changes"', async () => {
    const repo = createRepo('shop');
    const { service } = recordingService();
    const { group, attempts } = await createAttempts(service, { repoPath: repo, name: 'gone', attempts: [{}, {}] });
    rmSync(attempts[1]?.path as string, { recursive: true, force: true });
    const snapshot = await service.readRepository({ commonDir: attempts[0]?.commonDir as string });
    const found = findAttemptGroup(snapshot.worktrees, group);
    assert.ok(found);
    const comparison = await compareAttempts(service, found);
    assert.deepEqual(
      comparison.attempts.map((attempt) => attempt.problem),
      [undefined, 'its folder is missing'],
    );
  });

  test('the view lists a group where its first attempt was; one left alone is a plain row again', async () => {
    const repo = createRepo('shop');
    const { service } = recordingService();
    const before = await createAgentWorktree(service, { repoPath: repo, name: 'before' });
    const { group, attempts } = await createAttempts(service, { repoPath: repo, name: 'try', attempts: [{}, {}, {}] });
    await createAgentWorktree(service, { repoPath: repo, name: 'zz-after' });
    const read = async () => service.readRepository({ commonDir: before.commonDir });
    const shape = (entries: ReturnType<typeof arrangeByAttempts>) =>
      entries.map((entry) => (isAttemptGroup(entry) ? `group:${entry.members.length}/${entry.created}` : entry.worktree.path));
    const main = realpathSync(repo);
    assert.deepEqual(shape(arrangeByAttempts((await read()).worktrees)), [main, before.path, 'group:3/3', expect('zz-after')]);
    git(repo, 'worktree', 'remove', attempts[0]?.path as string);
    assert.deepEqual(shape(arrangeByAttempts((await read()).worktrees)), [main, before.path, 'group:2/3', expect('zz-after')]);
    git(repo, 'worktree', 'remove', attempts[1]?.path as string);
    const alone = arrangeByAttempts((await read()).worktrees);
    assert.deepEqual(shape(alone), [main, before.path, attempts[2]?.path, expect('zz-after')]);
    assert.equal(findAttemptGroup((await read()).worktrees, group)?.members.length, 1);

    function expect(name: string) {
      return before.path.replace(/before$/, name);
    }
  });
});

describe('the check command, run in each attempt', () => {
  test('exit codes, interleaved output and the attempt’s environment, in its folder', async () => {
    const folder = realpathSync(tempDir('check'));
    const passed = await runCheck('echo out; echo err 1>&2; pwd; echo "port=$PORT"', folder, { env: { PORT: '4110' } });
    assert.equal(passed.exitCode, 0);
    assert.equal(passed.problem, undefined);
    assert.match(passed.output, /out\n/);
    assert.match(passed.output, /err\n/);
    assert.match(passed.output, new RegExp(`${folder}\\n`));
    assert.match(passed.output, /port=4110/);
    const failed = await runCheck('echo 2 tests failed; exit 3', folder);
    assert.equal(failed.exitCode, 3);
    assert.match(failed.output, /2 tests failed/);
    const missing = await runCheck('no-such-check-command-anywhere', folder);
    assert.equal(missing.exitCode, 127, 'the shell says the command was not found');
  });

  test('output past the limit keeps its end (where a test summary is)', async () => {
    const folder = tempDir('check');
    const result = await runCheck(`node -e "process.stdout.write('x'.repeat(${OUTPUT_LIMIT + 5000}) + 'SUMMARY')"`, folder);
    assert.equal(result.exitCode, 0);
    assert.equal(result.truncated, true);
    assert.equal(result.output.length, OUTPUT_LIMIT);
    assert.ok(result.output.endsWith('SUMMARY'));
  });

  test('stopping it stops what it started, and says so', async () => {
    const folder = tempDir('check');
    const controller = new AbortController();
    const running = runCheck('echo started; sleep 60 & wait', folder, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    const result = await running;
    assert.equal(result.exitCode, null);
    assert.equal(result.problem, 'stopped');
    assert.ok(result.durationMs < 30_000, `it ended when stopped, not after the 60 s sleep (${result.durationMs} ms)`);
  });

  test('a check that ignores SIGTERM is killed a few seconds after Stop', async () => {
    const folder = tempDir('check');
    const controller = new AbortController();
    const running = runCheck("trap '' TERM; echo started; sleep 60 & wait; sleep 60", folder, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    const result = await running;
    assert.equal(result.problem, 'stopped');
    assert.equal(result.exitCode, null);
    assert.ok(result.durationMs < 20_000, `killed, not waited for (${result.durationMs} ms)`);
  });

  test('a character split between two chunks of output stays one character', async () => {
    const folder = tempDir('check');
    const script =
      'process.stdout.write(Buffer.from([0xe2, 0x9c])); setTimeout(() => process.stdout.write(Buffer.from([0x93])), 100)';
    const result = await runCheck(`node -e "${script}"`, folder);
    assert.equal(result.output, '✓');
  });

  test('a folder that cannot be used is a result that says so, not a crash', async () => {
    const file = path.join(tempDir('check'), 'a-file');
    writeFileSync(file, '');
    const result = await runCheck('true', file);
    assert.equal(result.exitCode, null);
    assert.match(result.problem ?? '', /could not start/);
  });

  test('after Stop, the checks still waiting for their turn never start', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const results = await runChecks('sleep 30', [{ cwd: tempDir('a') }, { cwd: tempDir('b') }, { cwd: tempDir('c') }], {
      concurrency: 1,
      signal: controller.signal,
      onStart: (index) => {
        started.push(index);
        setTimeout(() => controller.abort(), 200);
      },
    });
    assert.deepEqual(started, [0]);
    assert.deepEqual(
      results.map((result) => result.problem),
      ['stopped', 'stopped', 'stopped'],
    );
  });

  test('several at a time, results in the attempts’ order whatever order they end in', async () => {
    const folders = [tempDir('a'), tempDir('b'), tempDir('c')];
    const ended: number[] = [];
    const results = await runChecks(
      'sleep "$DELAY"; exit "$CODE"',
      [
        { cwd: folders[0] as string, env: { DELAY: '0.6', CODE: '1' } },
        { cwd: folders[1] as string, env: { DELAY: '0', CODE: '0' } },
        { cwd: folders[2] as string, env: { DELAY: '0', CODE: '2' } },
      ],
      { concurrency: 2, onResult: (index) => ended.push(index) },
    );
    assert.deepEqual(
      results.map((result) => result.exitCode),
      [1, 0, 2],
    );
    assert.deepEqual(ended, [1, 2, 0], 'the slow first one ended last; the third waited for a free slot');
  });
});
