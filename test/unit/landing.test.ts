import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createAgentWorktree, readAgentMetadata } from '../../src/agents';
import { silentLogger } from '../../src/git';
import { loadLanding } from '../../src/webview/landing';
import { commitFile, createRepo, recordingService } from './helpers/gitFixture';

describe('how the agent’s work lands, said before any click', () => {
  test('the panel is told when the agent worked on an older base (its base branch moved since)', async () => {
    const repo = createRepo('landing');
    commitFile(repo, 'a.txt', 'a\n');
    const { service } = recordingService();
    const agent = await createAgentWorktree(service, { repoPath: repo, name: 'agent', task: 'Do a thing' });
    const metadata = await readAgentMetadata(path.join(repo, '.git', 'worktrees', 'agent'));
    const target = { path: repo, staged: false, worktrees: [] };
    const fresh = await loadLanding(service, silentLogger, { path: agent.path, metadata }, target);
    assert.equal(fresh?.staleBase, undefined);
    commitFile(repo, 'b.txt', 'b\n');
    commitFile(repo, 'c.txt', 'c\n');
    const stale = await loadLanding(service, silentLogger, { path: agent.path, metadata }, target);
    assert.deepEqual(stale?.staleBase, { branch: 'main', commits: 2 });
  });
});
