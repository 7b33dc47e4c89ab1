import * as path from 'node:path';
import { relativeInside } from '../git';

/**
 * Decides what a file-system event means for the view: re-list a repository, re-read one
 * worktree's status, or nothing. Pure (no `vscode`), so the routing table is unit-tested.
 */

export interface WatchedWorktree {
  readonly path: string;
  readonly gitDir: string | undefined;
  readonly branchRef: string | undefined;
  readonly isMain: boolean;
}

export interface WatchedRepository {
  readonly commonDir: string;
  readonly worktrees: readonly WatchedWorktree[];
}

export type ChangeImpact =
  | { readonly kind: 'repository' }
  | { readonly kind: 'worktrees'; readonly paths: readonly string[] }
  | { readonly kind: 'none' };

const NONE: ChangeImpact = { kind: 'none' };
const REPOSITORY: ChangeImpact = { kind: 'repository' };

/** Git files inside a worktree's admin dir whose change means "this worktree's status moved". */
const PER_WORKTREE_STATE = /^(HEAD|index|ORIG_HEAD|MERGE_HEAD|CHERRY_PICK_HEAD|REVERT_HEAD|REBASE_HEAD|logs\/HEAD)$/;

export function routeChange(repo: WatchedRepository, changedFile: string): ChangeImpact {
  const file = path.resolve(changedFile);
  if (file.endsWith('.lock')) return NONE; // git's transient lock files; the rename that follows is what counts

  const inCommon = relativeInside(repo.commonDir, file);
  if (inCommon !== undefined) return routeGitFile(repo, inCommon);

  const owner = owningWorktree(repo.worktrees, file);
  if (!owner) return NONE;
  const inWorktree = relativeInside(owner.path, file) ?? '';
  // A linked worktree's `.git` is a file pointing at its admin dir; its changes are caught there.
  if (inWorktree === '.git' || inWorktree.startsWith(`.git${path.sep}`)) return NONE;
  return { kind: 'worktrees', paths: [owner.path] };
}

function routeGitFile(repo: WatchedRepository, relative: string): ChangeImpact {
  const segments = relative.split(path.sep);
  const main = repo.worktrees.find((worktree) => worktree.isMain);
  if (segments[0] === 'worktrees') {
    // Adding, removing, locking or moving a worktree changes the list itself.
    if (segments.length <= 2 || segments[2] === 'gitdir' || segments[2] === 'locked') return REPOSITORY;
    const adminDir = path.join(repo.commonDir, 'worktrees', segments[1] as string);
    const worktree = repo.worktrees.find((candidate) => candidate.gitDir && path.resolve(candidate.gitDir) === adminDir);
    if (!worktree) return REPOSITORY; // an admin dir we do not know yet: the list is out of date
    return PER_WORKTREE_STATE.test(segments.slice(2).join('/')) ? { kind: 'worktrees', paths: [worktree.path] } : NONE;
  }
  if (PER_WORKTREE_STATE.test(segments.join('/'))) return main ? { kind: 'worktrees', paths: [main.path] } : NONE;
  if (segments[0] === 'refs' && segments[1] === 'heads') {
    // A branch moved: only the worktrees that have it checked out show a different state.
    const ref = segments.join('/');
    const paths = repo.worktrees.filter((worktree) => worktree.branchRef === ref).map((worktree) => worktree.path);
    return paths.length > 0 ? { kind: 'worktrees', paths } : NONE;
  }
  // Remote-tracking refs and packed-refs can move any worktree's upstream distance.
  if (segments[0] === 'refs' || relative === 'packed-refs') return REPOSITORY;
  return NONE;
}

/** The deepest worktree containing the file: an `inside` worktree nested in the main one wins. */
function owningWorktree(worktrees: readonly WatchedWorktree[], file: string): WatchedWorktree | undefined {
  let best: WatchedWorktree | undefined;
  for (const worktree of worktrees) {
    if (relativeInside(worktree.path, file) === undefined) continue;
    if (!best || worktree.path.length > best.path.length) best = worktree;
  }
  return best;
}
