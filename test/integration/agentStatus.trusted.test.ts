import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentWorktreesApi } from '../../src/api';
import type { AgentState } from '../../src/views/agentActivity';
import { activatedApi } from './activated';
import { rowOf } from './rows';
import { waitFor } from './waitFor';

/** A scripted fake agent: prints, writes a file, goes quiet, prints again, exits with `code`. */
function fakeAgent(folder: string, code: number, quietSeconds: number): string {
  const script = path.join(folder, `fake-agent-${code}.sh`);
  writeFileSync(
    script,
    [
      'echo "agent: reading the task"',
      'printf "a line by the agent\\n" > agent-note.txt',
      `sleep ${quietSeconds}`,
      'echo "agent: back at work"',
      'sleep 1',
      `exit ${code}`,
      '',
    ].join('\n'),
  );
  return `sh '${script}'`;
}

describe('Agent status through Run Agent', () => {
  let api: AgentWorktreesApi;
  let repo: string;
  const settings = () => vscode.workspace.getConfiguration('agentWorktrees');

  before(async () => {
    ({ api, repo } = await activatedApi());
    await settings().update('agentQuietSeconds', 5, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await settings().update('agentQuietSeconds', undefined, vscode.ConfigurationTarget.Global);
  });

  it('working → waiting → working → failed (exit 3), each change heard once, with notifications', async function () {
    this.timeout(90_000);
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'status-failing' });
    const seen: AgentState[] = [];
    const listener = api.onDidChangeAgentActivity(({ worktreePath, activity }) => {
      if (worktreePath === created.path) seen.push(activity.state);
    });
    try {
      const terminal = (await vscode.commands.executeCommand('agentWorktrees.runAgent', {
        worktreePath: created.path,
        agentCommand: fakeAgent(path.dirname(created.path), 3, 8),
      })) as vscode.Terminal;
      // Another terminal in front: the agent's notifications are not held back.
      const other = vscode.window.createTerminal('not the agent');
      other.show();
      await waitFor('the agent to fail', () => api.agentActivity(created.path).state === 'failed', 60_000);
      assert.deepEqual(seen, ['working', 'waiting', 'working', 'failed']);
      const activity = api.agentActivity(created.path);
      assert.equal(activity.exitCode, 3);
      assert.equal(activity.lastLine, 'agent: back at work');
      assert.equal(activity.source, 'shell-integration');
      // The row and its tooltip say it too.
      const { description, tooltip } = await rowOf(api, created.path);
      assert.match(description, /^failed \(3\) · /);
      assert.match(tooltip, /Agent failed with exit code 3 .* · last output: agent: back at work/);
      const notices = api.testing.agentNotices.filter((message) => message.includes('status-failing'));
      assert.deepEqual(notices, [
        'The agent in status-failing is waiting — does it need you?',
        'The agent in status-failing failed (exit code 3).',
      ]);
      other.dispose();
      terminal.dispose();
    } finally {
      listener.dispose();
      await api.removeWorktrees([created.path], { force: true });
    }
  });

  it('one terminal per agent worktree: a second Run Agent while one runs is refused from the API; done on exit 0', async function () {
    this.timeout(90_000);
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'status-done' });
    try {
      const run = (agentCommand: string, extra: Record<string, unknown> = {}) =>
        vscode.commands.executeCommand('agentWorktrees.runAgent', { worktreePath: created.path, agentCommand, ...extra });
      const terminal = (await run(fakeAgent(path.dirname(created.path), 0, 6))) as vscode.Terminal;
      await waitFor('the agent to work', () => api.agentActivity(created.path).state === 'working', 20_000);
      await assert.rejects(api.runAgent(created.path, { agentCommand: 'true' }), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'needs-confirmation');
        assert.match(error.message, /already running/);
        return true;
      });
      await waitFor('the agent to finish', () => api.agentActivity(created.path).state === 'done', 60_000);
      assert.equal(api.agentActivity(created.path).exitCode, 0);
      // Ended: Run Agent uses the same terminal again.
      const again = (await run('exit 0')) as vscode.Terminal;
      assert.equal(again, terminal);
      terminal.dispose();
    } finally {
      await api.removeWorktrees([created.path], { force: true });
    }
  });

  it('an agent program that is not on PATH: said with a clear error, no terminal opened', async () => {
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'status-missing' });
    try {
      const before = vscode.window.terminals.length;
      const agentCommand = 'no-such-agent-program-xyz --flag';
      await assert.rejects(api.runAgent(created.path, { agentCommand }), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'invalid');
        assert.match(error.message, /"no-such-agent-program-xyz" was not found on PATH/);
        return true;
      });
      // The command with an argument object: the same refusal, shown; nothing opened.
      assert.equal(
        await vscode.commands.executeCommand('agentWorktrees.runAgent', { worktreePath: created.path, agentCommand }),
        undefined,
      );
      assert.equal(vscode.window.terminals.length, before);
    } finally {
      await api.removeWorktrees([created.path], { force: true });
    }
  });

  /**
   * With agentHooks on: a stand-in `program` (a shell script of these lines) run as the agent of a
   * new agent worktree until it is done; `inspect` sees the states heard (with their times), when
   * it started and the worktree, before the worktree is removed.
   */
  async function runStandIn(
    name: string,
    program: 'claude' | 'codex',
    lines: readonly string[],
    inspect: (run: { seen: Array<[AgentState, number]>; started: number; worktree: string }) => void,
  ): Promise<void> {
    await settings().update('agentHooks', true, vscode.ConfigurationTarget.Global);
    const created = await api.createAgentWorktree({ repoPath: repo, name });
    const seen: Array<[AgentState, number]> = [];
    const listener = api.onDidChangeAgentActivity(({ worktreePath, activity }) => {
      if (worktreePath === created.path) seen.push([activity.state, Date.now()]);
    });
    try {
      const bin = path.join(path.dirname(created.path), `${name}-bin`);
      mkdirSync(bin, { recursive: true });
      const standIn = path.join(bin, program);
      writeFileSync(standIn, ['#!/bin/sh', ...lines, ''].join('\n'));
      chmodSync(standIn, 0o755);
      const started = Date.now();
      const terminal = await api.runAgent(created.path, { agentCommand: standIn });
      await waitFor('the agent to finish', () => api.agentActivity(created.path).state === 'done', 40_000);
      assert.equal(
        execFileSync('git', ['status', '--porcelain'], { cwd: created.path, encoding: 'utf8' }),
        '',
        'nothing in the worktree',
      );
      inspect({ seen, started, worktree: created.path });
      terminal?.dispose();
    } finally {
      listener.dispose();
      await settings().update('agentHooks', undefined, vscode.ConfigurationTarget.Global);
      await api.removeWorktrees([created.path], { force: true });
    }
  }

  it('with agentHooks on, Claude Code’s own hooks make "waiting" exact; nothing is written into the worktree', async function () {
    this.timeout(60_000);
    // A stand-in `claude`: runs the hooks it was given with --settings, as Claude Code would.
    const lines = [
      '[ "$1" = "--settings" ] || { echo "no --settings"; exit 9; }',
      'SETTINGS="$2"',
      `hook() { sh -c "$(node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(s.hooks[process.argv[2]][0].hooks[0].command)' "$SETTINGS" "$1")"; }`,
      'echo "claude: may I edit src/cart.ts?"',
      'hook Notification',
      'sleep 3',
      'hook UserPromptSubmit',
      'sleep 2',
      'hook Stop',
      'sleep 1',
      'exit 0',
    ];
    await runStandIn('status-hooks', 'claude', lines, ({ seen, started, worktree }) => {
      const states = seen.map(([state]) => state);
      assert.deepEqual(states, ['working', 'waiting', 'working', 'waiting', 'done']);
      const firstWaiting = seen.find(([state]) => state === 'waiting')?.[1] ?? Number.POSITIVE_INFINITY;
      assert.ok(
        firstWaiting - started < 4_000,
        `waiting came from the hook, not after 5 s of quiet (${firstWaiting - started} ms)`,
      );
      const adminDir = execFileSync('git', ['rev-parse', '--absolute-git-dir'], { cwd: worktree, encoding: 'utf8' }).trim();
      assert.ok(existsSync(path.join(adminDir, 'agent-hooks.json')), 'the hooks file is in the admin folder');
    });
  });

  it('with agentHooks on, Codex’s notify says when its turn is over; its next output is work again', async function () {
    this.timeout(60_000);
    // A stand-in `codex`: at the end of its turn it runs the notify program it was given with -c.
    const lines = [
      '[ "$1" = "-c" ] || { echo "no -c"; exit 9; }',
      'echo "codex: turn 1 done"',
      `node -e 'const w = JSON.parse(process.argv[1].replace(/^notify=/, "")); require("child_process").execFileSync(w[0], [...w.slice(1), "{}"], { stdio: "inherit" })' "$2"`,
      'sleep 3',
      'echo "codex: on to turn 2"',
      'sleep 1',
      'exit 0',
    ];
    await runStandIn('status-codex', 'codex', lines, ({ seen }) => {
      assert.deepEqual(
        seen.map(([state]) => state),
        ['working', 'waiting', 'working', 'done'],
      );
    });
  });
});
