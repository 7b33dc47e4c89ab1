import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import type * as vscode from 'vscode';
import { EMPTY_SELECTION } from '../../src/webview/protocol';
import { ReviewMemory, reviewTitle } from '../../src/webview/reviewMemory';

/** Workspace state as VS Code keeps it: a JSON-serialisable map, updated at once. */
function memento(): vscode.Memento & { stored: Map<string, unknown> } {
  const stored = new Map<string, unknown>();
  return {
    stored,
    keys: () => [...stored.keys()],
    get: <T>(key: string, fallback?: T) => (stored.has(key) ? JSON.parse(JSON.stringify(stored.get(key))) : fallback),
    update: async (key: string, value: unknown) => {
      if (value === undefined) stored.delete(key);
      else stored.set(key, value);
    },
  } as vscode.Memento & { stored: Map<string, unknown> };
}

describe('review memory', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'agent-worktrees-memory-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const folder = (...parts: string[]) => {
    const made = path.join(root, ...parts);
    mkdirSync(made, { recursive: true });
    return made;
  };

  test('a selection is remembered per worktree and dropped with an empty one or a discard', async () => {
    const one = folder('shop.worktrees', 'one');
    const two = folder('shop.worktrees', 'two');
    const memory = new ReviewMemory(memento());
    const selection = { unchecked: ['a.txt'], uncheckedHunks: { 'b.txt': ['0123456789abcdef'] } };
    await memory.setSelection(one, selection);
    await memory.setSelection(two, { unchecked: ['c.txt'], uncheckedHunks: {} });
    assert.deepEqual(memory.selection(one), selection);
    await memory.setSelection(two, EMPTY_SELECTION);
    assert.deepEqual(memory.selection(two), EMPTY_SELECTION);
    await memory.forget(one);
    assert.deepEqual(memory.selection(one), EMPTY_SELECTION);
  });

  test('a viewed mark holds while the file’s diff is the one viewed: a new change by the agent clears it', async () => {
    const one = folder('viewed', 'one');
    const memory = new ReviewMemory(memento());
    const cart = { path: 'src/cart.ts', viewKey: '00000000000000aa' };
    const tax = { path: 'src/tax.ts', viewKey: '00000000000000bb' };
    await memory.setViewed(one, cart.path, cart.viewKey, true);
    await memory.setViewed(one, tax.path, tax.viewKey, true);
    assert.deepEqual(memory.viewed(one, [cart, tax]), { 'src/cart.ts': cart.viewKey, 'src/tax.ts': tax.viewKey });
    const changedAgain = { ...cart, viewKey: '00000000000000cc' };
    assert.deepEqual(memory.viewed(one, [changedAgain, tax]), { 'src/tax.ts': tax.viewKey }, 'the changed file is unviewed');
    await memory.setViewed(one, tax.path, tax.viewKey, false);
    assert.deepEqual(memory.viewed(one, [cart, tax]), { 'src/cart.ts': cart.viewKey });
    await memory.forget(one);
    assert.deepEqual(memory.viewed(one, [cart, tax]), {}, 'a discarded worktree keeps no marks');
  });

  test('what it reads back is validated like a message from the page', async () => {
    const one = folder('validated');
    const state = memento();
    state.stored.set('agentWorktrees.review.selections', { [one]: { unchecked: ['../../etc/passwd'], uncheckedHunks: {} } });
    assert.deepEqual(new ReviewMemory(state).selection(one), EMPTY_SELECTION);
    state.stored.set('agentWorktrees.review.viewed', { [one]: { '../outside': '00000000000000aa' } });
    assert.deepEqual(new ReviewMemory(state).viewed(one, [{ path: '../outside', viewKey: '00000000000000aa' }]), {});
  });

  test('a panel restored without state is matched by title among the open ones, only when unambiguous', async () => {
    const shop = folder('shop.worktrees', 'fix-tax');
    const other = folder('other.worktrees', 'fix-tax');
    const docs = folder('shop.worktrees', 'docs');
    const memory = new ReviewMemory(memento());
    await memory.opened(shop);
    await memory.opened(docs);
    assert.equal(memory.guess(reviewTitle(docs), new Set()), docs);
    assert.equal(memory.guess(reviewTitle(shop), new Set()), shop);
    assert.equal(memory.guess(reviewTitle(shop), new Set([shop])), undefined, 'already restored');
    assert.equal(memory.guess('Review: nothing', new Set()), undefined);

    await memory.opened(other); // same folder name in another repository: ambiguous
    assert.equal(memory.guess(reviewTitle(shop), new Set()), undefined);
    await memory.closed(other);
    assert.equal(memory.guess(reviewTitle(shop), new Set()), shop);

    rmSync(docs, { recursive: true });
    assert.equal(memory.guess(reviewTitle(docs), new Set()), undefined, 'a worktree removed meanwhile');
  });

  test('entries of worktrees that no longer exist are pruned on the next write', async () => {
    const gone = folder('gone');
    const state = memento();
    const memory = new ReviewMemory(state);
    await memory.setSelection(gone, { unchecked: ['x'], uncheckedHunks: {} });
    rmSync(gone, { recursive: true });
    await memory.setSelection(folder('here'), { unchecked: ['y'], uncheckedHunks: {} });
    assert.deepEqual(Object.keys(state.stored.get('agentWorktrees.review.selections') as object), [path.join(root, 'here')]);
  });
});
