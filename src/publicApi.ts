import * as v from 'valibot';
import type * as vscode from 'vscode';
import {
  asOperationError,
  cherryPickAgentCommits,
  executeRemoval,
  failIfRefused,
  type GitService,
  getAgentChanges,
  keep,
  listKeeps,
  planRemoval,
  type RemovalOutcome,
  type RemovalRequest,
  refuseNonAgentTargets,
  requireRepository,
  undoKeep,
  WorktreeOperationError,
} from './agents';
import type { AgentWorktreesApi, RemoveWorktreesRequest } from './api';
import { createWithSettings } from './commands/agentCommands';
import { AttemptsArguments, createAndLaunchAttempts } from './commands/attemptCommands';
import { discardOtherAttempts } from './commands/compareCommands';
import { openFolders, removalRequests } from './commands/removeCommands';
import { runAgent } from './commands/runAgent';
import { restoreById, trashOfWorkspace } from './commands/trashCommands';
import { updateRefusingWhileWorking } from './commands/updateBaseCommand';
import type { Logger } from './git';
import { readSettings } from './settings';
import type { AgentSessions } from './views/agentSessions';
import type { WorktreesModel } from './views/worktreesModel';
import type { WorktreesTreeProvider } from './views/worktreesTree';
import type { CheckOutputs } from './webview/checkOutputs';
import type { ComparePanels } from './webview/comparePanel';
import type { ReviewPanels } from './webview/reviewPanel';

export interface ApiDeps {
  readonly service: GitService;
  readonly model: WorktreesModel;
  readonly logger: Logger;
  readonly showLog: () => void;
  readonly state: vscode.Memento;
  readonly agents: AgentSessions;
  /** The agent notifications shown so far (for the extension's own tests). */
  readonly agentNotices: readonly string[];
  readonly treeDataProvider: WorktreesTreeProvider;
  readonly panels: ReviewPanels;
  /** Compare Attempts' panels and each attempt's check output. */
  readonly compare: { readonly panels: ComparePanels; readonly outputs: CheckOutputs };
  /** Whether the MCP server definition was offered to VS Code (for the extension's own tests). */
  readonly mcpServer: () => 'registered' | 'unavailable' | 'untrusted';
}

/**
 * The API other extensions (and the tests) call. Every method rejects only with the documented
 * WorktreeOperationError codes; a GitError is kept as its `cause`.
 */
export function createApi(deps: ApiDeps): AgentWorktreesApi {
  const { service, model, panels } = deps;
  return {
    version: 1,
    onDidChangeWorktrees: model.onDidChange,
    listWorktrees: documented(async (repoPath?: string) => {
      if (model.state === 'untrusted') return [];
      await model.refreshAll();
      if (repoPath === undefined) return model.allWorktrees();
      const found = await service.discover(requireString(repoPath, 'repoPath'));
      if (found.kind !== 'worktree' && found.kind !== 'bare') return [];
      return [...(await service.readRepository({ commonDir: found.commonDir })).worktrees];
    }),
    ...creationAndRemoval(deps),
    ...review(deps),
    ...trashAndAgents(deps),
    testing: {
      service,
      model,
      treeDataProvider: deps.treeDataProvider,
      panels,
      compare: deps.compare,
      agentNotices: deps.agentNotices,
      get mcpServer() {
        return deps.mcpServer();
      },
    },
  };
}

/** Creating agent worktrees and attempts, and removing them. */
function creationAndRemoval(
  deps: ApiDeps,
): Pick<AgentWorktreesApi, 'createAgentWorktree' | 'createAttempts' | 'discardOtherAttempts' | 'removeWorktrees'> {
  return {
    createAgentWorktree: documented((request) =>
      createWithSettings(deps, { ...request, repoPath: request?.repoPath ?? openFolders()[0] }),
    ),
    createAttempts: documented(async (request) => {
      const checked = v.safeParse(AttemptsArguments, request ?? {});
      if (!checked.success) {
        const issue = checked.issues[0];
        const where = issue ? v.getDotPath(issue) : undefined;
        throw new WorktreeOperationError('invalid', `createAttempts: ${where ? `"${where}": ` : ''}${issue?.message}`);
      }
      const created = await createAndLaunchAttempts(deps, {
        ...checked.output,
        repoPath: checked.output.repoPath ?? openFolders()[0],
      });
      if (!created) throw new WorktreeOperationError('failed', 'The attempts were not created.');
      return created;
    }),
    discardOtherAttempts: documented(async (worktreePath: string, options: { force?: boolean } = {}) => {
      const outcomes = await discardOtherAttempts(deps, requireString(worktreePath, 'worktreePath'), {
        force: options.force === true,
      });
      return outcomes ?? [];
    }),
    removeWorktrees: documented(async (paths: readonly string[], request: RemoveWorktreesRequest = {}) => {
      if (!Array.isArray(paths) || !paths.every((entry) => typeof entry === 'string')) {
        throw new WorktreeOperationError('invalid', 'removeWorktrees takes an array of worktree paths.');
      }
      const outcomes = await remove(deps, paths, request);
      if (!request.perItemOutcomes) failIfRefused(outcomes);
      return outcomes;
    }),
  };
}

