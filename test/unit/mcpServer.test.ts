import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createRepo, git, write } from './helpers/gitFixture';

const root = path.resolve(__dirname, '../..');

/** The text of a tool result, parsed; and whether the server marked it an error. */
function parsed(result: Awaited<ReturnType<Client['callTool']>>) {
  const [first] = result.content as Array<{ type: string; text: string }>;
  return { isError: result.isError === true, value: JSON.parse(first?.text ?? 'null') };
}

describe('the MCP server (agent-worktrees mcp), through the SDK’s own client over stdio', () => {
  let client: Client;
  let repo: string;

  before(async () => {
    repo = createRepo('project');
    client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'mcp'],
        cwd: root, // where tsx is found; every call names the repository
        env: process.env as Record<string, string>,
        stderr: 'pipe',
      }),
    );
  });
  after(() => client.close());

  test('lists its tools, the destructive one marked so, every one with an input schema', async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    assert.deepEqual([...byName.keys()].sort(), [
      'compare_attempts',
      'create_agent_worktree',
      'create_attempts',
      'discard_agent_worktree',
      'get_agent_changes',
      'keep_agent_work',
      'list_trash',
      'list_worktrees',
      'restore_from_trash',
    ]);
    assert.equal(byName.get('discard_agent_worktree')?.annotations?.destructiveHint, true);
    assert.equal(byName.get('list_worktrees')?.annotations?.readOnlyHint, true);
    assert.equal(byName.get('compare_attempts')?.annotations?.readOnlyHint, true);
    for (const tool of tools) assert.equal(tool.inputSchema.type, 'object', tool.name);
    assert.deepEqual(byName.get('discard_agent_worktree')?.inputSchema.required, ['worktreePath']);
  });

  test('create → diff → keep → discard; a discard that would lose work is refused without force', async () => {
    const created = parsed(
      await client.callTool({ name: 'create_agent_worktree', arguments: { repoPath: repo, task: 'Add a rate' } }),
    );
    assert.equal(created.isError, false, JSON.stringify(created.value));
    const agent: string = created.value.path;
    write(agent, 'rate.ts', 'export const rate = 0.2;\n');
    const changes = parsed(await client.callTool({ name: 'get_agent_changes', arguments: { worktreePath: agent } }));
    assert.deepEqual(
      changes.value.files.map((file: { path: string }) => file.path),
      ['rate.ts'],
    );
    assert.match(changes.value.patch, /\+export const rate = 0\.2;/);

    write(agent, 'unkept.ts', 'not kept\n');
    const refused = parsed(await client.callTool({ name: 'discard_agent_worktree', arguments: { worktreePath: agent } }));
    assert.equal(refused.isError, true);
    assert.equal(refused.value.error.code, 'needs-confirmation');
    assert.ok(existsSync(path.join(agent, 'unkept.ts')), 'nothing was removed');

    const kept = parsed(
      await client.callTool({ name: 'keep_agent_work', arguments: { worktreePath: agent, files: ['rate.ts'] } }),
    );
    assert.deepEqual(kept.value.keptFiles, ['rate.ts']);
    assert.ok(existsSync(path.join(repo, 'rate.ts')));

    const discarded = parsed(
      await client.callTool({ name: 'discard_agent_worktree', arguments: { worktreePath: agent, force: true } }),
    );
    assert.equal(discarded.isError, false, JSON.stringify(discarded.value));
    assert.ok(discarded.value.trashId, 'the unkept file went to the trash');
    const trash = parsed(await client.callTool({ name: 'list_trash', arguments: { repoPath: repo } }));
    assert.equal(trash.value.items[0].id, discarded.value.trashId);
    const restored = parsed(
      await client.callTool({ name: 'restore_from_trash', arguments: { repoPath: repo, id: discarded.value.trashId } }),
    );
    assert.ok(existsSync(path.join(restored.value.path, 'unkept.ts')));
  });

  test('bad input is an error result, never a crash: the main worktree, a bad name', async () => {
    const main = parsed(
      await client.callTool({ name: 'discard_agent_worktree', arguments: { worktreePath: repo, force: true } }),
    );
    assert.equal(main.value.error.code, 'blocked');
    const badName = parsed(
      await client.callTool({ name: 'create_agent_worktree', arguments: { repoPath: repo, task: 'x', name: '--evil' } }),
    );
    assert.equal(badName.value.error.code, 'invalid');
    const plain = path.join(path.dirname(repo), 'by-hand');
    git(repo, 'worktree', 'add', '--quiet', '--detach', plain);
    const notAgent = parsed(
      await client.callTool({ name: 'discard_agent_worktree', arguments: { worktreePath: plain, force: true } }),
    );
    assert.equal(notAgent.isError, true);
    assert.equal(notAgent.value.error.code, 'invalid');
    assert.ok(existsSync(plain), 'a worktree no agent was given is not discarded');
    git(repo, 'worktree', 'remove', plain);
    const listed = parsed(await client.callTool({ name: 'list_worktrees', arguments: { repoPath: repo } }));
    assert.equal(listed.value.worktrees.length, 2, 'the main worktree and the restored one');
  });

  test('best of N: create attempts (one per agent), compare them; bad counts and non-attempts are refused', async () => {
    const created = parsed(
      await client.callTool({
        name: 'create_attempts',
        arguments: { repoPath: repo, task: 'Speed up search', agentCommands: ['claude', 'codex'] },
      }),
    );
    assert.equal(created.isError, false, JSON.stringify(created.value));
    const [first, second] = created.value.attempts as Array<{ path: string; branch: string }>;
    assert.deepEqual([first?.branch, second?.branch], ['agent/speed-up-search-1', 'agent/speed-up-search-2']);
    write(first?.path as string, 'search.ts', 'export const fast = true;\n');
    write(second?.path as string, 'search.ts', 'export const fast = 1;\nexport const cached = true;\n');
    write(second?.path as string, 'cache.ts', 'export {};\n');
    const compared = parsed(await client.callTool({ name: 'compare_attempts', arguments: { worktreePath: second?.path } }));
    assert.equal(compared.isError, false, JSON.stringify(compared.value));
    assert.equal(compared.value.task, 'Speed up search');
    assert.deepEqual(
      compared.value.attempts.map((attempt: { agentCommand: string; totals: { files: number } }) => [
        attempt.agentCommand,
        attempt.totals.files,
      ]),
      [
        ['claude', 1],
        ['codex', 2],
      ],
    );
    assert.deepEqual(compared.value.sharedFiles, [{ path: 'search.ts', attempts: [0, 1] }]);

    const mismatched = parsed(
      await client.callTool({
        name: 'create_attempts',
        arguments: { repoPath: repo, task: 'Other', count: 3, agentCommands: ['claude', 'codex'] },
      }),
    );
    assert.equal(mismatched.value.error.code, 'invalid');
    const tooMany = parsed(
      await client.callTool({ name: 'create_attempts', arguments: { repoPath: repo, task: 'Other', count: 17 } }),
    );
    assert.equal(tooMany.value.error.code, 'invalid');
    assert.equal(git(repo, 'branch', '--list', 'agent/other*').trim(), '', 'a refused request made no branch');
    const notAttempt = parsed(await client.callTool({ name: 'compare_attempts', arguments: { worktreePath: repo } }));
    assert.equal(notAttempt.value.error.code, 'invalid');
    assert.match(notAttempt.value.error.message, /not one of several attempts/);
  });
});
