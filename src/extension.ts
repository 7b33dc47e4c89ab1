import * as vscode from 'vscode';
import { GitService } from './agents';
import type { AgentWorktreesApi } from './api';
import { registerAgentCommands } from './commands/agentCommands';
import { confirmAndRemove, maybeNotifyStale, registerRemoveCommands } from './commands/removeCommands';
import { afterKeep, registerReviewCommands } from './commands/reviewCommands';
import { registerWorktreeCommands } from './commands/worktreeCommands';
import { GitRunner, type Logger } from './git';
import { createApi } from './publicApi';
import { AutoRefresh } from './views/autoRefresh';
import { WorktreeDecorationProvider } from './views/decorations';
import { hasUnkeptWork } from './views/presentation';
import { WorktreesModel } from './views/worktreesModel';
import { WorktreesTreeProvider } from './views/worktreesTree';
import { GIT_CONTENT_SCHEME, GitContentProvider } from './webview/gitContentProvider';
import { REVIEW_VIEW_TYPE, ReviewPanels } from './webview/reviewPanel';

const VIEW_ID = 'agentWorktrees.worktrees';

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
  const treeDataProvider = new WorktreesTreeProvider(model, service);
  const treeView = vscode.window.createTreeView(VIEW_ID, { treeDataProvider, showCollapseAll: true, canSelectMany: true });
  const commandDeps = { service, model, logger, showLog, state: context.globalState };
  const reviewDeps = { ...commandDeps, panels: () => panels };
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
    afterKeep: (worktreePath, summary) => afterKeep(reviewDeps, worktreePath, summary),
    onDidChangeWorktrees: model.onDidChange,
  });
  // The view's badge: agent worktrees that look like they have work not yet kept.
  const updateBadge = () => {
    const count = model.allWorktrees().filter(hasUnkeptWork).length;
    treeView.badge =
      count > 0
        ? { value: count, tooltip: `${count} agent worktree${count === 1 ? '' : 's'} with changes to review` }
        : undefined;
  };
  context.subscriptions.push(
    channel,
    model,
    treeDataProvider,
    treeView,
    vscode.window.registerFileDecorationProvider(new WorktreeDecorationProvider(model)),
    ...registerWorktreeCommands({ model, logger, showLog }),
    ...registerAgentCommands(commandDeps),
    ...registerRemoveCommands(commandDeps),
    ...registerReviewCommands(reviewDeps),
    panels,
    model.onDidChange(updateBadge),
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

  let autoRefresh: AutoRefresh | undefined;
  const applyAutoRefreshSetting = () => {
    const enabled = vscode.workspace.getConfiguration('agentWorktrees').get<boolean>('autoRefresh', true);
    if (enabled && !autoRefresh) autoRefresh = new AutoRefresh(model, logger);
    if (!enabled && autoRefresh) {
      autoRefresh.dispose();
      autoRefresh = undefined;
    }
  };
  context.subscriptions.push({ dispose: () => autoRefresh?.dispose() });

  const refresh = () => model.refreshAll().catch((error: unknown) => logger.error(`Refresh failed: ${(error as Error).message}`));

  // Restricted Mode: no git at all until the user trusts the folder.
  const start = () => {
    runner.setEnabled(true);
    model.setTrusted();
    applyAutoRefreshSetting();
    void refresh().then(() =>
      maybeNotifyStale(commandDeps).catch((error: unknown) => logger.warn(`Stale check failed: ${(error as Error).message}`)),
    );
    context.subscriptions.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => void refresh()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('git.path')) {
          runner.setGitPath(configuredGitPath());
          void refresh();
        }
        if (event.affectsConfiguration('agentWorktrees.autoRefresh')) applyAutoRefreshSetting();
      }),
    );
  };
  if (vscode.workspace.isTrusted) start();
  else {
    model.setUntrusted();
    context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(start));
  }

  return createApi({ ...commandDeps, treeDataProvider, panels });
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