/** What an agent changed, and landing it. */
function review(
  deps: ApiDeps,
): Pick<AgentWorktreesApi, 'getAgentChanges' | 'keep' | 'cherryPickCommits' | 'listKeeps' | 'undoKeep'> {
  const { service } = deps;
  return {
    getAgentChanges: documented((worktreePath: string, options?: { since?: 'kept' | 'base' }) =>
      getAgentChanges(service, requireString(worktreePath, 'worktreePath'), options),
    ),
    keep: documented((worktreePath: string, options = {}) =>
      keep(service, requireString(worktreePath, 'worktreePath'), { undoLimit: readSettings().undoKeeps, ...options }),
    ),
    cherryPickCommits: documented((worktreePath: string, options: { target?: string; resolveConflicts?: boolean } = {}) =>
      cherryPickAgentCommits(service, requireString(worktreePath, 'worktreePath'), {
        target: options.target === undefined ? undefined : requireString(options.target, 'target'),
        resolveConflicts: options.resolveConflicts === true,
      }),
    ),
    listKeeps: documented((repoPath?: string) =>
      listKeeps(service, repoPath === undefined ? defaultRepoPath() : requireString(repoPath, 'repoPath')),
    ),
    undoKeep: documented((id: string, options: { force?: boolean; repoPath?: string } = {}) =>
      undoKeep(
        service,
        options.repoPath === undefined ? defaultRepoPath() : requireString(options.repoPath, 'repoPath'),
        requireString(id, 'id'),
        { force: options.force === true },
      ),
    ),
  };
}

/** Discarding to the trash and back, and the agents in their terminals. */
function trashAndAgents(
  deps: ApiDeps,
): Pick<
  AgentWorktreesApi,
  'discard' | 'listTrash' | 'restore' | 'runAgent' | 'updateFromBase' | 'agentActivity' | 'onDidChangeAgentActivity'
> {
  const { model } = deps;
  return {
    discard: documented(async (worktreePath: string, options: { force?: boolean; repoPath?: string } = {}) => {
      const [outcome] = await remove(
        deps,
        [requireString(worktreePath, 'worktreePath')],
        { ...options, deleteBranch: true },
        { agentOnly: true },
      );
      if (!outcome) throw new WorktreeOperationError('invalid', `Nothing to discard at ${worktreePath}`);
      failIfRefused([outcome]);
      return outcome;
    }),
    listTrash: documented(async (repoPath?: string) => {
      if (model.state === 'untrusted') return [];
      if (repoPath === undefined) await model.refreshAll();
      return trashOfWorkspace(deps, repoPath === undefined ? undefined : requireString(repoPath, 'repoPath'));
    }),
    restore: documented((id: string, options: { repoPath?: string; path?: string; branch?: string } = {}) =>
      restoreById(deps, requireString(id, 'id'), {
        repoPath: options.repoPath === undefined ? undefined : requireString(options.repoPath, 'repoPath'),
        path: options.path === undefined ? undefined : requireString(options.path, 'path'),
        branch: options.branch === undefined ? undefined : requireString(options.branch, 'branch'),
      }),
    ),
    runAgent: documented(
      async (worktreePath: string, options: { agentCommand?: string; setupCommand?: string; another?: boolean } = {}) =>
        runAgent(deps, requireString(worktreePath, 'worktreePath'), { ...options, noPrompt: true }),
    ),
    updateFromBase: documented((worktreePath: string, options: { mode?: 'merge' | 'rebase'; carryUncommitted?: boolean } = {}) =>
      updateRefusingWhileWorking(deps, requireString(worktreePath, 'worktreePath'), options),
    ),
    agentActivity: (worktreePath: string) => deps.agents.activityOf(requireString(worktreePath, 'worktreePath')),
    onDidChangeAgentActivity: (listener, thisArgs, disposables) => {
      const subscription = deps.agents.onDidChange((worktreePath, activity, previous) =>
        listener.call(thisArgs, { worktreePath, activity, previous }),
      );
      disposables?.push(subscription);
      return subscription;
    },
  };
}

/** Plan and remove with every guard; the review panels of removed worktrees close. */
async function remove(
  deps: ApiDeps,
  paths: readonly string[],
  request: RemoveWorktreesRequest,
  { agentOnly = false } = {},
): Promise<RemovalOutcome[]> {
  const options = {
    force: request.force,
    forceLocked: request.forceLocked,
    deleteBranch: request.deleteBranch,
    protectedPaths: openFolders(),
  };
  const plan = await planRemoval(deps.service, await requestsFor(deps, paths, request.repoPath), options);
  if (agentOnly) refuseNonAgentTargets(plan);
  // The view has re-read the repositories when this settles: on that, panels and diff tabs close.
  const outcomes = await executeRemoval(deps.service, plan, options);
  for (const outcome of outcomes) if (outcome.removed) deps.panels.get(outcome.path)?.dispose();
  return outcomes;
}

/** With `repoPath`, every path is looked for in that repository (a missing folder cannot say which). */
async function requestsFor(deps: ApiDeps, paths: readonly string[], repoPath: string | undefined): Promise<RemovalRequest[]> {
  if (repoPath === undefined) return removalRequests(deps.model, paths);
  const found = await requireRepository(deps.service, requireString(repoPath, 'repoPath'));
  return paths.map((worktreePath) => ({ path: worktreePath, commonDir: found.commonDir }));
}

/** By default, git refusing to remove a worktree is a failure of the call, not a quiet `removed: false`. */
/** The first workspace folder: where an API call without `repoPath` looks. */
function defaultRepoPath(): string {
  const folder = openFolders()[0];
  if (!folder) throw new WorktreeOperationError('invalid', 'No folder is open: pass repoPath.');
  return folder;
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '')
    throw new WorktreeOperationError('invalid', `${name} must be a non-empty string.`);
  return value;
}

/** Rejections carry only the documented codes. */
function documented<A extends unknown[], R>(method: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await method(...args);
    } catch (error) {
      throw asOperationError(error);
    }
  };
}
