import * as path from 'node:path';
import * as vscode from 'vscode';
import { GitService, hasUnkeptWork } from './agents';
import type { AgentWorktreesApi } from './api';
import { registerAgentCommands } from './commands/agentCommands';
import { registerAttemptCommands } from './commands/attemptCommands';
import { registerCompareCommands } from './commands/compareCommands';
import { afterKeep, registerKeepHistoryCommands, undoWithConsent } from './commands/keepHistoryCommands';
import { cherryPickWithConsent, describePick, registerLandCommands } from './commands/landCommands';
import { confirmAndRemove, maybeNotifyStale, type RemoveCommandDeps, registerRemoveCommands } from './commands/removeCommands';
import { registerReviewCommands } from './commands/reviewCommands';
import { registerTrashCommands } from './commands/trashCommands';
import { registerUpdateBaseCommand } from './commands/updateBaseCommand';
import { registerWorktreeCommands } from './commands/worktreeCommands';
import { GitRunner, type Logger, samePath } from './git';
import { registerMcpServer } from './mcpDefinition';
import { createApi } from './publicApi';
import { AgentChangeDecorationProvider } from './views/agentFiles';
import { showAgentNotices } from './views/agentNotices';
import { AgentSessions } from './views/agentSessions';
import { AutoRefresh } from './views/autoRefresh';
import { WorktreeDecorationProvider } from './views/decorations';
import { WorktreesModel } from './views/worktreesModel';
import { WorktreesTreeProvider } from './views/worktreesTree';
import { GIT_CONTENT_SCHEME, GitContentProvider } from './webview/gitContentProvider';
import { REVIEW_VIEW_TYPE, ReviewPanels } from './webview/reviewPanel';

const VIEW_ID = 'agentWorktrees.worktrees';
/** The activity bar container's title (package.json). */
const CONTAINER_TITLE = 'Agent Worktrees';

/** Wiring only: logger → runner → service → model → view, commands, watchers. */
export function activate(context: vscode.ExtensionContext): AgentWorktreesApi {
  const channel = vscode.window.createOutputChannel('Agent Worktrees', { log: true });
  const logger: Logger = channel;
  const showLog = () => channel.show(true);
  const runner = new GitRunner({ gitPath: configuredGitPath(), logger, enabled: vscode.workspace.isTrusted });
  const service = new GitService(runner);
  const model = new WorktreesModel(service, logger, () =>
    (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath),
  );
  const agents = new AgentSessions(
    logger,
    agentQuietMs,
    (folder) => {
      const found = model.findWorktree(folder);
      return found?.snapshot.worktree.agent && samePath(found.snapshot.worktree.path, folder)
        ? found.snapshot.worktree.path
        : undefined;
    },
    (name) => {
      const named = model
        .allWorktrees()
        .filter(({ worktree }) => worktree.agent && !worktree.gone && path.basename(worktree.path) === name);
      return named.length === 1 ? named[0]?.worktree.path : undefined;
    },
  );
  // Agent terminals restored after a reload are recognised once the view knows the worktrees.
  // Agents of removed worktrees are let go first, so a terminal closing with its folder is not adopted again.
  context.subscriptions.push(
    model.onDidChange(() => {
      agents.forgetRemoved();
      agents.adoptAll();
    }),
  );
  const commandDeps = { service, model, logger, showLog, state: context.globalState, agents };
  context.subscriptions.push(channel, model, agents);
  const treeDataProvider = createView(context, model, service, agents);
  const agentNotices: string[] = [];
  context.subscriptions.push(
    showAgentNotices(agents, VIEW_ID, agentNotices, (worktreePath) => {
      const found = model.findAttempt(worktreePath)?.attempts;
      return found && { task: found.task, members: found.members.map(({ worktree }) => worktree.path) };
    }),
  );
  const panels = createReviewPanels(context, commandDeps);
  const compare = registerCompareCommands(context, commandDeps);
  context.subscriptions.push(
    ...registerWorktreeCommands({ model, logger, showLog }),
    ...registerAgentCommands(commandDeps),
    ...registerAttemptCommands(commandDeps),
    ...registerRemoveCommands(commandDeps),
    ...registerTrashCommands(commandDeps),
    ...registerReviewCommands({ ...commandDeps, panels: () => panels }),
    ...registerKeepHistoryCommands(commandDeps),
    ...registerLandCommands(commandDeps),
    registerUpdateBaseCommand(commandDeps),
  );
  // Restricted Mode: no git at all until the user trusts the folder (the MCP server runs git too).
  let mcp: 'registered' | 'unavailable' | 'untrusted' = 'untrusted';
  const start = () => {
    startGit(context, { runner, model, logger, commandDeps });
    mcp = registerMcpServer(context);
  };
  if (vscode.workspace.isTrusted) start();
  else {
    model.setUntrusted();
    context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(start));
  }
  return createApi({ ...commandDeps, agentNotices, treeDataProvider, panels, compare, mcpServer: () => mcp });
}

