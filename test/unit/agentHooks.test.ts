import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import {
  STATUS_VARIABLE,
  startsClaudeCode,
  startsCodex,
  withCodexNotify,
  withHooksSettings,
  writeClaudeHooks,
} from '../../src/commands/agentHooks';
import { tempDir } from './helpers/gitFixture';

describe('the agent’s own hooks (agentWorktrees.agentHooks)', () => {
  test('only Claude Code gets them, its program as written first on the line', () => {
    assert.equal(startsClaudeCode('claude'), true);
    assert.equal(startsClaudeCode('/usr/local/bin/claude'), true);
    assert.equal(startsClaudeCode('codex'), false);
    assert.equal(startsClaudeCode(undefined), false);
    assert.equal(
      withHooksSettings('claude "$AGENT_WORKTREES_TASK"', 'claude'),
      'claude --settings "$AGENT_WORKTREES_HOOKS_FILE" "$AGENT_WORKTREES_TASK"',
    );
    assert.equal(withHooksSettings('claude', 'claude'), 'claude --settings "$AGENT_WORKTREES_HOOKS_FILE"');
    assert.equal(
      withHooksSettings('"/opt/my tools/claude" -c', '/opt/my tools/claude'),
      '"/opt/my tools/claude" -c',
      'quoted: left alone',
    );
    assert.equal(withHooksSettings('claudette', 'claude'), 'claudette');
  });

  test('the hooks file is in the admin folder; each hook writes the state to the file named in the environment', async () => {
    const adminDir = tempDir('admin');
    const env = await writeClaudeHooks(adminDir);
    const settings = JSON.parse(readFileSync(env.AGENT_WORKTREES_HOOKS_FILE as string, 'utf8'));
    assert.equal(path.dirname(env.AGENT_WORKTREES_HOOKS_FILE as string), adminDir);
    const run = (event: string) => {
      const command = settings.hooks[event][0].hooks[0].command as string;
      execFileSync('sh', ['-c', command], { env: { ...process.env, ...env } });
      return readFileSync(env[STATUS_VARIABLE] as string, 'utf8');
    };
    assert.equal(run('Notification'), 'waiting');
    assert.equal(run('UserPromptSubmit'), 'working');
    assert.equal(run('Stop'), 'waiting');
    assert.equal(run('PreToolUse'), 'working');
  });

  test('Codex: its notify setting on the command line; the shell passes it whole, and it writes "waiting"', () => {
    assert.equal(startsCodex('/usr/bin/codex'), true);
    const line = withCodexNotify('codex "$AGENT_WORKTREES_TASK"', 'codex');
    assert.match(line, /^codex -c 'notify=\[.*\]' "\$AGENT_WORKTREES_TASK"$/);
    // What codex receives as its arguments, through a real shell.
    const args = execFileSync('sh', ['-c', `set -- ${line.slice('codex '.length)}; printf '%s\\0' "$@"`], {
      env: { ...process.env, AGENT_WORKTREES_TASK: 'the task' },
      encoding: 'utf8',
    }).split('\0');
    assert.equal(args[0], '-c');
    assert.equal(args[2], 'the task');
    // The TOML array's strings (basic strings: \" is a quote), run as Codex runs notify, plus its JSON.
    const words = JSON.parse((args[1] as string).replace(/^notify=/, '')) as string[];
    const statusFile = path.join(tempDir('codex'), 'agent-status');
    execFileSync(words[0] as string, [...words.slice(1), '{"type":"agent-turn-complete"}'], {
      env: { ...process.env, [STATUS_VARIABLE]: statusFile },
    });
    assert.equal(readFileSync(statusFile, 'utf8'), 'waiting');
    assert.equal(withCodexNotify('codexx', 'codex'), 'codexx', 'another program: unchanged');
  });
});
