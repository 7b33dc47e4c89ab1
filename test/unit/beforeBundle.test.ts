import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { bundleFiles, fromBundle } from '../../src/agents/beforeBundle';
import { blobId } from '../../src/git';

describe('the before side’s bundle in a keep record', () => {
  const small = Buffer.from('small file\n');
  const large = randomBytes(300 * 1024);
  const link = Buffer.from('target/of/a/link');

  test('small files are bundled, each found again byte for byte; a large one is left to its own blob', () => {
    const bundle = bundleFiles([
      ['a.txt', small],
      ['big.bin', large],
      ['__proto__', link],
      ['constructor', Buffer.alloc(0)],
    ]);
    assert.deepEqual(Object.keys(bundle.slices).sort(), ['__proto__', 'a.txt', 'constructor']);
    const parsed = JSON.parse(JSON.stringify(bundle.slices));
    for (const [name, bytes] of [
      ['a.txt', small],
      ['__proto__', link],
      ['constructor', Buffer.alloc(0)],
    ] as const) {
      assert.deepEqual(fromBundle(bundle.bytes, parsed, name, blobId(bytes, 'sha1'), 'sha1'), bytes, name);
    }
    assert.equal(fromBundle(bundle.bytes, parsed, 'big.bin', blobId(large, 'sha1'), 'sha1'), undefined);
  });

  test('a slice that is not exactly the recorded blob is not trusted', () => {
    const bundle = bundleFiles([['a.txt', small]]);
    const id = blobId(small, 'sha1');
    assert.equal(fromBundle(bundle.bytes, bundle.slices, 'a.txt', blobId(Buffer.from('other'), 'sha1'), 'sha1'), undefined);
    assert.equal(fromBundle(Buffer.from('tampered!!!'), bundle.slices, 'a.txt', id, 'sha1'), undefined);
    for (const slices of [{ 'a.txt': [5, 100] }, { 'a.txt': [-1, 3] }, { 'a.txt': ['0', '3'] }, { 'a.txt': 'x' }, {}]) {
      assert.equal(fromBundle(bundle.bytes, slices as never, 'a.txt', id, 'sha1'), undefined, JSON.stringify(slices));
    }
    assert.equal(fromBundle(undefined, bundle.slices, 'a.txt', id, 'sha1'), undefined);
    assert.equal(fromBundle(bundle.bytes, {}, 'toString', id, 'sha1'), undefined, 'no inherited key is a slice');
  });
});
