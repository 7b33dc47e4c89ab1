import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAgentWorktree, getAgentChanges, keep } from '../../src/agents';
import { PageSelection } from '../../src/webview/app/selection';
import { buildReviewData } from '../../src/webview/reviewData';
import { commitFile, createRepo, recordingService, write } from './helpers/gitFixture';

const ABOUT = { title: 't', task: undefined, branch: undefined, base: 'b', target: 't' };

/** An agent that edited lines 2 and 28 of a 30-line file (two hunks) and added `notes.md`. */
async function twoHunkReview() {
  const repo = createRepo('selection');
  const long = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
  commitFile(repo, 'long.txt', `${long.join('\n')}\n`);
  const { service } = recordingService();
  const agent = await createAgentWorktree(service, { repoPath: repo, name: 'agent' });
  const edited = [...long];
  [edited[1], edited[27]] = ['line 2 — wanted', 'line 28 — rejected'];
  write(agent.path, 'long.txt', `${edited.join('\n')}\n`);
  write(agent.path, 'notes.md', '# notes\n');
  const review = async () => {
    const changes = await getAgentChanges(service, agent.path);
    return { changes, data: buildReviewData(changes, ABOUT, 1000) };
  };
  return { repo, service, agent, review };
}

describe('review selection (the page’s ticks)', () => {
  test('a hunk unticked before a partial keep stays unticked in the next capture: one more click keeps nothing of it', async () => {
    const { service, agent, review } = await twoHunkReview();
    const first = await review();
    const long = first.data.files.find((file) => file.path === 'long.txt');
    assert.ok(long);
    assert.equal(long.hunkKeys.length, 2);

    const choices = new PageSelection();
    choices.setHunkChecked(long, 1, false); // the user rejects hunk 2
    const request = choices.keepRequest(first.data.files);
    assert.deepEqual(request, { files: ['long.txt', 'notes.md'], hunks: { 'long.txt': [0] } });
    await keep(service, agent.path, { ...request, reviewed: first.changes });

    // Re-capture (and a reload: the page adopts what the host remembered).
    const second = await review();
    const leftover = second.data.files.find((file) => file.path === 'long.txt');
    assert.ok(leftover);
    assert.equal(leftover.hunkKeys.length, 1, 'only the rejected hunk is left');
    assert.equal(leftover.hunkKeys[0], long.hunkKeys[1], 'the same change keeps its key though its @@ numbers moved');
    const reloaded = new PageSelection();
    reloaded.adopt(JSON.parse(JSON.stringify(choices.toSelection())));
    for (const page of [choices, reloaded]) {
      assert.equal(page.fileChecked(leftover), false, 'shown unticked');
      assert.deepEqual(page.keepRequest(second.data.files), { files: [], hunks: {} }, 'Keep Selected keeps nothing');
    }

    // Until the user ticks it.
    choices.setFileChecked(leftover, true);
    assert.deepEqual(choices.keepRequest(second.data.files), { files: ['long.txt'], hunks: {} });
  });

  test('an unticked file stays unticked through new captures; ticking a file takes all its hunks', async () => {
    const { agent, review } = await twoHunkReview();
    const first = await review();
    const choices = new PageSelection();
    const notes = first.data.files.find((file) => file.path === 'notes.md');
    const long = first.data.files.find((file) => file.path === 'long.txt');
    assert.ok(notes && long);
    choices.setFileChecked(notes, false);
    choices.setHunkChecked(long, 0, false);
    choices.setHunkChecked(long, 1, false);
    assert.equal(choices.fileChecked(long), false, 'every hunk out: the file shows unticked');

    write(agent.path, 'late.txt', 'late\n');
    const second = await review();
    assert.deepEqual(choices.keepRequest(second.data.files), { files: ['late.txt'], hunks: {} });
    const longAgain = second.data.files.find((file) => file.path === 'long.txt');
    assert.ok(longAgain);
    choices.setFileChecked(longAgain, true);
    assert.deepEqual(choices.keepRequest(second.data.files), { files: ['late.txt', 'long.txt'], hunks: {} });
  });

  test('a file’s view key stays with its diff and changes when the agent changes the file again', async () => {
    const { agent, review } = await twoHunkReview();
    const first = await review();
    const again = await review();
    const key = (data: typeof first.data, path: string) => data.files.find((file) => file.path === path)?.viewKey;
    assert.match(key(first.data, 'long.txt') ?? '', /^[0-9a-f]{16}$/);
    assert.equal(key(again.data, 'long.txt'), key(first.data, 'long.txt'), 'same diff, same key');
    write(agent.path, 'notes.md', '# notes, revised\n');
    const third = await review();
    assert.notEqual(key(third.data, 'notes.md'), key(first.data, 'notes.md'), 'changed again: a new key');
    assert.equal(key(third.data, 'long.txt'), key(first.data, 'long.txt'), 'the untouched file keeps its mark');
  });

  test('a file named __proto__ keeps its hunk choice in the request (an own key, sent like any other)', () => {
    const file = { path: '__proto__', hunkKeys: ['first', 'second'] } as unknown as Parameters<PageSelection['fileChecked']>[0];
    const choices = new PageSelection();
    choices.setHunkChecked(file, 1, false);
    const request = JSON.parse(JSON.stringify(choices.keepRequest([file])));
    assert.deepEqual(request.files, ['__proto__']);
    assert.ok(Object.hasOwn(request.hunks, '__proto__'));
    assert.deepEqual(Object.getOwnPropertyDescriptor(request.hunks, '__proto__')?.value, [0]);
  });
});
