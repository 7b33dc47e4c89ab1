import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateSlug, SLUG_PATTERN, slugify, slugProblem } from '../../src/agents';

describe('slugs', () => {
  test('accepts plain lower-case names', () => {
    for (const name of ['fix-tax', 'a', 'v1.2_beta', '0day', 'a'.repeat(64)]) assert.equal(slugProblem(name), undefined, name);
  });

  test('refuses hostile and malformed names with a reason', () => {
    const hostile = [
      '',
      'with space',
      'Upper',
      'ünïcode',
      "quote'd",
      'double"quote',
      '$(touch pwned)',
      '`id`',
      '-leading-dash',
      '.hidden',
      'a..b',
      '..',
      'ends.lock',
      'trailing-',
      'slash/inside',
      'back\\slash',
      'new\nline',
      'a'.repeat(65),
      'a'.repeat(200),
    ];
    for (const name of hostile) assert.ok(slugProblem(name), `should refuse ${JSON.stringify(name)}`);
  });

  test('slugify turns a task into a valid slug, or nothing', () => {
    assert.equal(slugify('Fix the tax rounding bug!'), 'fix-the-tax-rounding-bug');
    assert.equal(slugify('  Ünïcödé café  '), 'unicode-cafe');
    assert.equal(slugify("Don't run $(rm -rf /) or `id`"), 'don-t-run-rm-rf-or-id');
    assert.equal(slugify('--leading dashes and ..dots..'), 'leading-dashes-and-.dots');
    assert.equal(slugify('release.lock'), 'release');
    assert.equal(slugify('日本語'), '');
    const long = slugify('word '.repeat(60));
    assert.ok(long.length <= 48 && long.length >= 16, long);
    for (const task of ['Fix the tax rounding bug!', 'word '.repeat(60), 'a\'b"c', '-x-', 'a..b...c']) {
      const slug = slugify(task);
      if (slug) assert.equal(slugProblem(slug), undefined, `${JSON.stringify(task)} → ${slug}`);
    }
  });

  test('generated slugs are <word>-<word>-<4 hex> from the random source', () => {
    const slug = generateSlug(() => Buffer.from([1, 2, 0xab, 0xcd]));
    assert.match(slug, /^[a-z]+-[a-z]+-abcd$/);
    assert.match(generateSlug(), SLUG_PATTERN);
    assert.notEqual(generateSlug(), generateSlug());
  });
});
