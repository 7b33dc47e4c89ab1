import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentWorktreesApi } from '../../src/api';
import type { WorktreesNode } from '../../src/views/worktreesTree';
import { activatedApi } from './activated';

const worktreeCount = (repo: string) =>
  execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: repo, encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.startsWith('worktree ')).length;

describe('Commands take a row, a path, a Uri or an argument object, and the view follows every change', () => {
  let api: AgentWorktreesApi;
  let repo: string;

  before(async () => {
    ({ api, repo } = await activatedApi());
  });

  it('the view has the new, kept and discarded state as soon as each API call settles (no refresh asked)', async () => {
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'args-follow' });
    assert.ok(api.testing.model.findWorktree(created.path), 'the created worktree is in the view');
    writeFileSync(path.join(created.path, 'args-follow.txt'), 'agent\n');
    const kept = await api.keep(created.path);
    assert.equal(api.testing.model.findWorktree(created.path)?.snapshot.worktree.agent?.keptUpTo, kept.keptUpTo);
    const main = api.testing.model.findWorktree(repo)?.snapshot;
    assert.equal(main?.status?.untracked, 1, 'the kept file shows in the main worktree at once');
    await api.discard(created.path);
    assert.equal(api.testing.model.findWorktree(created.path), undefined, 'the discarded worktree left the view');
    execFileSync('git', ['clean', '-fq', '--', 'args-follow.txt'], { cwd: repo });
  });

  it('Copy Worktree Path takes a path, a Uri, `{ worktreePath }` and a row, each naming the same worktree', async () => {
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'args-forms' });
    const row = (api.testing.treeDataProvider.getChildren() as WorktreesNode[]).find(
      (node) => node.type === 'worktree' && node.snapshot.worktree.path === created.path,
    );
    assert.ok(row, 'the row of the new worktree');
    for (const argument of [created.path, vscode.Uri.file(created.path), { worktreePath: created.path }, row]) {
      await vscode.env.clipboard.writeText('before');
      await vscode.commands.executeCommand('agentWorktrees.copyPath', argument);
      assert.equal(await vscode.env.clipboard.readText(), created.path, `copied for ${JSON.stringify(argument).slice(0, 60)}`);
    }
    await api.discard(created.path);
  });

  it('a malformed argument object is refused without a prompt and changes nothing', async () => {
    const before = worktreeCount(repo);
    const terminals = vscode.window.terminals.length;
    // Each would have fallen through to an interactive prompt (which never answers here) before.
    assert.equal(await vscode.commands.executeCommand('agentWorktrees.newAgentWorktree', { repoPath: repo, task: 5 }), undefined);
    assert.equal(
      await vscode.commands.executeCommand('agentWorktrees.newAgentWorktree', { repoPath: repo, nmae: 'typo' }),
      undefined,
    );
    assert.equal(
      await vscode.commands.executeCommand('agentWorktrees.runAgent', { worktreePath: repo, agentCommand: 'true', extra: 1 }),
      undefined,
    );
    assert.equal(await vscode.commands.executeCommand('agentWorktrees.removeWorktrees', { paths: [] }), undefined);
    assert.equal(await vscode.commands.executeCommand('agentWorktrees.copyPath', 42), undefined);
    assert.equal(worktreeCount(repo), before);
    assert.equal(vscode.window.terminals.length, terminals);
  });

  it('a well-formed argument object still works without a prompt', async () => {
    const created = (await vscode.commands.executeCommand('agentWorktrees.newAgentWorktree', {
      repoPath: repo,
      name: 'args-object',
    })) as { path: string } | undefined;
    assert.ok(created?.path, 'created through the command with an argument object');
    const outcomes = (await vscode.commands.executeCommand('agentWorktrees.removeWorktrees', { paths: [created.path] })) as
      | Array<{ removed: boolean }>
      | undefined;
    assert.deepEqual(
      outcomes?.map((outcome) => outcome.removed),
      [true],
    );
  });
});
