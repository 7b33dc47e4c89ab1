import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createAgentWorktree, executeRemoval, keep, planRemoval, WorktreeOperationError } from '../../src/agents';
import { commitFile, createRepo, recordingService, write } from './helpers/gitFixture';

/** Every mutation announces its repository once, and before the caller's promise settles. */
describe('one place announces every mutation (the view refreshes on it)', () => {
  function listening(service: ReturnType<typeof recordingService>['service']) {
    const notices: string[] = [];
    let settledBeforeNotice = false;
    let settled = false;
    service.onDidMutate(async (commonDir) => {
      await new Promise((resolve) => setImmediate(resolve)); // a listener that itself awaits (a refresh)
      if (settled) settledBeforeNotice = true;
      notices.push(commonDir);
    });
    const track = async <T>(operation: Promise<T>) => {
      try {
        return await operation;
      } finally {
        settled = true;
      }
    };
    return {
      notices,
      track,
      settledBeforeNotice: () => settledBeforeNotice,
      reset: () => {
        settled = false;
        notices.splice(0);
      },
    };
  }

  test('create, keep and a batch removal each announce their repository once, before they settle', async () => {
    const repo = createRepo('notices');
    commitFile(repo, 'a.txt', 'one\n');
    const { service } = recordingService();
    const commonDir = path.join(repo, '.git');
    const listener = listening(service);

    const first = await listener.track(createAgentWorktree(service, { repoPath: repo, name: 'first' }));
    assert.deepEqual(listener.notices, [commonDir]);
    listener.reset();
    const second = await createAgentWorktree(service, { repoPath: repo, name: 'second' });
    write(first.path, 'a.txt', 'two\n');
    listener.reset();

    await listener.track(keep(service, first.path));
    assert.deepEqual(listener.notices, [commonDir]);
    listener.reset();

    const plan = await planRemoval(service, [{ path: first.path }, { path: second.path }]);
    const outcomes = await listener.track(executeRemoval(service, plan));
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.path, outcome.removed]),
      [
        [first.path, true],
        [second.path, true],
      ],
      'outcomes in the order asked',
    );
    assert.deepEqual(listener.notices, [commonDir], 'one notice for the batch in one repository');
    assert.equal(listener.settledBeforeNotice(), false);
  });

  test('a refused mutation announces too (it may have had the repository in motion), and still rejects', async () => {
    const repo = createRepo('notices-refused');
    commitFile(repo, 'a.txt', 'one\n');
    const { service } = recordingService();
    const agent = await createAgentWorktree(service, { repoPath: repo, name: 'agent' });
    write(agent.path, 'a.txt', 'the agent\n');
    write(repo, 'a.txt', 'the user\n'); // the same file, uncommitted in the target: keep refuses
    const listener = listening(service);
    await assert.rejects(listener.track(keep(service, agent.path)), WorktreeOperationError);
    assert.deepEqual(listener.notices, [path.join(repo, '.git')]);
    assert.equal(listener.settledBeforeNotice(), false);
  });
});
