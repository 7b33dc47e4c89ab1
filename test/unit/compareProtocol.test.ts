import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCompareMessage, parseCompareState } from '../../src/webview/compareProtocol';

describe('Compare Attempts: what the page may send, and the state it may restore', () => {
  test('the messages the page sends are accepted as they are', () => {
    for (const message of [
      { type: 'ready' },
      { type: 'runChecks' },
      { type: 'stopChecks' },
      { type: 'openSettings' },
      { type: 'review', attempt: 0, name: 'search-1' },
      { type: 'showOutput', attempt: 7, name: 'search-8' },
      { type: 'discardOthers', attempt: 2, name: 'search-3' },
      { type: 'openChange', attempt: 1, path: 'src/search.ts' },
      { type: 'diffAttempts', left: 0, right: 2, path: 'a b/ü "q".ts' },
    ]) {
      assert.deepEqual(parseCompareMessage(message), message);
    }
  });

  test('anything else is refused: unknown types, extra fields, bad positions, paths out of the worktree', () => {
    for (const message of [
      null,
      'ready',
      [],
      { type: 'keepAll' },
      { type: 'ready', extra: 1 },
      { type: 'review' },
      { type: 'review', attempt: 0 },
      { type: 'discardOthers', attempt: 0, name: '' },
      { type: 'review', attempt: -1, name: 'a' },
      { type: 'review', attempt: 1.5, name: 'a' },
      { type: 'review', attempt: '0', name: 'a' },
      { type: 'review', attempt: 64, name: 'a' },
      { type: 'openChange', attempt: 0, path: '../outside' },
      { type: 'openChange', attempt: 0, path: '/etc/passwd' },
      { type: 'openChange', attempt: 0, path: 'a//b' },
      { type: 'openChange', attempt: 0, path: 'a/./b' },
      { type: 'openChange', attempt: 0, path: 'a\0b' },
      { type: 'openChange', attempt: 0, path: 'x'.repeat(5000) },
      { type: 'diffAttempts', left: 0, path: 'a' },
      { type: '__proto__', attempt: 0 },
    ]) {
      assert.equal(parseCompareMessage(message), undefined, JSON.stringify(message));
    }
  });

  test('a restored panel names a group id and an absolute common dir, nothing more', () => {
    assert.deepEqual(parseCompareState({ group: '0123456789abcdef', commonDir: '/repo/.git' }), {
      group: '0123456789abcdef',
      commonDir: '/repo/.git',
    });
    for (const state of [
      undefined,
      {},
      { group: '0123456789abcdef' },
      { group: 'not-hex!', commonDir: '/repo/.git' },
      { group: '0123456789abcdef', commonDir: 'relative/.git' },
      { group: '0123456789abcdef', commonDir: '/repo/.git', extra: true },
    ]) {
      assert.equal(parseCompareState(state), undefined, JSON.stringify(state));
    }
  });
});
