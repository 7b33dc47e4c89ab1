import * as vscode from 'vscode';
import type { AgentWorktreesApi } from './api';
import { createWithSettings, registerAgentCommands } from './commands/agentCommands';
import { maybeNotifyStale, openFolders, registerRemoveCommands, removalRequests } from './commands/removeCommands';
import { registerWorktreeCommands } from './commands/worktreeCommands';
import { executeRemoval, GitRunner, GitService, type Logger, planRemoval } from './git';
import { AutoRefresh } from './views/autoRefresh';
import { WorktreeDecorationProvider } from './views/decorations';
import { WorktreesModel } from './views/worktreesModel';
import { WorktreesTreeProvider } from './views/worktreesTree';

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
  context.subscriptions.push(
    channel,
    model,
    treeDataProvider,
    treeView,
    vscode.window.registerFileDecorationProvider(new WorktreeDecorationProvider(model)),
    ...registerWorktreeCommands({ model, logger, showLog }),
    ...registerAgentCommands(commandDeps),
    ...registerRemoveCommands(commandDeps),
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

  return {
    version: 1,
    onDidChangeWorktrees: model.onDidChange,
    async listWorktrees(repoPath) {
      if (model.state === 'untrusted') return [];
      await model.refreshAll();
      if (repoPath === undefined) return model.allWorktrees();
      const found = await service.discover(repoPath);
      if (found.kind !== 'worktree' && found.kind !== 'bare') return [];
      const snapshot = await service.readRepository({ commonDir: found.commonDir });
      return [...snapshot.worktrees];
    },
    createAgentWorktree: (request) =>
      createWithSettings(commandDeps, { ...request, repoPath: request.repoPath ?? openFolders()[0] }),
    async removeWorktrees(paths, request = {}) {
      const options = { ...request, protectedPaths: openFolders() };
      const plan = await planRemoval(service, removalRequests(model, paths), options);
      const outcomes = await executeRemoval(service, plan, options);
      for (const commonDir of new Set(plan.targets.map((target) => target.commonDir))) await model.refreshRepository(commonDir);
      return outcomes;
    },
    testing: { service, model, treeDataProvider },
  };
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
