import { GitError, type GitErrorCode } from '../git';

/**
 * Errors of the agent-worktree operations (create, remove), as the API reports them. Each says,
 * in words a user can act on, why nothing (or what exactly) was changed.
 *  - invalid: bad input (a name, a path, a repository that cannot take the operation); nothing changed
 *  - exists: the branch or folder is already there; nothing changed
 *  - blocked: a guard refused (main worktree, the open window's worktree, a lock); nothing changed
 *  - needs-confirmation: the operation would lose work and `force` was not given; nothing changed
 *  - failed: git or the file system failed; `message` says what was left where
 */
export type OperationErrorCode = 'invalid' | 'exists' | 'blocked' | 'needs-confirmation' | 'failed';

/**
 * What a `needs-confirmation` refusal of a keep or a cherry-pick asks consent for, so a caller can
 * ask precisely: merges that would leave conflict markers (with the lines), or files that cannot be
 * merged with the target's own edits (with why) — the keep then runs with `allowConflicts` /
 * `skipUnmergeable`; or a pick that conflicts (the files) — it then runs with `resolveConflicts`.
 */
export type KeepConsent =
  | {
      readonly kind: 'conflicts';
      readonly files: readonly { readonly path: string; readonly lines: readonly (readonly [number, number])[] }[];
    }
  | { readonly kind: 'unmergeable'; readonly files: readonly { readonly path: string; readonly reason: string }[] }
  | { readonly kind: 'pick-conflicts'; readonly files: readonly string[] };

export class WorktreeOperationError extends Error {
  override readonly name = 'WorktreeOperationError';
  /** Set on a keep's `needs-confirmation`: what the consent is for. */
  readonly consent: KeepConsent | undefined;

  constructor(
    readonly code: OperationErrorCode,
    message: string,
    options?: { cause?: unknown; consent?: KeepConsent },
  ) {
    super(message, options);
    this.consent = options?.consent;
  }
}

/** The documented code for each way git can fail (the GitError stays the `cause`). */
const CODE_OF_GIT_FAILURE: Record<GitErrorCode, OperationErrorCode> = {
  GitNotFound: 'failed',
  WorkingDirectoryMissing: 'invalid',
  NotARepository: 'invalid',
  DubiousOwnership: 'blocked',
  IndexLocked: 'blocked',
  RefLocked: 'blocked',
  BadRevision: 'invalid',
  Timeout: 'failed',
  Cancelled: 'failed',
  Disabled: 'blocked',
  ParseError: 'failed',
  Failed: 'failed',
};

/**
 * Any failure as the API documents it: a WorktreeOperationError stays as it is; a GitError (or
 * any other error) becomes one with the documented code, its message, and itself as `cause`.
 */
export function asOperationError(error: unknown): WorktreeOperationError {
  if (error instanceof WorktreeOperationError) return error;
  if (error instanceof GitError) {
    const reason = error.gitReason;
    const message = reason && !error.message.includes(reason) ? `${error.message}: ${reason}` : error.message;
    return new WorktreeOperationError(CODE_OF_GIT_FAILURE[error.code], message, { cause: error });
  }
  return new WorktreeOperationError('failed', error instanceof Error ? error.message : String(error), { cause: error });
}
