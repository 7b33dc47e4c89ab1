import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { allocatePortBlock, releasePortBlock } from '../../src/agents/portBlocks';
import { tempDir } from './helpers/gitFixture';

/** A free range of user ports for this test run (the tests of other runs use others). */
const BASE = 20_000 + (process.pid % 200) * 100;

function folders(count: number): string[] {
  const root = tempDir('ports');
  return Array.from({ length: count }, (_, index) => {
    const folder = path.join(root, `worktree-${index}`);
    mkdirSync(folder);
    return folder;
  });
}

function listenOn(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

describe('port blocks per agent worktree', () => {
  test('distinct blocks for worktrees of any repository; the same block again for the same worktree', async () => {
    const registry = path.join(tempDir('registry'), 'ports.json');
    const [a, b] = folders(2) as [string, string];
    const first = await allocatePortBlock({ base: BASE, size: 10, registry }, a);
    const second = await allocatePortBlock({ base: BASE, size: 10, registry }, b);
    assert.deepEqual(first, { first: BASE, count: 10 });
    assert.deepEqual(second, { first: BASE + 10, count: 10 });
    assert.deepEqual(await allocatePortBlock({ base: BASE, size: 10, registry }, a), first);
  });

  test('a port in use by anything else makes its block unavailable', async () => {
    const registry = path.join(tempDir('registry'), 'ports.json');
    const [a] = folders(1) as [string];
    const busy = await listenOn(BASE + 3, '127.0.0.1');
    try {
      assert.deepEqual(await allocatePortBlock({ base: BASE, size: 5, registry }, a), { first: BASE + 5, count: 5 });
    } finally {
      busy.close();
    }
  });

  test('released on removal, and a block whose worktree folder is gone is free again', async () => {
    const registry = path.join(tempDir('registry'), 'ports.json');
    const [a, b, c] = folders(3) as [string, string, string];
    await allocatePortBlock({ base: BASE, size: 10, registry }, a);
    await allocatePortBlock({ base: BASE, size: 10, registry }, b);
    await releasePortBlock(a, registry);
    assert.deepEqual(await allocatePortBlock({ base: BASE, size: 10, registry }, c), { first: BASE, count: 10 });
    rmSync(b, { recursive: true });
    const [d] = folders(1) as [string];
    // Claimed a moment ago, its folder not made yet (git worktree add runs next): still held.
    assert.deepEqual(await allocatePortBlock({ base: BASE, size: 10, registry }, d), { first: BASE + 20, count: 10 });
    await releasePortBlock(d, registry);
    // Gone for an hour: free again.
    const aged = JSON.parse(readFileSync(registry, 'utf8'));
    for (const block of aged.blocks) if (block.worktree === b) block.at = new Date(Date.now() - 3_600_000).toISOString();
    writeFileSync(registry, JSON.stringify(aged));
    assert.deepEqual(await allocatePortBlock({ base: BASE, size: 10, registry }, d), { first: BASE + 10, count: 10 });
    const held = JSON.parse(readFileSync(registry, 'utf8')).blocks.map((block: { worktree: string }) => block.worktree);
    assert.deepEqual(held, [c, d]);
  });

  test('allocations at the same time (windows, the CLI) never share a block', async () => {
    const registry = path.join(tempDir('registry'), 'ports.json');
    const worktrees = folders(6);
    const blocks = await Promise.all(worktrees.map((worktree) => allocatePortBlock({ base: BASE, size: 4, registry }, worktree)));
    assert.equal(new Set(blocks.map((block) => block.first)).size, 6);
  });

  test('settings that are no range of user ports are refused', async () => {
    const [a] = folders(1) as [string];
    for (const settings of [
      { base: 80, size: 10 },
      { base: 65_530, size: 10 },
      { base: 4000, size: 0 },
    ]) {
      await assert.rejects(allocatePortBlock({ ...settings, registry: path.join(tempDir('r'), 'p.json') }, a), /No port block/);
    }
  });
});
