import type * as vscode from 'vscode';
import type {
  AgentChanges,
  CreatedAgentWorktree,
  GitService,
  KeepOptions,
  KeepResult,
  RemovalOutcome,
  WorktreeSnapshot,
} from './agents';
import type { WorktreesModel } from './views/worktreesModel';
import type { WorktreesTreeProvider } from './views/worktreesTree';
import type { ReviewPanels } from './webview/reviewPanel';

export interface CreateAgentWorktreeRequest {
  /** A folder in the worktree to branch from; defaults to the active workspace folder. */
  readonly repoPath?: string;
  readonly task?: string;
  readonly name?: string;
  readonly baseRef?: string;
  readonly includeUncommitted?: boolean;
}

export interface RemoveWorktreesRequest {
  /**
   * A folder of the repository the worktrees belong to. Needed for a worktree whose folder is gone
   * in a repository that is not in the workspace; otherwise found from the view or the path.
   */
  readonly repoPath?: string;
  /**
   * Resolve with one outcome per worktree, including those git refused (`removed: false` and git's
   * reason). By default a refusal rejects with code `failed`.
   */
  readonly perItemOutcomes?: boolean;
  /** Lose uncommitted files and commits found nowhere else. Never implied. */
  readonly force?: boolean;
  /** Remove locked worktrees too. */
  readonly forceLocked?: boolean;
  /** Default true; a branch with unique commits is kept unless `force`. */
  readonly deleteBranch?: boolean;
}

/**
 * What `activate()` returns, for other extensions and tests. No method prompts; every guard of the
 * commands applies. Every method rejects only with a `WorktreeOperationError` whose `code` is one of
 * invalid | exists | blocked | needs-confirmation | failed; when git failed, the `GitError` (with
 * git's exit code and stderr) is its `cause`.
 */
export interface AgentWorktreesApi {
  readonly version: 1;
  /** Every worktree of the repository containing `repoPath`, or of the whole workspace. */
  listWorktrees(repoPath?: string): Promise<WorktreeSnapshot[]>;
  createAgentWorktree(request: CreateAgentWorktreeRequest): Promise<CreatedAgentWorktree>;
  removeWorktrees(paths: readonly string[], request?: RemoveWorktreesRequest): Promise<RemovalOutcome[]>;
  /** Everything the agent changed since its base (or, by default, since the last keep). */
  getAgentChanges(worktreePath: string, options?: { since?: 'kept' | 'base' }): Promise<AgentChanges>;
  /** Apply the agent's work (all, some files, some hunks) onto its target; refuses over uncommitted work. */
  keep(worktreePath: string, options?: KeepOptions): Promise<KeepResult>;
  /** Remove the agent worktree and its branch; refuses to lose work unless `force`. */
  discard(worktreePath: string, options?: { force?: boolean; repoPath?: string }): Promise<RemovalOutcome>;
  /** Fires after the view's data changed (any repository). */
  readonly onDidChangeWorktrees: vscode.Event<void>;
  /** Internals for this extension's own integration tests; not a stable interface. */
  readonly testing: {
    readonly service: GitService;
    readonly model: WorktreesModel;
    readonly treeDataProvider: WorktreesTreeProvider;
    readonly panels: ReviewPanels;
  };
}
