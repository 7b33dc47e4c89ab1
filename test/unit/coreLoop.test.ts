import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createAgentWorktree, executeRemoval, keep, planRemoval } from '../../src/git';
import { commitFile, createRepo, git, recordingService, write } from './helpers/gitFixture';

/** The whole loop: create → agent edits → keep (all or part) → discard, as the user ran it. */
async function agentWithWork(name = 'agent') {
  const repo = createRepo('loop');
  commitFile(repo, 'cart.ts', 'export const total = 1;\n');
  const { service } = recordingService();
  const agent = await createAgentWorktree(service, { repoPath: repo, name });
  commitFile(agent.path, 'committed.ts', 'agent commit\n');
  write(agent.path, 'cart.ts', 'export const total = 2;\n'); // unstaged
  write(agent.path, 'untracked.ts', 'new file\n'); // untracked
  write(agent.path, 'staged.ts', 'staged\n');
  git(agent.path, 'add', 'staged.ts');
  return { repo, service, agent };
}

async function discard(service: Awaited<ReturnType<typeof agentWithWork>>['service'], worktree: string, force = false) {
  const options = { deleteBranch: true, force };
  const plan = await planRemoval(service, [{ path: worktree }], options);
  return { plan, outcomes: await executeRemoval(service, plan, options) };
}

describe('the core loop: keep, then discard', () => {
  test('Keep All, then Discard: removed without confirmation, worktree and branch gone, the kept work stays', async () => {
    const { repo, service, agent } = await agentWithWork();
    await keep(service, agent.path);
    const { plan, outcomes } = await discard(service, agent.path);
    assert.equal(plan.losesWork, false);
    assert.deepEqual(
      outcomes.map(({ removed, branchDeleted, error }) => ({ removed, branchDeleted, error })),
      [{ removed: true, branchDeleted: true, error: undefined }],
    );
    assert.equal(existsSync(agent.path), false);
    assert.equal(git(repo, 'branch', '--list', agent.branch).trim(), '');
    for (const file of ['committed.ts', 'untracked.ts', 'staged.ts']) assert.ok(existsSync(path.join(repo, file)), file);
    assert.equal(readFileSync(path.join(repo, 'cart.ts'), 'utf8'), 'export const total = 2;\n');
  });

  test('Keep All, then the agent writes more before the removal runs: refused, the new work stays', async () => {
    const { service, agent } = await agentWithWork();
    await keep(service, agent.path);
    const options = { deleteBranch: true };
    const plan = await planRemoval(service, [{ path: agent.path }], options);
    assert.equal(plan.losesWork, false);
    write(agent.path, 'late.ts', 'written after the plan\n');
    const [outcome] = await executeRemoval(service, plan, options);
    assert.equal(outcome?.removed, false);
    assert.match(outcome?.error ?? '', /changed since everything was kept/);
    assert.equal(readFileSync(path.join(agent.path, 'late.ts'), 'utf8'), 'written after the plan\n');
  });

  test('a partial keep, then a confirmed discard: removed with its branch', async () => {
    const { repo, service, agent } = await agentWithWork();
    await keep(service, agent.path, { files: ['cart.ts'] });
    const refused = await planRemoval(service, [{ path: agent.path }], { deleteBranch: true });
    assert.equal(refused.losesWork, true, 'what was not kept is at stake');
    const { outcomes } = await discard(service, agent.path, true);
    assert.equal(outcomes[0]?.removed, true, outcomes[0]?.error);
    assert.equal(outcomes[0]?.branchDeleted, true);
    assert.equal(existsSync(agent.path), false);
    assert.equal(git(repo, 'branch', '--list', agent.branch).trim(), '');
  });
});
