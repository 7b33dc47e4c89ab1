/** Plain data of git's facts, shared by the plumbing and its callers. No behaviour, no `vscode`. */

/** Where a workspace folder sits in git terms. */
export type RepositoryDiscovery =
  | {
      readonly kind: 'worktree';
      readonly folder: string;
      /** Top level of the worktree the folder is in (a linked worktree's own root when opened directly). */
      readonly topLevel: string;
      /** This worktree's git dir (`.git`, or `<common>/worktrees/<id>` for a linked worktree). */
      readonly gitDir: string;
      /** Shared git dir of the repository: the identity of a repository across all its worktrees. */
      readonly commonDir: string;
      readonly isLinkedWorktree: boolean;
    }
  | { readonly kind: 'bare'; readonly folder: string; readonly gitDir: string; readonly commonDir: string }
  | { readonly kind: 'not-a-repository'; readonly folder: string; readonly reason: string }
  | { readonly kind: 'missing'; readonly folder: string };

/** One record of `git worktree list --porcelain -z`. */
export interface WorktreeRecord {
  readonly path: string;
  /** Full sha, or undefined for a bare entry; all zeros on an unborn branch. */
  readonly head: string | undefined;
  /** Full ref name (`refs/heads/x`) or undefined when detached or bare. */
  readonly branchRef: string | undefined;
  readonly detached: boolean;
  readonly bare: boolean;
  /** The first record is the main worktree (or the bare repository itself). */
  readonly isMain: boolean;
  readonly locked: boolean;
  readonly lockReason: string | undefined;
  readonly prunable: boolean;
  readonly prunableReason: string | undefined;
}

/** A listed worktree as git and its admin files describe it. */
export interface WorktreeEntry extends WorktreeRecord {
  /** Short branch name (`feature/x`), undefined when detached or bare. */
  readonly branch: string | undefined;
  /** The worktree's directory is missing on disk. */
  readonly gone: boolean;
  /** This worktree's own git dir (`<common>/worktrees/<id>` for linked, the common dir for main). */
  readonly gitDir: string | undefined;
}

export interface StatusCounts {
  readonly staged: number;
  readonly unstaged: number;
  readonly untracked: number;
  readonly conflicted: number;
}

/** Parsed `git status --porcelain=v2 -z --branch`. */
export interface StatusReport extends StatusCounts {
  /** undefined on an unborn branch (`(initial)`). */
  readonly headOid: string | undefined;
  /** Short branch name, undefined when detached. */
  readonly branch: string | undefined;
  readonly upstream: string | undefined;
  readonly ahead: number | undefined;
  readonly behind: number | undefined;
  /** Paths (relative to the worktree root) that have any change, for "newest change" timing. */
  readonly changedPaths: readonly string[];
  /** Paths with unresolved conflicts (also in `changedPaths`). */
  readonly conflictedPaths: readonly string[];
  /** The original paths of renames and copies git found (not in `changedPaths`). */
  readonly renamedFromPaths: readonly string[];
}

export interface WorktreeStatus extends StatusReport {
  readonly dirty: boolean;
  /** When HEAD last moved in this worktree (commit, checkout, reset), from its reflog; ms since epoch. */
  readonly headMovedAt: number | undefined;
  /** Newest mtime among changed files, when dirty; ms since epoch. */
  readonly newestChangeAt: number | undefined;
  /** The later of the two: what the view shows as age. */
  readonly lastActivityAt: number | undefined;
}
