import * as path from 'node:path';

/** Where things are: the extension's root, this harness, and the cache the heavy pieces go to. */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const E2E_DIR = path.resolve(__dirname, '..');
export const OUT_DIR = path.join(ROOT, 'out');
export const VSIX_PATH = path.join(ROOT, 'dist', 'agent-worktrees.vsix');
export const EXTENSION_ID = 'agent-worktrees.agent-worktrees';

/** Reused across runs and clones on the same machine; keyed by the lockfile so a change reinstalls. */
export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(process.env.HOME || '/tmp', '.cache');
  return process.env.AGENT_WORKTREES_HARNESS_CACHE || path.join(base, 'agent-worktrees-e2e');
}
