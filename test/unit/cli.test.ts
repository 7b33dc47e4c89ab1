import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { CliIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/program';
import { createRepo, git, write } from './helpers/gitFixture';

const root = path.resolve(__dirname, '../..');

/** Runs one command line in-process, as from `cwd`; `answer`: what a terminal user would answer (none: no terminal). */
async function cli(cwd: string, argv: string[], answer?: boolean) {
  let stdout = '';
  let stderr = '';
  let asked: string | undefined;
  const io: CliIo = {
    cwd,
    stdout: (text) => {
      stdout += text.toString();
    },
    stderr: (text) => {
      stderr += text;
    },
    confirm: async (question) => {
      asked = question;
      return answer;
    },
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr, asked, json: () => JSON.parse(stdout) };
}

const worktreeCount = (repo: string) => git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length ?? 0;

describe('the agent-worktrees command line', () => {
  test('new → list → diff → keep → discard, with --json documents and exit 0', async () => {
    const repo = createRepo('project');
    const created = await cli(repo, ['new', 'Fix the tax rounding', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const { path: agent, branch } = created.json();
    assert.equal(branch, 'agent/fix-the-tax-rounding');
    const unkept = async () =>
      (await cli(repo, ['list', '--json'])).json().worktrees.find((worktree: { path: string }) => worktree.path === agent).agent
        .unkeptWork;
    assert.equal(await unkept(), false, 'nothing done yet');
    write(agent, 'src/tax.ts', 'export const rate = 0.2;\n');

    const listed = await cli(repo, ['list', '--json']);
    assert.equal(listed.code, 0);
    const entry = listed.json().worktrees.find((worktree: { path: string }) => worktree.path === agent);
    assert.equal(entry.untracked, 1);
    assert.equal(entry.agent.task, 'Fix the tax rounding');
    assert.equal(entry.agent.commitsSinceBase, 0);
    assert.equal(entry.agent.baseGained, 0);
    assert.equal(entry.agent.unkeptWork, true);
    assert.match((await cli(repo, ['list'])).stdout, /fix-the-tax-rounding .*to review/);

    const patch = await cli(repo, ['diff', agent]);
    assert.match(patch.stdout, /^diff --git a\/src\/tax\.ts b\/src\/tax\.ts/m);
    const stat = await cli(repo, ['diff', agent, '--json']);
    assert.deepEqual(
      stat.json().files.map((file: { path: string; status: string }) => [file.path, file.status]),
      [['src/tax.ts', 'added']],
    );

    const kept = await cli(repo, ['keep', agent, '--json']);
    assert.equal(kept.code, 0, kept.stderr);
    assert.deepEqual(kept.json().keptFiles, ['src/tax.ts']);
    assert.ok(existsSync(path.join(repo, 'src/tax.ts')));
    assert.equal(await unkept(), false, 'all of it was kept');

    const discarded = await cli(repo, ['discard', agent, '--json']);
    assert.equal(discarded.code, 0, discarded.stderr);
    assert.equal(discarded.json().outcomes[0].removed, true);
    assert.equal(discarded.asked, undefined, 'all of it was kept: nothing to confirm');
    assert.equal(existsSync(agent), false);
  });

  test('unconfirmed loss exits 3 without a prompt when there is no terminal, and changes nothing', async () => {
    const repo = createRepo('project');
    const { path: agent } = (await cli(repo, ['new', 'work', '--json'])).json();
    write(agent, 'unkept.txt', 'agent work\n');
    const refused = await cli(repo, ['discard', agent, '--json']);
    assert.equal(refused.code, 3);
    assert.equal(refused.json().error.code, 'needs-confirmation');
    assert.match(refused.stderr, /pass --yes/);
    assert.ok(existsSync(path.join(agent, 'unkept.txt')));
    // On a terminal the user is asked; "no" changes nothing either.
    const declined = await cli(repo, ['discard', agent], false);
    assert.equal(declined.code, 3);
    assert.match(declined.asked ?? '', /lose 1 uncommitted file; it is saved to the trash first/);
    assert.ok(existsSync(agent));
    // --yes: removed, saved to the trash, and `restore` brings it back.
    const removed = await cli(repo, ['discard', agent, '--yes', '--json']);
    assert.equal(removed.code, 0, removed.stderr);
    const trashId = removed.json().outcomes[0].trashId;
    const trash = await cli(repo, ['trash', '--json']);
    assert.deepEqual(
      trash.json().items.map((item: { id: string }) => item.id),
      [trashId],
    );
    const restored = await cli(repo, ['restore', trashId, '--json']);
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(restored.json().path, agent);
    assert.ok(existsSync(path.join(agent, 'unkept.txt')));
  });

  test('removing the main worktree exits 3 (blocked), even with --force', async () => {
    const repo = createRepo('project');
    for (const argv of [
      ['remove', repo],
      ['remove', repo, '--force', '--json'],
    ]) {
      const result = await cli(repo, argv);
      assert.equal(result.code, 3);
      assert.match(result.stderr, /main worktree, which is never removed/);
    }
    assert.equal(worktreeCount(repo), 1);
  });

  test('discard refuses a worktree no agent was given (exit 2, even with --yes); remove takes it', async () => {
    const repo = createRepo('project');
    const plain = path.join(path.dirname(repo), 'by-hand');
    git(repo, 'worktree', 'add', '--quiet', '-b', 'mine', plain);
    const refused = await cli(repo, ['discard', plain, '--yes', '--json']);
    assert.equal(refused.code, 2);
    assert.equal(refused.json().error.code, 'invalid');
    assert.match(refused.json().error.message, /not an agent worktree/);
    assert.equal(worktreeCount(repo), 2);
    assert.match(git(repo, 'branch', '--list', 'mine'), /mine/);
    const removed = await cli(repo, ['remove', plain, '--json']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(worktreeCount(repo), 1);
  });

  test('new --attempts: one task, several agent worktrees from one base, grouped in list --json', async () => {
    const repo = createRepo('project');
    const made = await cli(repo, ['new', 'Speed up search', '--attempts', '3', '--agent', 'claude', '--json']);
    assert.equal(made.code, 0, made.stderr);
    const { group, baseCommit, attempts } = made.json();
    assert.equal(baseCommit, git(repo, 'rev-parse', 'HEAD').trim());
    assert.deepEqual(
      attempts.map((attempt: { branch: string; metadata: { agentCommand: string } }) => [
        attempt.branch,
        attempt.metadata.agentCommand,
      ]),
      [
        ['agent/speed-up-search-1', 'claude'],
        ['agent/speed-up-search-2', 'claude'],
        ['agent/speed-up-search-3', 'claude'],
      ],
    );
    const listed = (await cli(repo, ['list', '--json']))
      .json()
      .worktrees.filter((worktree: { agent: unknown }) => worktree.agent);
    assert.deepEqual(
      listed.map((worktree: { agent: { attempt: unknown } }) => worktree.agent.attempt),
      [1, 2, 3].map((index) => ({ group, index, count: 3 })),
    );
    assert.match((await cli(repo, ['list'])).stdout, /speed-up-search-2 .*attempt 2\/3/);

    const perAgent = await cli(repo, ['new', 'Fix tax', '--agent', 'claude', '--agent', 'codex', '--json']);
    assert.equal(perAgent.code, 0, perAgent.stderr);
    assert.deepEqual(
      perAgent.json().attempts.map((attempt: { metadata: { agentCommand: string } }) => attempt.metadata.agentCommand),
      ['claude', 'codex'],
    );

    const before = worktreeCount(repo);
    for (const argv of [
      ['new', 'x', '--attempts', '1'],
      ['new', 'x', '--attempts', '17'],
      ['new', 'x', '--attempts', 'two'],
      ['new', 'x', '--attempts', '3', '--agent', 'a', '--agent', 'b'],
    ]) {
      const refused = await cli(repo, argv);
      assert.equal(refused.code, 2, `${JSON.stringify(argv)}: ${refused.stderr}`);
    }
    assert.equal(worktreeCount(repo), before);

    const [, second] = perAgent.json().attempts as Array<{ path: string }>;
    write(second?.path as string, 'tax.ts', 'export const tax = 0.2;\n');
    const compared = await cli(repo, ['compare', second?.path as string]);
    assert.equal(compared.code, 0, compared.stderr);
    assert.match(compared.stdout, /^#1 {2}fix-tax-1 {2}claude {2}0 files \+0 -0, 0 commits$/m);
    assert.match(compared.stdout, /^#2 {2}fix-tax-2 {2}codex {2}1 file \+1 -0, 0 commits$/m);
    assert.equal((await cli(repo, ['compare', second?.path as string, '--json'])).json().attempts.length, 2);
    const notAttempt = await cli(repo, ['compare', repo]);
    assert.equal(notAttempt.code, 2, notAttempt.stderr);
    assert.match(notAttempt.stderr, /not one of several attempts/);
  });

  test('hostile names and bad flags exit 2 and create nothing', async () => {
    const repo = createRepo('project');
    const before = readdirSync(path.dirname(repo));
    for (const argv of [
      ['new', 'task', '--name=-rf'],
      ['new', 'task', '--name', '../escape'],
      ['new', 'task', '--name', 'a\nb'],
      ['new', 'task', '--base', '--output=/tmp/x'],
      ['new', 'task', '--bogus'],
      ['keep', repo, '--hunk', 'no-number'],
      ['diff', repo, '--since', 'yesterday'],
      ['frobnicate'],
    ]) {
      const result = await cli(repo, argv);
      assert.equal(result.code, 2, `${JSON.stringify(argv)}: ${result.stderr}`);
    }
    assert.deepEqual(readdirSync(path.dirname(repo)), before);
    assert.equal(git(repo, 'branch', '--list').trim(), '* main');
  });

  test('git failing is exit 1, with what was left where; outside a repository is a usage error (2)', async () => {
    const repo = createRepo('project');
    const { path: agent } = (await cli(repo, ['new', 'locked-ref', '--json'])).json();
    write(agent, 'a.txt', 'agent work\n');
    // A stale lock on the kept-up-to ref (a crashed git): the keep cannot be recorded.
    write(repo, '.git/refs/agent-worktrees/kept/locked-ref.lock', '');
    const failed = await cli(repo, ['keep', agent, '--json']);
    assert.equal(failed.code, 1, failed.stderr);
    assert.equal(failed.json().error.code, 'failed');
    assert.equal(existsSync(path.join(repo, 'a.txt')), false, 'the keep was taken back');
    const outside = await cli(path.dirname(path.dirname(repo)), ['list']);
    assert.equal(outside.code, 2);
  });

  test('the bin itself: non-TTY stdin never prompts, --help for every command', () => {
    const repo = createRepo('project');
    const run = (...argv: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...argv, '--repo', repo], {
        cwd: root, // where tsx is found
        encoding: 'utf8',
        input: 'y\n', // a script piping "y" is not a user saying yes
        timeout: 60_000,
      });
    const created = run('new', 'piped', '--json');
    assert.equal(created.status, 0, created.stderr);
    const agent = JSON.parse(created.stdout).path;
    write(agent, 'work.txt', 'work\n');
    const refused = run('discard', agent);
    assert.equal(refused.status, 3);
    assert.ok(existsSync(path.join(agent, 'work.txt')));
    for (const command of ['list', 'new', 'diff', 'keep', 'discard', 'remove', 'sweep', 'trash', 'restore']) {
      const help = run(command, '--help');
      assert.equal(help.status, 0, command);
      assert.match(help.stdout, /--json/);
    }
  });
});
