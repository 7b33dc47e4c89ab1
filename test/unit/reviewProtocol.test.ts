import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectHunks, splitHunks, splitPatch } from '../../src/agents';
import { parsePageMessage, parsePageState, parseSelection } from '../../src/webview/protocol';

const CAPTURE = `${'a'.repeat(40)}:${'b'.repeat(40)}`;

describe('review panel protocol', () => {
  test('accepts exactly the declared messages', () => {
    assert.deepEqual(parsePageMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parsePageMessage({ type: 'keepAll', requestId: 3, capture: CAPTURE }), {
      type: 'keepAll',
      requestId: 3,
      capture: CAPTURE,
    });
    assert.deepEqual(
      parsePageMessage({
        type: 'keep',
        requestId: 1,
        capture: CAPTURE,
        files: ['a.txt', 'dir/b c.txt'],
        hunks: { 'a.txt': [0, 2] },
      }),
      {
        type: 'keep',
        requestId: 1,
        capture: CAPTURE,
        files: ['a.txt', 'dir/b c.txt'],
        hunks: { 'a.txt': [0, 2] },
      },
    );
    assert.deepEqual(parsePageMessage({ type: 'undoKeep', requestId: 5 }), { type: 'undoKeep', requestId: 5 });
    const commitAll = { type: 'keepAll', requestId: 6, capture: CAPTURE, commitMessage: 'Add coupons\n\n- one\n' };
    assert.deepEqual(parsePageMessage(commitAll), commitAll);
    const commitSome = { type: 'keep', requestId: 7, capture: CAPTURE, files: ['a.txt'], hunks: {}, commitMessage: 'Fix' };
    assert.deepEqual(parsePageMessage(commitSome), commitSome);
    const pick = { type: 'cherryPick', requestId: 8, capture: CAPTURE };
    assert.deepEqual(parsePageMessage(pick), pick);
    const viewed = { type: 'setViewed', path: 'src/cart.ts', viewKey: '0123456789abcdef', viewed: true };
    assert.deepEqual(parsePageMessage(viewed), viewed);
    assert.deepEqual(parsePageMessage({ type: 'setLayout', layout: 'line-by-line' }), {
      type: 'setLayout',
      layout: 'line-by-line',
    });
  });

  test('rejects unknown, malformed and hostile messages', () => {
    const rejected = [
      null,
      'ready',
      [],
      { type: 'eval', code: 'alert(1)' },
      { type: 'ready', extra: true },
      { type: 'keepAll', capture: CAPTURE },
      { type: 'keepAll', requestId: 1 },
      { type: 'keepAll', requestId: 1, capture: 'HEAD:HEAD' },
      { type: 'keep', requestId: 1, files: [], hunks: {} },
      { type: 'keepAll', requestId: -1, capture: CAPTURE },
      { type: 'keepAll', requestId: '1', capture: CAPTURE },
      { type: 'keep', requestId: 1, capture: CAPTURE, files: ['../../etc/passwd'], hunks: {} },
      { type: 'keep', requestId: 1, capture: CAPTURE, files: ['/etc/passwd'], hunks: {} },
      { type: 'keep', requestId: 1, capture: CAPTURE, files: ['a\0b'], hunks: {} },
      { type: 'keep', requestId: 1, capture: CAPTURE, files: 'a.txt', hunks: {} },
      { type: 'keep', requestId: 1, capture: CAPTURE, files: ['a.txt'], hunks: { 'a.txt': [1.5] } },
      { type: 'keep', requestId: 1, capture: CAPTURE, files: ['a.txt'], hunks: { '../x': [0] } },
      { type: 'discard', requestId: 1, worktreePath: '/somewhere/else' },
      { type: 'openDiff', path: '../outside' },
      { type: 'setLayout', layout: 'sideways' },
      { type: 'chooseTarget', target: '/elsewhere' },
      { type: '__proto__' },
      // The page never names the keep to undo, nor forces one: the host uses its own newest record.
      { type: 'undoKeep' },
      { type: 'undoKeep', requestId: '1' },
      { type: 'undoKeep', requestId: 1, id: 'refs/agent-worktrees/keeps/main/000000000000001-1' },
      { type: 'undoKeep', requestId: 1, force: true },
      { type: 'setViewed', path: '../x', viewKey: '0123456789abcdef', viewed: true },
      { type: 'setViewed', path: 'a.ts', viewKey: 'not-a-hash', viewed: true },
      { type: 'setViewed', path: 'a.ts', viewKey: '0123456789abcdef', viewed: 'yes' },
      { type: 'setViewed', path: 'a.ts', viewKey: '0123456789abcdef', viewed: true, worktreePath: '/elsewhere' },
      // A commit message has words (git refuses an empty one), no NUL, a bounded length.
      { type: 'keepAll', requestId: 1, capture: CAPTURE, commitMessage: '   \n' },
      { type: 'keepAll', requestId: 1, capture: CAPTURE, commitMessage: 'a\0b' },
      { type: 'keepAll', requestId: 1, capture: CAPTURE, commitMessage: 'x'.repeat(20_001) },
      { type: 'keepAll', requestId: 1, capture: CAPTURE, commitMessage: 42 },
      { type: 'keep', requestId: 1, capture: CAPTURE, files: [], hunks: {}, commitMessage: '' },
      // Cherry-pick names the capture seen, nothing else: not which commits, not where.
      { type: 'cherryPick', requestId: 1 },
      { type: 'cherryPick', requestId: 1, capture: CAPTURE, target: '/elsewhere' },
      { type: 'cherryPick', requestId: 1, capture: CAPTURE, commits: ['HEAD'] },
    ];
    for (const message of rejected) assert.equal(parsePageMessage(message), undefined, JSON.stringify(message));
  });

  test('restored page state is validated too', () => {
    assert.equal(parsePageState({ worktreePath: 'relative' }), undefined);
    assert.equal(parsePageState({ worktreePath: 'C:relative' }), undefined);
    assert.equal(parsePageState({ worktreePath: '/w\0' }), undefined);
    assert.deepEqual(parsePageState({ worktreePath: 'C:\\work\\fix-tax' }), { worktreePath: 'C:\\work\\fix-tax', scrollY: 0 });
    assert.equal(parsePageState(undefined), undefined);
    assert.deepEqual(parsePageState({ worktreePath: '/w', unchecked: ['a'], scrollY: 10 }), { worktreePath: '/w', scrollY: 10 });
  });

  test('a selection names relative paths and hunk keys, nothing else', () => {
    const selection = {
      unchecked: ['a.txt', '__proto__'],
      uncheckedHunks: { 'long.txt': ['0123456789abcdef', '0123456789abcdef-1'] },
    };
    assert.deepEqual(parsePageMessage({ type: 'selection', selection }), { type: 'selection', selection });
    // From JSON, `__proto__` arrives as an own key and must stay one (no prototype change).
    const withProto = parseSelection(JSON.parse('{"unchecked":[],"uncheckedHunks":{"__proto__":["0123456789abcdef"]}}'));
    assert.deepEqual(Object.keys(withProto?.uncheckedHunks ?? {}), ['__proto__']);
    assert.equal(Object.getPrototypeOf(withProto?.uncheckedHunks), Object.prototype);

    const rejected = [
      undefined,
      { unchecked: ['../x'], uncheckedHunks: {} },
      { unchecked: ['a'], uncheckedHunks: { a: ['not hex!'] } },
      { unchecked: ['a'], uncheckedHunks: { a: [0] } },
      { unchecked: ['a'], uncheckedHunks: { a: { version: '0123456789abcdef', hunks: [0] } } },
      { unchecked: ['a'], uncheckedHunks: { '../a': ['0123456789abcdef'] } },
      { unchecked: ['a'], uncheckedHunks: {}, worktreePath: '/elsewhere' },
    ];
    for (const value of rejected) assert.equal(parseSelection(value), undefined, JSON.stringify(value));
    assert.equal(parsePageMessage({ type: 'selection', selection: { unchecked: [], uncheckedHunks: {} }, extra: 1 }), undefined);
  });

  test('a keep names its hunk choices as own keys: a file called __proto__ keeps only its chosen hunks', () => {
    const parsed = parsePageMessage(
      JSON.parse(`{"type":"keep","requestId":1,"capture":"${CAPTURE}","files":["__proto__"],"hunks":{"__proto__":[1]}}`),
    );
    assert.ok(parsed?.type === 'keep');
    assert.ok(Object.hasOwn(parsed.hunks, '__proto__'));
    assert.deepEqual(Object.getOwnPropertyDescriptor(parsed.hunks, '__proto__')?.value, [1]);
  });
});

