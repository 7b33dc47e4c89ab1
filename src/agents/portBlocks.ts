import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { lock } from 'proper-lockfile';
import { comparablePath } from '../git';

// A block of ports per agent worktree, so agents running dev servers side by side never collide.
// One registry per machine (every repository, every window, the CLI) in the user's home folder,
// changed only under a file lock; a block whose worktree folder is gone (for more than a few
// minutes: blocks are claimed just before the folder is made) is free again.

/** Ports an agent worktree owns: `first` … `first + count - 1`. */
export interface PortBlock {
  readonly first: number;
  readonly count: number;
}

export interface PortBlockSettings {
  /** The first port of the first block. */
  readonly base: number;
  /** Ports per block. */
  readonly size: number;
  /** The registry file (default: `~/.agent-worktrees/ports.json`, or `$AGENT_WORKTREES_PORTS_FILE`). */
  readonly registry?: string;
}

interface Holding extends PortBlock {
  readonly worktree: string;
  readonly at: string;
}

const HIGHEST_PORT = 65535;

export function defaultPortRegistry(): string {
  return process.env.AGENT_WORKTREES_PORTS_FILE || path.join(homedir(), '.agent-worktrees', 'ports.json');
}

/**
 * A block for `worktree`: the first one from `base` that no other worktree holds and whose every
 * port can be bound on this machine now. Its existing block if it has one.
 */
export async function allocatePortBlock(settings: PortBlockSettings, worktree: string): Promise<PortBlock> {
  const size = Math.trunc(settings.size);
  const base = Math.trunc(settings.base);
  if (!(size >= 1 && size <= 1000) || !(base >= 1024 && base + size - 1 <= HIGHEST_PORT)) {
    throw new Error(`No port block: base ${settings.base} and size ${settings.size} are not a range of user ports.`);
  }
  return withRegistry(settings.registry ?? defaultPortRegistry(), async (holdings) => {
    const key = comparablePath(worktree);
    const own = holdings.find((holding) => comparablePath(holding.worktree) === key);
    if (own) return { result: { first: own.first, count: own.count }, holdings };
    for (let first = base; first + size - 1 <= HIGHEST_PORT; first += size) {
      const overlaps = holdings.some((holding) => first < holding.first + holding.count && holding.first < first + size);
      if (overlaps || !(await allFree(first, size))) continue;
      const block = { first, count: size };
      return { result: block, holdings: [...holdings, { ...block, worktree, at: new Date().toISOString() }] };
    }
    throw new Error(`No free block of ${size} ports from ${base}.`);
  });
}

/** The worktree's block is free again (nothing happens when it holds none). */
export async function releasePortBlock(worktree: string, registry = defaultPortRegistry()): Promise<void> {
  if (!existsSync(registry)) return;
  const key = comparablePath(worktree);
  await withRegistry(registry, async (holdings) => ({
    result: undefined,
    holdings: holdings.filter((holding) => comparablePath(holding.worktree) !== key),
  }));
}

/** Read, change and write the registry under its lock; holdings of worktrees whose folder is gone are dropped. */
async function withRegistry<T>(
  registry: string,
  change: (holdings: Holding[]) => Promise<{ result: T; holdings: Holding[] }>,
): Promise<T> {
  await mkdir(path.dirname(registry), { recursive: true });
  if (!existsSync(registry)) await writeFile(registry, '{"blocks":[]}\n', { flag: 'wx' }).catch(() => undefined);
  // Another window or the CLI may be allocating: wait for it (a lock left by a crash goes stale).
  const unlock = await lock(registry, { retries: { retries: 20, minTimeout: 20, maxTimeout: 200 }, stale: 10_000 });
  try {
    const holdings = parseRegistry(await readFile(registry, 'utf8')).filter(stillHeld);
    const { result, holdings: next } = await change(holdings);
    const temporary = `${registry}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ blocks: next }, null, 2)}\n`);
    await rename(temporary, registry);
    return result;
  } finally {
    await unlock();
  }
}

/** Blocks are claimed before `git worktree add` makes the folder: a young claim counts without one. */
const CLAIM_GRACE_MS = 10 * 60_000;

function stillHeld(holding: Holding): boolean {
  return existsSync(holding.worktree) || Date.now() - Date.parse(holding.at) < CLAIM_GRACE_MS;
}

function parseRegistry(text: string): Holding[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return []; // unreadable: rebuilt from the next allocation (ports are re-checked anyway)
  }
  const blocks = (parsed as { blocks?: unknown })?.blocks;
  if (!Array.isArray(blocks)) return [];
  return blocks.filter(
    (block): block is Holding =>
      typeof block === 'object' &&
      block !== null &&
      Number.isInteger(block.first) &&
      Number.isInteger(block.count) &&
      typeof block.worktree === 'string' &&
      typeof block.at === 'string',
  );
}

/** Whether every port of the range can be bound now (on all interfaces, as a dev server would). */
async function allFree(first: number, count: number): Promise<boolean> {
  for (let port = first; port < first + count; port++) if (!(await canListen(port))) return false;
  return true;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
