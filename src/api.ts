import type * as vscode from 'vscode';
import type {
  AgentChanges,
  CherryPickResult,
  CreatedAgentWorktree,
  CreatedAttempts,
  GitService,
  KeepOptions,
  KeepResult,
  KeepSummary,
  RemovalOutcome,
  RestoredWorktree,
  TrashItem,
  UndoResult,
  UpdateFromBaseResult,
  WorktreeSnapshot,
} from './agents';
import type { AgentActivity, AgentState } from './views/agentActivity';
import type { WorktreesModel } from './views/worktreesModel';
import type { WorktreesTreeProvider } from './views/worktreesTree';
import type { CheckOutputs } from './webview/checkOutputs';
import type { ComparePanels } from './webview/comparePanel';
import type { ReviewPanels } from './webview/reviewPanel';

export interface CreateAgentWorktreeRequest {
  /** A folder in the worktree to branch from; defaults to the active workspace folder. */
  readonly repoPath?: string;
  readonly task?: string;
  readonly name?: string;
  readonly baseRef?: string;
  readonly includeUncommitted?: boolean;
}

/** New Agent Attempts: one task, several agent worktrees from the same base commit. */
export interface CreateAttemptsRequest extends CreateAgentWorktreeRequest {
  /** One attempt per agent command (2–16). Either this or `count`. */
  readonly agents?: readonly string[];
  /** How many attempts with one agent (`agentCommand`, else the setting), 2–16. */
  readonly count?: number;
  readonly agentCommand?: string;
  /**
   * Start each attempt's agent in its own terminal (its program must be found). Default: when every
   * attempt has an agent command (given, or the `agentWorktrees.agentCommand` setting); with none,
   * the attempts are created and no agent starts.
   */
  readonly launch?: boolean;
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
  /**
   * One task, several agent worktrees `<name>-1…N` from one base commit, each launched with its
   * agent; all or nothing (a failure removes every attempt this call made). Their metadata carries
   * the attempt group, so the view groups them and `list --json` shows it.
   */
  createAttempts(request: CreateAttemptsRequest): Promise<CreatedAttempts>;
  /**
   * Keeps the attempt at `worktreePath` and removes the other attempts of its group (worktrees and
   * branches; what they would lose goes to the trash first). Refuses with `needs-confirmation`,
   * removing none, when any would lose work, unless `force`.
   */
  discardOtherAttempts(worktreePath: string, options?: { force?: boolean }): Promise<RemovalOutcome[]>;
  removeWorktrees(paths: readonly string[], request?: RemoveWorktreesRequest): Promise<RemovalOutcome[]>;
  /** Everything the agent changed since its base (or, by default, since the last keep). */
  getAgentChanges(worktreePath: string, options?: { since?: 'kept' | 'base' }): Promise<AgentChanges>;
  /** Apply the agent's work (all, some files, some hunks) onto its target; refuses over uncommitted work. */
  keep(worktreePath: string, options?: KeepOptions): Promise<KeepResult>;
  /**
   * The agent's commits onto the target's branch (`git cherry-pick`: their messages and authors),
   * then its committed work counts as kept; its uncommitted work stays to keep. Refuses (`blocked`),
   * changing nothing, over uncommitted changes on those files or after a keep. A conflicting pick
   * is aborted and refused with `needs-confirmation` (consent `pick-conflicts`, the files); with
   * `resolveConflicts: true` git stops there instead (`stopped` in the result) for the user to
   * resolve, and nothing counts as kept.
   */
  cherryPickCommits(worktreePath: string, options?: { target?: string; resolveConflicts?: boolean }): Promise<CherryPickResult>;
  /** The keeps that can be undone in the repository of `repoPath` (default: the first workspace folder), newest first. */
  listKeeps(repoPath?: string): Promise<KeepSummary[]>;
  /**
   * Undo a keep (`KeepResult.undoId`, or an `id` from listKeeps): its paths go back byte for byte,
   * and the agent's next review shows the work again. Refuses (`blocked`) when any of those files
   * changed since, or a later keep from the same agent worktree came after it; `needs-confirmation`
   * when that agent worktree is gone, unless `force`.
   */
  undoKeep(id: string, options?: { force?: boolean; repoPath?: string }): Promise<UndoResult>;
  /** Remove the agent worktree and its branch; refuses to lose work unless `force`. */
  discard(worktreePath: string, options?: { force?: boolean; repoPath?: string }): Promise<RemovalOutcome>;
  /**
   * What confirmed removals saved to the trash (each removal that would lose anything saves the
   * worktree first: files, index, HEAD), in the workspace's repositories or the one of `repoPath`;
   * newest first.
   */
  listTrash(repoPath?: string): Promise<TrashItem[]>;
  /**
   * Brings a trash item back as a worktree: at its old path (or `<path>-restored` when taken, or
   * `path`), on its branch (re-created at its old tip when deleted), with its staged, unstaged and
   * untracked files; the item leaves the trash. Refuses with `exists`, changing nothing, when the
   * branch name now points elsewhere: pass `branch`, a new name.
   */
  restore(id: string, options?: { repoPath?: string; path?: string; branch?: string }): Promise<RestoredWorktree>;
  /** Fires after the view's data changed (any repository). */
  readonly onDidChangeWorktrees: vscode.Event<void>;
  /**
   * What the agent in a worktree is doing, from its agent terminal (Run Agent) and its files:
   * `working`, `waiting` (quiet for `agentWorktrees.agentQuietSeconds`), `done`, `failed` (with the
   * exit code) or `not-running`.
   */
  agentActivity(worktreePath: string): AgentActivity;
  /**
   * Runs an agent in the worktree's agent terminal (one per worktree: reused once its agent ended).
   * Never prompts: refuses with `needs-confirmation` while an agent runs there (pass `another`),
   * and with `invalid` when the agent's program is not on PATH or no agent command is set.
   */
  runAgent(
    worktreePath: string,
    options?: { agentCommand?: string; setupCommand?: string; another?: boolean },
  ): Promise<vscode.Terminal | undefined>;
  /**
   * The base branch's new commits into the agent's branch, inside its worktree (`merge`, or
   * `rebase`); its recorded base moves there. Refuses (`blocked`) while its agent is working, over
   * uncommitted changes unless `carryUncommitted`, and after a keep; a conflict resolves with the
   * files in `conflicted`, left as git leaves them.
   */
  updateFromBase(
    worktreePath: string,
    options?: { mode?: 'merge' | 'rebase'; carryUncommitted?: boolean },
  ): Promise<UpdateFromBaseResult>;
  /** Fires when an agent's state changes. */
  readonly onDidChangeAgentActivity: vscode.Event<{ worktreePath: string; activity: AgentActivity; previous: AgentState }>;
  /** Internals for this extension's own integration tests; not a stable interface. */
  readonly testing: {
    readonly service: GitService;
    readonly model: WorktreesModel;
    readonly treeDataProvider: WorktreesTreeProvider;
    readonly panels: ReviewPanels;
    readonly compare: { readonly panels: ComparePanels; readonly outputs: CheckOutputs };
    /** The agent notifications shown so far (their messages), newest last. */
    readonly agentNotices: readonly string[];
    /** Whether `agent-worktrees mcp` was offered to VS Code's agent mode (the MCP API exists from VS Code 1.101). */
    readonly mcpServer: 'registered' | 'unavailable' | 'untrusted';
  };
}
