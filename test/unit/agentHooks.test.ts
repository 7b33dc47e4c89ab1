import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { STATUS_VARIABLE, startsClaudeCode, withHooksSettings, writeClaudeHooks } from '../../src/commands/agentHooks';
import { tempDir } from './helpers/gitFixture';

describe('Claude Code’s hooks (agentWorktrees.agentHooks)', () => {
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
});