describe('patch sections and hunks', () => {
  const patch = Buffer.from(
    [
      'diff --git a/one.txt b/one.txt',
      'index 1111111..2222222 100644',
      '--- a/one.txt',
      '+++ b/one.txt',
      '@@ -1,3 +1,3 @@',
      ' a',
      '-b',
      '+B',
      ' c',
      '@@ -10,3 +10,3 @@',
      ' x',
      '-y',
      '+Y',
      ' z',
      'diff --git a/two.txt b/two.txt',
      'new file mode 100644',
      'index 0000000..3333333',
      '--- /dev/null',
      '+++ b/two.txt',
      '@@ -0,0 +1 @@',
      '+new',
      '',
    ].join('\n'),
  );

  test('splits a patch into per-file sections, bytes intact', () => {
    const sections = splitPatch(patch);
    assert.equal(sections.length, 2);
    assert.equal(Buffer.concat(sections).equals(patch), true);
    assert.match(sections[1]?.toString() ?? '', /^diff --git a\/two.txt/);
  });

  test('keeps only the chosen hunks of a file, and refuses hunks that do not exist', () => {
    const [first] = splitPatch(patch);
    assert.ok(first);
    assert.equal(splitHunks(first).hunks.length, 2);
    const second = selectHunks(first, [1], 'one.txt').toString();
    assert.match(second, /@@ -10,3 \+10,3 @@/);
    assert.doesNotMatch(second, /@@ -1,3/);
    assert.match(second, /^diff --git a\/one.txt b\/one.txt\nindex/);
    assert.equal(selectHunks(first, [], 'one.txt').length, 0);
    assert.throws(() => selectHunks(first, [2], 'one.txt'), /no hunk 2/);
  });
});
