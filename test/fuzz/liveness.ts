import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RemovalOutcome, RemovalRequest } from '../../src/agents';
import { git } from '../unit/helpers/gitFixture';
import { adminIdOf, type FaultKind, faultsInTheWayOfKeep, trashSaveFaulted } from './faults';
import { workingFiles } from './scan';
import { Violation, type World } from './world';

/**
 * Liveness: an operation that nothing stands in the way of must succeed. "Nothing in the way" is
 * decided here from plain git and file-system facts (never by asking the code under test), so a
 * refusal or a failure the facts do not explain is a violation — losing nothing is not enough.
 */

/** What a keep must do, by the facts: succeed; fail only because of a fault; or no claim. */
export type KeepExpectation =
  | { readonly kind: 'must-succeed'; readonly why: string }
  /** There is something to keep, and git cannot record it: a fault is in the way. */
  | { readonly kind: 'under-fault'; readonly faults: readonly FaultKind[] }
  | { readonly kind: 'no-claim' };

/**
 * A keep of everything the agent has (no review, no selection) onto `targetPath` (default: where
 * the agent worktree was created from) must succeed when the oracle's own patch from the kept
 * state to the agent's current state applies to a copy of the target's files and touches none of
 * the target's uncommitted paths. Under a fault it may fail (then the world checks it changed nothing).
 */
export function expectKeep(world: World, agentPath: string, targetPath: string | undefined): KeepExpectation {
  const listed = (where: string) => world.last.worktrees.find((worktree) => worktree.path === where && !worktree.gone);
  const adminId = adminIdOf(world, agentPath);
  const metadataFile = adminId && path.join(world.main, '.git', 'worktrees', adminId, 'agent-worktrees.json');
  if (!listed(agentPath) || !metadataFile || !existsSync(metadataFile)) return { kind: 'no-claim' };
  const metadata = JSON.parse(readFileSync(metadataFile, 'utf8')) as {
    keptUpTo?: string;
    baseCommit: string;
    createdFrom: string;
  };
  const target = targetPath ?? metadata.createdFrom;
  if (!listed(target) || target === agentPath) return { kind: 'no-claim' };
  const from = metadata.keptUpTo ?? metadata.baseCommit;
  const state = agentState(world, agentPath);
  const patch = execFileSync('git', ['diff', '--binary', '--full-index', '-M', from, state, '--'], {
    cwd: agentPath,
    maxBuffer: 256 * 1024 * 1024,
  });
  // Nothing to keep needs no bookkeeping, so no fault can stand in its way.
  if (patch.length === 0) return { kind: 'must-succeed', why: 'there is nothing to keep' };
  const faults = faultsInTheWayOfKeep(world, agentPath);
  if (faults.length > 0) return { kind: 'under-fault', faults };
  const touched = pathsTouched(agentPath, from, state);
  const dirty = uncommittedPaths(target);
  if (touched.some((file) => dirty.has(file))) return { kind: 'no-claim' };
  if (!appliesToCopyOf(world, target, patch)) return { kind: 'no-claim' };
  return {
    kind: 'must-succeed',
    why: `its patch applies to a copy of ${target}'s files and touches none of its uncommitted paths`,
  };
}

