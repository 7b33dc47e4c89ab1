import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Logger } from '../git';
import type { WorktreesModel } from '../views/worktreesModel';
import { resolveWorktree } from './commandArguments';
import { registerCommand, UserError } from './commandRunner';

export interface WorktreeCommandDeps {
  readonly model: WorktreesModel;
  readonly logger: Logger;
  readonly showLog: () => void;
}

/** Open / terminal / reveal / copy for one worktree; from a tree row, or a quick pick from the palette. */
export function registerWorktreeCommands(deps: WorktreeCommandDeps): vscode.Disposable[] {
  const { model } = deps;
  const withFolder =
    (title: string, action: (worktreePath: string) => Thenable<unknown> | Promise<unknown>) => async (arg?: unknown) => {
      const target = await resolveWorktree(model, arg, { title, needsFolder: true });
      if (target) await action(target.worktree.path);
    };

  const commands: Array<[string, (...args: unknown[]) => unknown]> = [
    ['agentWorktrees.refresh', () => model.refreshAll()],
    ['agentWorktrees.showLog', () => deps.showLog()],
    [
      'agentWorktrees.openInNewWindow',
      withFolder('Open Worktree in New Window', (folder) =>
        vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(folder), { forceNewWindow: true }),
      ),
    ],
    [
      'agentWorktrees.openInThisWindow',
      withFolder('Open Worktree in This Window', (folder) =>
        vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(folder), { forceReuseWindow: true }),
      ),
    ],
    [
      'agentWorktrees.openTerminal',
      withFolder('Open Terminal in Worktree', async (folder) => {
        const terminal = vscode.window.createTerminal({ name: path.basename(folder), cwd: folder });
        terminal.show();
      }),
    ],
    ['agentWorktrees.revealInFileManager', withFolder('Reveal Worktree in File Manager', revealInFileManager)],
    [
      'agentWorktrees.copyPath',
      async (arg?: unknown) => {
        const target = await resolveWorktree(model, arg, { title: 'Copy Worktree Path', needsFolder: false });
        if (!target) return;
        await vscode.env.clipboard.writeText(target.worktree.path);
        vscode.window.setStatusBarMessage(`Copied ${target.worktree.path}`, 3000);
      },
    ],
  ];
  return commands.map(([id, handler]) => registerCommand(id, handler, deps));
}

/**
 * `revealFileInOS` exists only where VS Code runs on the same machine as the files; in a remote
 * or browser window fall back to the Explorer, and say so rather than doing nothing.
 */
async function revealInFileManager(folder: string): Promise<void> {
  const uri = vscode.Uri.file(folder);
  const available = await vscode.commands.getCommands(true);
  if (vscode.env.remoteName === undefined && available.includes('revealFileInOS')) {
    await vscode.commands.executeCommand('revealFileInOS', uri);
    return;
  }
  if (vscode.workspace.getWorkspaceFolder(uri)) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return;
  }
  throw new UserError(`This window cannot open your system's file manager. The worktree is at ${folder}`);
}