/** The Worktrees view, its badge (agent worktrees with work not yet kept) and its file decorations. */
function createView(
  context: vscode.ExtensionContext,
  model: WorktreesModel,
  service: GitService,
  agents: AgentSessions,
): WorktreesTreeProvider {
  const treeDataProvider = new WorktreesTreeProvider(model, service, agents);
  const treeView = vscode.window.createTreeView(VIEW_ID, { treeDataProvider, showCollapseAll: true, canSelectMany: true });
  // Alone in its container, the view's title would read "Agent Worktrees: Worktrees", cut at the
  // default sidebar width once the toolbar shows; titled like its container it reads once, in full.
  treeView.title = CONTAINER_TITLE;
  const updateBadge = () => {
    const count = model.allWorktrees().filter(hasUnkeptWork).length;
    treeView.badge =
      count > 0
        ? { value: count, tooltip: `${count} agent worktree${count === 1 ? '' : 's'} with changes to review` }
        : undefined;
  };
  context.subscriptions.push(
    treeDataProvider,
    treeView,
    model.onDidChange(updateBadge),
    vscode.window.registerFileDecorationProvider(new WorktreeDecorationProvider(model)),
    vscode.window.registerFileDecorationProvider(new AgentChangeDecorationProvider()),
  );
  return treeDataProvider;
}

/** Review panels (restored after a reload), and the read-only documents their diffs open. */
function createReviewPanels(context: vscode.ExtensionContext, commandDeps: RemoveCommandDeps): ReviewPanels {
  const { service, logger, model } = commandDeps;
  const panels: ReviewPanels = new ReviewPanels({
    service,
    logger,
    extensionUri: context.extensionUri,
    state: context.globalState,
    workspaceState: context.workspaceState,
    // The panel reports the outcome itself: no toasts from the removal flow.
    discard: async (worktreePath) =>
      ((await confirmAndRemove(commandDeps, [worktreePath], true, { report: 'caller' })) ?? []).some(
        (outcome) => outcome.removed,
      ),
    afterKeep: (worktreePath, result, summary) =>
      afterKeep({ ...commandDeps, closePanel: (closed) => panels.get(closed)?.dispose() }, worktreePath, result, summary),
    undoKeep: (repoPath, id) => undoWithConsent(commandDeps, repoPath, id),
    cherryPick: async (worktreePath, target, targetBranch) => {
      const result = await cherryPickWithConsent(commandDeps.service, worktreePath, target);
      return result ? describePick(result, targetBranch) : 'Nothing was picked.';
    },
    onDidChangeWorktrees: model.onDidChange,
  });
  context.subscriptions.push(
    panels,
    vscode.workspace.registerTextDocumentContentProvider(
      GIT_CONTENT_SCHEME,
      new GitContentProvider({
        service,
        logger,
        knownWorktrees: () => [...model.allWorktrees().map(({ worktree }) => worktree.path), ...panels.worktreePaths()],
      }),
    ),
    vscode.window.registerWebviewPanelSerializer(REVIEW_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => panels.restore(panel, state),
    }),
  );
  return panels;
}

/** Once the workspace is trusted: git on, first read, the stale notice, and the settings that matter. */
function startGit(
  context: vscode.ExtensionContext,
  {
    runner,
    model,
    logger,
    commandDeps,
  }: { runner: GitRunner; model: WorktreesModel; logger: Logger; commandDeps: RemoveCommandDeps & { agents: AgentSessions } },
): void {
  let autoRefresh: AutoRefresh | undefined;
  const applyAutoRefreshSetting = () => {
    const enabled = vscode.workspace.getConfiguration('agentWorktrees').get<boolean>('autoRefresh', true);
    if (enabled && !autoRefresh)
      autoRefresh = new AutoRefresh(model, logger, (worktreePath) => commandDeps.agents.fileChanged(worktreePath));
    if (!enabled && autoRefresh) {
      autoRefresh.dispose();
      autoRefresh = undefined;
    }
  };
  const refresh = () => model.refreshAll().catch((error: unknown) => logger.error(`Refresh failed: ${(error as Error).message}`));
  runner.setEnabled(true);
  model.setTrusted();
  applyAutoRefreshSetting();
  void refresh().then(() =>
    maybeNotifyStale(commandDeps).catch((error: unknown) => logger.warn(`Stale check failed: ${(error as Error).message}`)),
  );
  context.subscriptions.push(
    { dispose: () => autoRefresh?.dispose() },
    vscode.workspace.onDidChangeWorkspaceFolders(() => void refresh()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('git.path')) {
        runner.setGitPath(configuredGitPath());
        void refresh();
      }
      if (event.affectsConfiguration('agentWorktrees.autoRefresh')) applyAutoRefreshSetting();
    }),
  );
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}

/** Honour VS Code's own `git.path` (a string or a list of candidates) so both use the same git. */
function configuredGitPath(): string {
  const configured = vscode.workspace.getConfiguration('git').get<string | string[] | null>('path');
  const candidates = Array.isArray(configured) ? configured : configured ? [configured] : [];
  return candidates.find((candidate) => typeof candidate === 'string' && candidate.trim() !== '') ?? 'git';
}

/** How long an agent may be silent (no output, no file change) before it shows as waiting for you. */
function agentQuietMs(): number {
  const seconds = vscode.workspace.getConfiguration('agentWorktrees').get<number>('agentQuietSeconds', 30);
  return Math.min(3600, Math.max(5, Number.isFinite(seconds) ? seconds : 30)) * 1000;
}