/** The agent's whole state (files, untracked too) as a tree, built in a throwaway index. */
function agentState(world: World, agentPath: string): string {
  const scratch = mkdtempSync(path.join(path.dirname(world.main), 'oracle-index-'));
  try {
    const env = { ...process.env, GIT_INDEX_FILE: path.join(scratch, 'index') };
    const run = (...args: string[]) => execFileSync('git', args, { cwd: agentPath, env, encoding: 'utf8' });
    run('read-tree', 'HEAD');
    run('add', '--all', '--', '.');
    return run('write-tree').trim();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Both sides of every change (a rename touches where it came from and where it went). */
function pathsTouched(cwd: string, from: string, to: string): string[] {
  const fields = git(cwd, 'diff', '--name-status', '-z', '-M', from, to, '--').split('\0').filter(Boolean);
  const paths: string[] = [];
  for (let at = 0; at < fields.length; ) {
    const status = fields[at++] as string;
    const count = /^[RC]/.test(status) ? 2 : 1;
    paths.push(...fields.slice(at, at + count));
    at += count;
  }
  return paths;
}

/** Staged, unstaged (either differing from the index or the index from HEAD) and untracked paths. */
function uncommittedPaths(worktree: string): Set<string> {
  const listings = [
    git(worktree, 'diff', '--name-only', '--no-renames', '-z'),
    git(worktree, 'diff', '--cached', '--name-only', '--no-renames', '-z', 'HEAD'),
    git(worktree, 'ls-files', '--others', '--exclude-standard', '-z'),
    git(worktree, 'ls-files', '--unmerged', '-z').replace(/[^\0]*\t/g, ''),
  ];
  return new Set(listings.join('\0').split('\0').filter(Boolean));
}

/** Whether `git apply` writes the patch onto a copy of the target's files (all of them, untracked too). */
function appliesToCopyOf(world: World, target: string, patch: Buffer): boolean {
  const scratch = mkdtempSync(path.join(path.dirname(world.main), 'oracle-copy-'));
  try {
    const copy = path.join(scratch, 'copy');
    mkdirSync(copy);
    for (const [relative, bytes, kind] of workingFiles(target)) {
      const file = path.join(copy, relative);
      mkdirSync(path.dirname(file), { recursive: true });
      if (kind === 'link') symlinkSync(bytes.toString(), file);
      else writeFileSync(file, bytes);
      if (kind === 'exec') chmodSync(file, 0o755);
    }
    // A repository of its own, so git never walks up into another one.
    git(copy, 'init', '--quiet');
    writeFileSync(path.join(scratch, 'keep.patch'), patch);
    execFileSync('git', ['apply', path.join(scratch, 'keep.patch')], { cwd: copy, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** What a removal must do, by the facts: which requested targets may not be removed, and why. */
export interface RemovalExpectation {
  /** Targets git cannot or must not remove (the main worktree, no worktree at all, locked): refused as blocked. */
  readonly blocked: readonly string[];
  /** The linked worktrees requested (duplicates merged): all removed when nothing is blocked. */
  readonly removable: readonly string[];
  /**
   * A worktree whose folder was deleted, requested only without its repository: from the path
   * alone it cannot be found, so refusing it as blocked is as right as removing it (when the batch
   * goes through, it must have been found, and then it must be removed).
   */
  readonly unnamed: readonly string[];
  /** A fault refuses saves to the trash: a removal that would lose work must then be refused. */
  readonly trashFaulted: boolean;
}

export function expectRemoval(
  world: World,
  requests: readonly RemovalRequest[],
  options: { readonly forceLocked: boolean },
): RemovalExpectation {
  const blocked: string[] = [];
  const removable = new Set<string>();
  const unnamed = new Set<string>();
  for (const request of requests) {
    const resolved = path.resolve(request.path);
    const listed = world.last.worktrees.find((worktree) => worktree.path === resolved);
    if (!listed) blocked.push(`${resolved} (no worktree)`);
    else if (resolved === world.main) blocked.push(`${resolved} (the main worktree)`);
    else if (listed.locked && !options.forceLocked) blocked.push(`${resolved} (locked)`);
    else if (listed.gone && !request.commonDir) unnamed.add(resolved);
    else removable.add(resolved);
  }
  // Named once with its repository is enough: that request wins over its duplicates.
  return {
    blocked,
    removable: [...removable],
    unnamed: [...unnamed].filter((worktree) => !removable.has(worktree)),
    trashFaulted: trashSaveFaulted(world),
  };
}

/**
 * A removal that threw: a blocked target must be refused as `blocked`; without `force` the plan
 * may ask for confirmation; anything else refused a removal the facts allow. Returns the error to
 * rethrow (the world then checks it changed nothing and carries a documented code).
 */
export function refusedRemoval(label: string, expected: RemovalExpectation, force: boolean, error: unknown): unknown {
  if (error instanceof Violation) return error;
  const code = (error as { code?: unknown }).code;
  if ((expected.blocked.length > 0 || expected.unnamed.length > 0) && code === 'blocked') return error;
  if (expected.blocked.length === 0 && !force && code === 'needs-confirmation') return error;
  const why = expected.blocked.length > 0 ? `blocked by ${expected.blocked.join(', ')}` : 'allowed';
  return new Violation(
    `${label}: the removal was ${why}, but it was refused with ${String(code)}: ${(error as Error)?.message ?? error}`,
  );
}

/** A removal that went through: it removed every requested worktree, and nothing was blocked. */
export function checkRemoved(label: string, expected: RemovalExpectation, outcomes: readonly RemovalOutcome[]): void {
  if (expected.blocked.length > 0) {
    throw new Violation(`${label}: went through although it must be blocked by ${expected.blocked.join(', ')}`);
  }
  for (const worktree of [...expected.removable, ...expected.unnamed]) {
    const outcome = outcomes.find((candidate) => candidate.path === worktree);
    // Under a fault, a removal whose save to the trash failed must not remove (and says so).
    if (!outcome?.removed && expected.trashFaulted && /Saving it to the trash failed/.test(outcome?.error ?? '')) continue;
    if (!outcome?.removed) {
      throw new Violation(
        `${label}: nothing stood in the way of removing ${worktree}, but it was not removed: ${outcome ? outcome.error : 'no outcome'}`,
      );
    }
  }
}
