import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WorktreeSnapshot } from '../agents';
import type { Logger } from '../git';
import { changeSentence } from '../views/presentation';
import type { WorktreesModel } from '../views/worktreesModel';
import type { WorktreesNode } from '../views/worktreesTree';
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
      const target = await resolveWorktree(model, arg, title, { needsFolder: true });
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
        const target = await resolveWorktree(model, arg, 'Copy Worktree Path', { needsFolder: false });
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

/** The worktree a command acts on: the clicked row, a path or Uri, or one the user picks. */
export async function resolveWorktree(
  model: WorktreesModel,
  arg: unknown,
  title: string,
  options: { needsFolder: boolean },
): Promise<WorktreeSnapshot | undefined> {
  let snapshot: WorktreeSnapshot | undefined;
  if (isWorktreeNode(arg)) snapshot = arg.snapshot;
  else if (arg instanceof vscode.Uri || typeof arg === 'string') {
    const fsPath = arg instanceof vscode.Uri ? arg.fsPath : arg;
    snapshot = model.findWorktree(fsPath)?.snapshot;
    if (!snapshot) throw new UserError(`Not a worktree shown in Agent Worktrees: ${fsPath}`);
  } else {
    snapshot = await pickWorktree(model, title, options.needsFolder);
    if (!snapshot) return undefined; // the user dismissed the picker
  }
  if (options.needsFolder && (snapshot.worktree.gone || snapshot.worktree.bare)) {
    const why = snapshot.worktree.bare ? 'is a bare repository and has no working folder' : 'has no folder on disk any more';
    throw new UserError(`The worktree ${snapshot.worktree.path} ${why}.`);
  }
  return snapshot;
}

async function pickWorktree(model: WorktreesModel, title: string, needsFolder: boolean): Promise<WorktreeSnapshot | undefined> {
  const candidates = model.allWorktrees().filter(({ worktree }) => !needsFolder || (!worktree.gone && !worktree.bare));
  if (candidates.length === 0) throw new UserError('There is no worktree to choose from.');
  const picked = await vscode.window.showQuickPick(
    candidates.map((snapshot) => ({
      label: path.basename(snapshot.worktree.path),
      description: snapshot.status?.branch ?? snapshot.worktree.branch ?? 'detached',
      detail: `${snapshot.worktree.path}${snapshot.status ? ` · ${changeSentence(snapshot.status)}` : ''}`,
      snapshot,
    })),
    { title, placeHolder: 'Choose a worktree', matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.snapshot;
}

function isWorktreeNode(arg: unknown): arg is Extract<WorktreesNode, { type: 'worktree' }> {
  return typeof arg === 'object' && arg !== null && (arg as { type?: unknown }).type === 'worktree' && 'snapshot' in arg;
}
