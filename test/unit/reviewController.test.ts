import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type AgentChanges, type KeepResult, WorktreeOperationError } from '../../src/agents';
import type { HostMessage, ReviewData, ReviewFile } from '../../src/webview/protocol';
import { describeKept, ReviewController, type ReviewControllerDeps } from '../../src/webview/reviewController';

const WORKTREE = '/work/shop.worktrees/fix-cart';

function capture(tree: string): { changes: AgentChanges; review: ReviewData } {
  const from = 'a'.repeat(40);
  const changes = {
    worktreePath: WORKTREE,
    baseCommit: from,
    from,
    tree,
    patch: Buffer.alloc(0),
    files: [],
    totals: { files: 2, additions: 3, deletions: 1 },
  } as AgentChanges;
  const file = (path: string, hunkCount: number) => ({ path, hunkCount }) as ReviewFile;
  const review = {
    worktreePath: WORKTREE,
    title: `Review ${tree.slice(0, 4)}`,
    capture: `${from}:${tree}`,
    files: [file('src/cart.ts', 2), file('README.md', 1)],
  } as unknown as ReviewData;
  return { changes, review };
}

/** A promise the test settles by hand, to hold an operation (a dialog, a capture) open. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

const KEPT: KeepResult = {
  target: '/work/shop',
  keptFiles: ['src/cart.ts', 'README.md'],
  conflicts: [],
  merged: [],
  skipped: [],
  undoId: 'refs/agent-worktrees/keeps/main/000000000000001-1',
  commit: undefined,
  keptUpTo: 'c'.repeat(40),
};

function harness(overrides: Partial<ReviewControllerDeps> = {}) {
  const posted: HostMessage[] = [];
  const logged: string[] = [];
  const shown: ReviewData[] = [];
  let closed = 0;
  const deps: ReviewControllerDeps = {
    logger: { trace() {}, info() {}, warn: (line) => logged.push(line), error: (line) => logged.push(String(line)) },
    worktreePath: WORKTREE,
    post: (message) => posted.push(message),
    load: async () => capture('b'.repeat(40)),
    show: (review) => shown.push(review),
    keep: async () => KEPT,
    confirm: async () => false,
    discard: async () => false,
    undoLastKeep: async () =>
      'Undid the last keep: 2 files back as they were in /work/shop; the agent’s changes are back to review.',
    cherryPick: async () => 'Picked 2 commits onto main in /work/shop.',
    afterKeep: async () => {},
    other: async () => {},
    close: () => {
      closed++;
    },
    gone: () => undefined,
    ...overrides,
  };
  const controller = new ReviewController(deps);
  const results = () => posted.filter((message) => message.type === 'result');
  return { controller, posted, logged, shown, results, closed: () => closed };
}

async function ready(controller: ReviewController): Promise<string> {
  await controller.onMessage({ type: 'ready' });
  return controller.lastReview?.capture ?? '';
}

describe('review controller', () => {
  test('a discard git refuses gets one reply, the error, and is not overwritten by "Nothing was discarded"', async () => {
    const { controller, results, closed } = harness({
      discard: async () => {
        throw new WorktreeOperationError('failed', 'git refused: contains modified or untracked files');
      },
    });
    await ready(controller);
    await controller.onMessage({ type: 'discard', requestId: 7 });
    assert.deepEqual(results(), [
      { type: 'result', requestId: 7, ok: false, message: 'git refused: contains modified or untracked files' },
    ]);
    assert.equal(closed(), 0);
  });

  test('a discard the user cancelled says so once; a discard that removed closes the panel', async () => {
    const cancelled = harness();
    await cancelled.controller.onMessage({ type: 'discard', requestId: 1 });
    assert.deepEqual(cancelled.results(), [{ type: 'result', requestId: 1, ok: true, message: 'Nothing was discarded.' }]);
    const removed = harness({ discard: async () => true });
    await removed.controller.onMessage({ type: 'discard', requestId: 2 });
    assert.equal(removed.closed(), 1);
  });

  test('a keep asks each consent once, in turn (files to leave out, then conflict markers), and never loops', async () => {
    const asked: string[] = [];
    const calls: unknown[] = [];
    const { controller, results } = harness({
      keep: async (_selection, _reviewed, consents) => {
        calls.push(consents);
        if (!consents.skipUnmergeable)
          throw new WorktreeOperationError('needs-confirmation', 'image.bin is binary', {
            consent: { kind: 'unmergeable', files: [{ path: 'image.bin', reason: 'it is a binary file' }] },
          });
        if (!consents.allowConflicts)
          throw new WorktreeOperationError('needs-confirmation', 'notes.txt overlaps', {
            consent: { kind: 'conflicts', files: [{ path: 'notes.txt', lines: [[3, 7]] }] },
          });
        return KEPT;
      },
      confirm: async (consent) => {
        asked.push(consent.kind);
        return true;
      },
    });
    const shown = await ready(controller);
    await controller.onMessage({ type: 'keepAll', requestId: 1, capture: shown });
    assert.deepEqual(asked, ['unmergeable', 'conflicts']);
    assert.deepEqual(calls, [
      { allowConflicts: false, skipUnmergeable: false },
      { allowConflicts: false, skipUnmergeable: true },
      { allowConflicts: true, skipUnmergeable: true },
    ]);
    assert.equal(results()[0]?.type === 'result' && results()[0]?.ok, true);

    const stubborn = harness({
      keep: async () => {
        throw new WorktreeOperationError('needs-confirmation', 'still conflicts', { consent: { kind: 'conflicts', files: [] } });
      },
      confirm: async () => true,
    });
    const again = await ready(stubborn.controller);
    await stubborn.controller.onMessage({ type: 'keepAll', requestId: 2, capture: again });
    const [reply] = stubborn.results();
    assert.ok(reply?.type === 'result' && !reply.ok && /still conflicts/.test(reply.message), JSON.stringify(reply));

    const declined = harness({
      keep: async () => {
        throw new WorktreeOperationError('needs-confirmation', 'x', { consent: { kind: 'unmergeable', files: [] } });
      },
    });
    const third = await ready(declined.controller);
    await declined.controller.onMessage({ type: 'keepAll', requestId: 3, capture: third });
    assert.deepEqual(declined.results(), [{ type: 'result', requestId: 3, ok: true, message: 'Nothing was kept.' }]);
  });

  test('while the conflict dialog is open a second Keep is refused at once: no second dialog', async () => {
    const dialog = deferred<boolean>();
    let dialogs = 0;
    const { controller, results } = harness({
      keep: async (_selection, _reviewed, { allowConflicts }) => {
        if (!allowConflicts) throw new WorktreeOperationError('needs-confirmation', 'src/cart.ts conflicts');
        return KEPT;
      },
      confirm: () => {
        dialogs++;
        return dialog.promise;
      },
    });
    const shown = await ready(controller);
    const first = controller.onMessage({ type: 'keepAll', requestId: 1, capture: shown });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(dialogs, 1);
    await controller.onMessage({ type: 'keepAll', requestId: 2, capture: shown });
    assert.equal(dialogs, 1, 'no second dialog');
    assert.deepEqual(results(), [
      { type: 'result', requestId: 2, ok: false, message: 'Nothing was done: a keep is still running.' },
    ]);
    dialog.resolve(false);
    await first;
    assert.deepEqual(
      results().map((message) => message.type === 'result' && message.requestId),
      [2, 1],
      'each request got exactly one reply',
    );
  });

  test('Undo Last Keep: one reply with what was undone, then a fresh capture (the work is back to review)', async () => {
    let loads = 0;
    const { controller, results, shown } = harness({
      load: async () => {
        loads++;
        return capture(String(loads).repeat(40));
      },
    });
    await ready(controller);
    await controller.onMessage({ type: 'undoKeep', requestId: 4 });
    assert.deepEqual(results(), [
      {
        type: 'result',
        requestId: 4,
        ok: true,
        message: 'Undid the last keep: 2 files back as they were in /work/shop; the agent’s changes are back to review.',
      },
    ]);
    assert.equal(shown.length, 2, 'refreshed after the undo');
  });

  test('Keep and Commit: the page’s message reaches the keep; without one, a plain keep', async () => {
    const messages: Array<string | undefined> = [];
    const { controller, results } = harness({
      keep: async (_selection, _reviewed, _consents, commitMessage) => {
        messages.push(commitMessage);
        return { ...KEPT, commit: commitMessage ? 'd'.repeat(40) : undefined, undoId: undefined };
      },
    });
    const shown = await ready(controller);
    await controller.onMessage({ type: 'keepAll', requestId: 1, capture: shown, commitMessage: 'Add coupons\n\n- step one\n' });
    await controller.onMessage({ type: 'keep', requestId: 2, capture: shown, files: ['README.md'], hunks: {} });
    assert.deepEqual(messages, ['Add coupons\n\n- step one\n', undefined]);
    assert.deepEqual(
      results().map((reply) => reply.type === 'result' && reply.ok),
      [true, true],
    );
  });

  test('Cherry-pick: one reply with what was picked, then a fresh capture; from an outdated capture, nothing is picked', async () => {
    let picks = 0;
    let loads = 0;
    const { controller, results, shown } = harness({
      load: async () => {
        loads++;
        return capture(String(loads).repeat(40));
      },
      cherryPick: async () => {
        picks++;
        return 'Picked 2 commits onto main in /work/shop.';
      },
    });
    const first = await ready(controller);
    await controller.onMessage({ type: 'cherryPick', requestId: 1, capture: first });
    assert.deepEqual(results(), [
      { type: 'result', requestId: 1, ok: true, message: 'Picked 2 commits onto main in /work/shop.' },
    ]);
    assert.equal(shown.length, 2, 'refreshed after the pick');
    await controller.onMessage({ type: 'cherryPick', requestId: 2, capture: first });
    const outdated = results()[1];
    assert.ok(
      outdated?.type === 'result' && !outdated.ok && /Nothing was picked/.test(outdated.message),
      JSON.stringify(outdated),
    );
    assert.equal(picks, 1);
  });

  test('an undo that refuses gets one reply with the reason; a second one while it runs is refused at once', async () => {
    const held = deferred<string>();
    let undos = 0;
    const { controller, results } = harness({
      undoLastKeep: () => {
        undos++;
        return held.promise;
      },
    });
    const shown = await ready(controller);
    const first = controller.onMessage({ type: 'undoKeep', requestId: 1 });
    await controller.onMessage({ type: 'undoKeep', requestId: 2 });
    await controller.onMessage({ type: 'keepAll', requestId: 3, capture: shown });
    assert.equal(undos, 1);
    held.reject(new WorktreeOperationError('blocked', 'You changed src/cart.ts since the keep: nothing was undone.'));
    await first;
    assert.deepEqual(results(), [
      { type: 'result', requestId: 2, ok: false, message: 'Nothing was done: an undo is still running.' },
      { type: 'result', requestId: 3, ok: false, message: 'Nothing was done: an undo is still running.' },
      { type: 'result', requestId: 1, ok: false, message: 'You changed src/cart.ts since the keep: nothing was undone.' },
    ]);
  });

  test('overlapping refreshes: a slower, older capture is never shown over a newer one', async () => {
    const older = deferred<ReturnType<typeof capture>>();
    const newer = deferred<ReturnType<typeof capture>>();
    const loads = [older.promise, newer.promise];
    const { controller, shown } = harness({ load: () => loads.shift() ?? Promise.reject(new Error('unexpected load')) });
    const first = controller.onMessage({ type: 'ready' });
    const second = controller.refresh();
    newer.resolve(capture('d'.repeat(40)));
    await second;
    older.resolve(capture('e'.repeat(40)));
    await first;
    assert.deepEqual(
      shown.map((review) => review.capture.split(':')[1]),
      ['d'.repeat(40)],
    );
    assert.equal(controller.changes?.tree, 'd'.repeat(40), 'a keep uses the capture on screen');
  });

  test('a failure after the keep (the after-keep step) is logged, and the keep gets exactly one reply', async () => {
    const { controller, results, logged } = harness({
      afterKeep: async () => {
        throw new Error('the after-keep question could not be shown');
      },
    });
    const shown = await ready(controller);
    await controller.onMessage({ type: 'keep', requestId: 3, capture: shown, files: ['src/cart.ts'], hunks: {} });
    assert.equal(results().length, 1);
    assert.equal(results()[0]?.type === 'result' && results()[0]?.ok, true);
    assert.ok(logged.some((line) => line.includes('the after-keep question could not be shown')));
  });

  test('a failing message without a reply (open a diff) is logged, not an unhandled rejection', async () => {
    const { controller, logged } = harness({
      other: async () => {
        throw new Error('no editor');
      },
    });
    await controller.onMessage({ type: 'openDiff', path: 'src/cart.ts' });
    assert.ok(logged.some((line) => line.includes('openDiff failed: no editor')));
  });

  test('a keep that fails replies once with the error and where the agent work is', async () => {
    const { controller, results } = harness({
      keep: async () => {
        throw new WorktreeOperationError('blocked', 'uncommitted changes on src/cart.ts');
      },
    });
    const shown = await ready(controller);
    await controller.onMessage({ type: 'keepAll', requestId: 4, capture: shown });
    assert.equal(results().length, 1);
    const [reply] = results();
    assert.ok(reply?.type === 'result' && !reply.ok && reply.message.includes(`unchanged at ${WORKTREE}`));
  });
});

describe('what a keep says it kept', () => {
  const review = {
    files: [{ path: 'src/cart.ts', hunkCount: 2 } as ReviewFile, { path: 'README.md', hunkCount: 1 } as ReviewFile],
  };

  test('a partial keep names the hunks, not "2 files"', () => {
    assert.equal(
      describeKept(KEPT, { files: ['src/cart.ts', 'README.md'], hunks: { 'src/cart.ts': [0] } }, review),
      'Kept 1 file and 1 of 2 hunks of src/cart.ts into /work/shop.',
    );
  });

  test('whole files are counted; every hunk chosen is the whole file', () => {
    assert.equal(describeKept(KEPT, {}, review), 'Kept 2 files into /work/shop.');
    assert.equal(describeKept(KEPT, { hunks: { 'src/cart.ts': [0, 1] } }, review), 'Kept 2 files into /work/shop.');
    assert.equal(
      describeKept(
        { ...KEPT, keptFiles: ['src/cart.ts'], conflicts: ['src/cart.ts'] },
        { hunks: { 'src/cart.ts': [1] } },
        review,
      ),
      'Kept 1 of 2 hunks of src/cart.ts into /work/shop (1 with conflicts).',
    );
    assert.equal(describeKept({ ...KEPT, keptFiles: [] }, {}, review), 'Nothing to keep: everything was kept already.');
  });
});
