import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { defaultPortRegistry } from '../../src/agents/portBlocks';
import type { AgentWorktreesApi } from '../../src/api';
import { activatedApi } from './activated';
import { rowOf } from './rows';
import { waitFor } from './waitFor';

function otherRepository(): string {
  const repo = path.join(mkdtempSync(path.join(tmpdir(), 'agent-worktrees-ports-')), 'other');
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      env: { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@e' },
    });
  execFileSync('git', ['init', '--quiet', '--initial-branch=main', repo]);
  writeFileSync(path.join(repo, 'a.txt'), 'a\n');
  git('add', 'a.txt');
  git('commit', '--quiet', '-m', 'one');
  return repo;
}

function heldBy(worktree: string): boolean {
  const registry = defaultPortRegistry();
  if (!existsSync(registry)) return false;
  return JSON.parse(readFileSync(registry, 'utf8')).blocks.some((block: { worktree: string }) => block.worktree === worktree);
}

describe('A block of ports per agent worktree', () => {
  let api: AgentWorktreesApi;
  let repo: string;

  before(async () => {
    ({ api, repo } = await activatedApi());
  });

  it('distinct blocks across two repositories, PORT in the agent’s terminal, released on removal', async function () {
    this.timeout(60_000);
    const first = await api.createAgentWorktree({ repoPath: repo, name: 'ports-a' });
    const second = await api.createAgentWorktree({ repoPath: otherRepository(), name: 'ports-b' });
    const [a, b] = [first.metadata.ports, second.metadata.ports];
    assert.ok(a && b, 'both have a block');
    assert.equal(a.count, 10);
    assert.ok(
      a.first + a.count <= b.first || b.first + b.count <= a.first,
      `${JSON.stringify(a)} and ${JSON.stringify(b)} overlap`,
    );
    assert.ok(heldBy(first.path) && heldBy(second.path));
    await api.testing.model.refreshAll();
    assert.match((await rowOf(api, first.path)).tooltip, new RegExp(`Ports ${a.first}–${a.first + 9} \\(PORT=${a.first}`));

    const proof = path.join(path.dirname(first.path), 'port-proof.txt');
    const terminal = await api.runAgent(first.path, {
      agentCommand: `printf '%s %s' "$PORT" "$AGENT_WORKTREES_PORT" > '${proof}'`,
    });
    const written = await waitFor('the agent to write its port', () => existsSync(proof) && readFileSync(proof, 'utf8'), 20_000);
    assert.equal(written, `${a.first} ${a.first}`);
    terminal?.dispose();

    await api.removeWorktrees([first.path], { force: true });
    assert.equal(heldBy(first.path), false, 'released');
    await api.removeWorktrees([second.path], { force: true });
    assert.equal(heldBy(second.path), false);
  });
});
