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

export class WorktreeOperationError extends Error {
  override readonly name = 'WorktreeOperationError';

  constructor(
    readonly code: OperationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
