import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PageSelection } from '../../src/webview/app/selection';
import { countsText, keepButtonText, planKeep, totalsText } from '../../src/webview/app/summary';
import type { ReviewFile } from '../../src/webview/protocol';
import { linesOfHunk } from '../../src/webview/reviewData';

function file(path: string, hunks: [number, number][], extra: Partial<ReviewFile> = {}): ReviewFile {
  return {
    path,
    oldPath: undefined,
    status: 'modified',
    additions: hunks.reduce((sum, [added]) => sum + added, 0),
    deletions: hunks.reduce((sum, [, removed]) => sum + removed, 0),
    binary: false,
    collapsed: false,
    diff: '',
    hunkCount: hunks.length,
    hunkKeys: hunks.map((_hunk, index) => `${String(index).padStart(16, '0')}`),
    viewKey: '0123456789abcdef',
    hunkLines: hunks.map(([additions, deletions]) => ({ additions, deletions })),
    ...extra,
  };
}

const CART = file('src/cart.ts', [
  [3, 1],
  [2, 0],
  [1, 1],
]);
const TAX = file('src/tax.ts', [
  [4, 2],
  [1, 0],
]);
const NOTES = file('notes.md', [[5, 0]]);
const LOGO = file('logo.png', [], { binary: true, additions: 0, deletions: 0 });
const FILES = [CART, TAX, NOTES, LOGO];

describe('review summary (what the ticks keep, in words)', () => {
  test('everything ticked: the button names every file and hunk, the totals are the whole review', () => {
    const plan = planKeep(new PageSelection(), FILES);
    assert.equal(keepButtonText(plan), 'Keep 4 files · 6 of 6 hunks');
    assert.equal(totalsText(plan), '4 files · +16 −4');
    assert.equal(countsText(new PageSelection(), CART), '+6 −2');
    assert.equal(countsText(new PageSelection(), LOGO), 'binary');
  });

  test('a file with some hunks out is "some" (mixed); its counts, the totals and the button follow', () => {
    const choices = new PageSelection();
    choices.setHunkChecked(CART, 0, false);
    assert.equal(choices.fileState(CART), 'some');
    assert.equal(countsText(choices, CART), '+3 −1 of +6 −2');
    choices.setFileChecked(NOTES, false);
    assert.equal(choices.fileState(NOTES), 'none');
    const plan = planKeep(choices, FILES);
    assert.equal(keepButtonText(plan), 'Keep 3 files · 4 of 6 hunks');
    assert.equal(keepButtonText(plan, true), 'Keep and Commit 3 files · 4 of 6 hunks');
    assert.equal(totalsText(plan), 'keeping 3 of 4 files · +8 −3 of +16 −4');
  });

  test('every hunk out is "none"; ticking one hunk of a file left out takes that hunk alone', () => {
    const choices = new PageSelection();
    for (const index of [0, 1]) choices.setHunkChecked(TAX, index, false);
    assert.equal(choices.fileState(TAX), 'none');
    assert.equal(countsText(choices, TAX), '+0 −0 of +5 −2');

    choices.setFileChecked(CART, false);
    assert.equal(choices.hunkChecked(CART, 1), false, 'a file left out shows all its hunks out');
    choices.setHunkChecked(CART, 1, true);
    assert.equal(choices.fileState(CART), 'some');
    assert.deepEqual(choices.keepRequest([CART]), { files: ['src/cart.ts'], hunks: { 'src/cart.ts': [1] } });
    choices.setFileChecked(CART, true);
    assert.equal(choices.fileState(CART), 'all', 'ticking the file takes all of it again');
  });

  test('the choices survive a reload (the host stores them) with the same tri-state', () => {
    const choices = new PageSelection();
    choices.setHunkChecked(CART, 2, false);
    const reloaded = new PageSelection();
    reloaded.adopt(JSON.parse(JSON.stringify(choices.toSelection())));
    assert.equal(reloaded.fileState(CART), 'some');
    assert.equal(keepButtonText(planKeep(reloaded, FILES)), 'Keep 4 files · 5 of 6 hunks');
  });

  test('nothing ticked, and one file with one hunk: the words stay grammatical', () => {
    const choices = new PageSelection();
    choices.setFileChecked(NOTES, false);
    assert.equal(keepButtonText(planKeep(choices, [NOTES])), 'Keep 0 files · 0 of 1 hunk');
    assert.equal(keepButtonText(planKeep(new PageSelection(), [NOTES])), 'Keep 1 file · 1 of 1 hunk');
  });

  test('a hunk’s lines: added and removed, its header and "no newline" markers counted as neither', () => {
    assert.deepEqual(linesOfHunk('@@ -1,2 +1,2 @@ fn\n a\n-b\n+B\n+c\n\\ No newline at end of file\n'), {
      additions: 2,
      deletions: 1,
    });
  });
});
