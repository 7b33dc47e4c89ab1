import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentWorktreesApi } from '../../src/api';
import { activatedApi } from './activated';
import { rowOf } from './rows';
import { waitFor } from './waitFor';

const IDENTITY = { GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@e' };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...IDENTITY } });
}

function commit(cwd: string, file: string, text: string): string {
  writeFileSync(path.join(cwd, file), text);
  git(cwd, 'add', file);
  git(cwd, 'commit', '--quiet', '-m', `change ${file}`);
  return git(cwd, 'rev-parse', 'HEAD').trim();
}

describe('Update from Base', () => {
  let api: AgentWorktreesApi;
  let repo: string;
  let mainBefore: string;

  before(async () => {
    ({ api, repo } = await activatedApi());
    mainBefore = git(repo, 'rev-parse', 'HEAD').trim();
  });

  after(() => {
    git(repo, 'reset', '--quiet', '--hard', mainBefore); // the fixture's main as the other tests know it
  });

  it('the row says the base moved; the command merges it in; a conflict is left as git leaves it; refusals', async function () {
    this.timeout(60_000);
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'update-base' });
    try {
      commit(created.path, 'agent-file.txt', 'by the agent\n');
      const tip = commit(repo, 'update-base-main.txt', 'main moved\n');
      await api.testing.model.refreshAll();
      // The row counts it in the background (rev-list once per base and tip), then shows it.
      for (const deadline = Date.now() + 10_000; !(await rowOf(api, created.path)).description.includes('base ↓1'); ) {
        if (Date.now() > deadline)
          assert.fail(`the row never said the base moved: ${(await rowOf(api, created.path)).description}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.match((await rowOf(api, created.path)).tooltip, /main moved 1 commit since the agent started/);

      // Uncommitted changes: refused from an argument object (nothing asked), nothing changed.
      writeFileSync(path.join(created.path, 'scratch.txt'), 'uncommitted\n');
      await assert.rejects(api.updateFromBase(created.path), (error: Error & { code?: string }) => error.code === 'blocked');
      const result = await vscode.commands.executeCommand('agentWorktrees.updateFromBase', {
        worktreePath: created.path,
        carryUncommitted: true,
      });
      assert.deepEqual(result, { commits: 1, baseCommit: tip, conflicted: [], carried: 'restored' });
      assert.equal(readFileSync(path.join(created.path, 'scratch.txt'), 'utf8'), 'uncommitted\n');
      assert.equal(readFileSync(path.join(created.path, 'update-base-main.txt'), 'utf8'), 'main moved\n');
      const changes = await api.getAgentChanges(created.path, { since: 'base' });
      assert.deepEqual(changes.files.map((file) => file.path).sort(), ['agent-file.txt', 'scratch.txt']);

      // A conflict: named, left for the user, the base unmoved until it is finished.
      commit(created.path, 'agent-file.txt', 'the agent again\n');
      commit(repo, 'agent-file.txt', 'main wrote the same file\n');
      const conflicted = await api.updateFromBase(created.path, { carryUncommitted: true });
      assert.deepEqual(conflicted.conflicted, ['agent-file.txt']);
      assert.equal(conflicted.baseCommit, tip);
      assert.match(git(created.path, 'status', '--porcelain'), /^AA agent-file\.txt$/m);
      git(created.path, 'merge', '--abort');
      git(created.path, 'stash', 'pop');
      assert.equal(readFileSync(path.join(created.path, 'scratch.txt'), 'utf8'), 'uncommitted\n', 'nothing lost');
    } finally {
      await api.removeWorktrees([created.path], { force: true });
    }
  });

  it('refused while its agent is working', async function () {
    this.timeout(60_000);
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'update-while-working' });
    try {
      const terminal = await api.runAgent(created.path, { agentCommand: 'while true; do echo working; sleep 1; done' });
      await waitFor('the agent to work', () => api.agentActivity(created.path).state === 'working', 20_000);
      await assert.rejects(api.updateFromBase(created.path), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'blocked');
        assert.match(error.message, /agent is working/);
        return true;
      });
      terminal?.dispose();
    } finally {
      await api.removeWorktrees([created.path], { force: true });
    }
  });
});
