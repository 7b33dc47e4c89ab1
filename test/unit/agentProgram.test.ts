import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { installPageOf, programFound, programOf } from '../../src/commands/agentProgram';

describe('the agent’s program, checked before a terminal runs it', () => {
  test('programOf: the first word after variable assignments, quotes removed; nothing to look up otherwise', () => {
    assert.equal(programOf('claude'), 'claude');
    assert.equal(programOf('FOO=1 BAR="two words" aider --model x'), 'aider');
    assert.equal(programOf(`"/opt/my agent/bin/claude" --flag`), '/opt/my agent/bin/claude');
    assert.equal(programOf('npx @openai/codex "$AGENT_WORKTREES_TASK"'), 'npx');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, on purpose
    for (const line of ['$HOME/bin/agent', '(cd x && y)', '', '   ', '| x', '${AGENT:-claude}'])
      assert.equal(programOf(line), undefined, JSON.stringify(line));
  });

  test('programFound looks names up on the PATH given, and paths as they are', async () => {
    assert.equal(await programFound('sh', process.env), true);
    assert.equal(await programFound('/bin/sh', { PATH: '' }), true);
    assert.equal(await programFound('sh', { PATH: '/nonexistent-folder' }), false);
    assert.equal(await programFound('no-such-agent-program-xyz', process.env), false);
    assert.equal(await programFound('exit', { PATH: '' }), true, 'a shell builtin is always there');
  });

  test('installPageOf knows the presets by file name', () => {
    assert.match(installPageOf('/usr/local/bin/claude') ?? '', /^https:\/\//);
    assert.match(installPageOf('aider') ?? '', /aider\.chat/);
    assert.equal(installPageOf('my-own-agent'), undefined);
  });
});
