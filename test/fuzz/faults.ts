import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { World } from './world';

/**
 * Git's own writes failing mid-operation, the way they do on a user's machine:
 *  - `ref-lock`: a `.lock` file on an agent worktree's kept-up-to ref, left by a git that crashed
 *    (every later write of that ref fails with "Unable to create … .lock: File exists");
 *  - `refusing-hook`: a `reference-transaction` hook that aborts any transaction touching
 *    `refs/agent-worktrees/` (branches and everything else still go through).
 * They live in the common dir, never in a worktree's files, so the oracle's fingerprint of what a
 * refused step may not change does not see them.
 */
export const FAULT_KINDS = ['ref-lock', 'refusing-hook'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const KEPT_REFS = ['refs', 'agent-worktrees', 'kept'];

/** Reads every ref update on stdin (git must not see a broken pipe), then refuses ours. */
const REFUSING_HOOK = `#!/bin/sh
refuse=0
while read -r old new ref; do
  case "$ref" in refs/agent-worktrees/*) refuse=1 ;; esac
done
exit $refuse
`;

const commonDirOf = (world: World) => path.join(world.main, '.git');
const hookFile = (world: World) => path.join(commonDirOf(world), 'hooks', 'reference-transaction');
const keptRefLock = (world: World, adminId: string) => path.join(commonDirOf(world), ...KEPT_REFS, `${adminId}.lock`);

/** The worktree's admin dir name (`<common dir>/worktrees/<id>`), found by its `gitdir` file. */
export function adminIdOf(world: World, worktreePath: string): string | undefined {
  const admin = path.join(commonDirOf(world), 'worktrees');
  if (!existsSync(admin)) return undefined;
  const dotGit = path.join(worktreePath, '.git');
  return readdirSync(admin).find((id) => {
    const gitdir = path.join(admin, id, 'gitdir');
    return existsSync(gitdir) && readFileSync(gitdir, 'utf8').trim() === dotGit;
  });
}

/** Puts a fault in place (for `ref-lock`: on the kept-up-to ref of `worktreePath`). */
export function injectFault(world: World, kind: FaultKind, worktreePath: string | undefined): string {
  if (kind === 'refusing-hook') {
    mkdirSync(path.dirname(hookFile(world)), { recursive: true });
    writeFileSync(hookFile(world), REFUSING_HOOK);
    chmodSync(hookFile(world), 0o755);
    return 'a reference-transaction hook now refuses refs/agent-worktrees/';
  }
  const adminId = worktreePath ? adminIdOf(world, worktreePath) : undefined;
  if (!adminId) return 'no worktree to lock a kept ref of: nothing done';
  mkdirSync(path.join(commonDirOf(world), ...KEPT_REFS), { recursive: true });
  writeFileSync(keptRefLock(world, adminId), '');
  return `stale lock on refs/agent-worktrees/kept/${adminId}`;
}

/** Takes every fault of `kind` away again (the user removed the stale lock, or the hook). */
export function clearFault(world: World, kind: FaultKind): string {
  if (kind === 'refusing-hook') {
    rmSync(hookFile(world), { force: true });
    return 'the refusing hook is gone';
  }
  const folder = path.join(commonDirOf(world), ...KEPT_REFS);
  const locks = existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.lock')) : [];
  for (const lock of locks) rmSync(path.join(folder, lock));
  return `${locks.length} stale lock(s) removed`;
}

/** The faults in place now that a keep of `agentPath` would run into (read from the file system). */
export function faultsInTheWayOfKeep(world: World, agentPath: string): FaultKind[] {
  const faults: FaultKind[] = [];
  if (existsSync(hookFile(world))) faults.push('refusing-hook');
  const adminId = adminIdOf(world, agentPath);
  if (adminId && existsSync(keptRefLock(world, adminId))) faults.push('ref-lock');
  return faults;
}

/** Whether a save to the trash (a ref under refs/agent-worktrees/) would be refused now. */
export function trashSaveFaulted(world: World): boolean {
  return existsSync(hookFile(world));
}
