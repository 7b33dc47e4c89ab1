import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  type CreateAgentWorktreeOptions,
  type CreatedAgentWorktree,
  createAgentWorktree,
  type GitService,
  slugify,
  WorktreeOperationError,
} from '../agents';
import type { Logger } from '../git';
import { readSettings } from '../settings';
import type { AgentSessions } from '../views/agentSessions';
import type { WorktreesModel } from '../views/worktreesModel';
import {
  type CommandArgument,
  CreateArguments,
  classifyArgument,
  parseArguments,
  RunArguments,
  resolveWorktree,
} from './commandArguments';
import { registerCommand, UserError } from './commandRunner';
import { runAgent } from './runAgent';

export interface AgentCommandDeps {
  readonly service: GitService;
  readonly model: WorktreesModel;
  readonly logger: Logger;
  readonly showLog: () => void;
  readonly state: vscode.Memento;
  /** Each agent worktree's agent terminal, and what its agent is doing. */
  readonly agents: AgentSessions;
}

/** Argument object every create entry point accepts (palette, tree, API, other extensions). */
export type CreateArgs = Partial<Omit<CreateAgentWorktreeOptions, 'now'>>;

export function registerAgentCommands(deps: AgentCommandDeps): vscode.Disposable[] {
  return [
    registerCommand('agentWorktrees.newAgentWorktree', (arg?: unknown) => newAgentWorktreeCommand(deps, arg), deps),
    registerCommand('agentWorktrees.runAgent', (arg?: unknown) => runAgentCommand(deps, arg), deps),
  ];
}

/**
 * Task → create (with progress) → "Run Agent Here / Open in New Window". Given an argument object
 * (from the API or another extension) it runs without any prompt and returns the result.
 */
async function newAgentWorktreeCommand(deps: AgentCommandDeps, arg: unknown): Promise<CreatedAgentWorktree | undefined> {
  const argument = classifyArgument(arg);
  if (argument.kind === 'object') {
    const args = parseArguments(CreateArguments, argument.value, 'New Agent Worktree');
    return createWithSettings(deps, { ...args, repoPath: args.repoPath ?? invokingFolder(deps.model, { kind: 'none' }) });
  }
  const repoPath = invokingFolder(deps.model, argument) ?? (await pickRepository(deps.model));
  if (!repoPath) return undefined;
  const task = await vscode.window.showInputBox({
    title: 'New Agent Worktree',
    prompt: 'What should the agent do? It names the worktree and reaches the agent. Leave empty for a generated name.',
    placeHolder: 'e.g. Fix the rounding of tax totals',
    validateInput: (value) => {
      const slug = slugify(value);
      return value.trim() && slug
        ? { message: `Worktree and branch: ${slug}`, severity: vscode.InputBoxValidationSeverity.Info }
        : undefined;
    },
  });
  if (task === undefined) return undefined; // Escape: nothing happens
  const includeUncommitted = await askIncludeUncommitted(deps.model, repoPath);
  if (includeUncommitted === undefined) return undefined;
  const created = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Creating agent worktree…' },
    () => createWithSettings(deps, { repoPath, task: task.trim() || undefined, includeUncommitted }),
  );
  const choice = await vscode.window.showInformationMessage(
    `Agent worktree "${created.slug}" is ready on branch ${created.branch}.`,
    'Run Agent Here',
    'Open in New Window',
  );
  if (choice === 'Run Agent Here') await runAgent(deps, created.path, {});
  if (choice === 'Open in New Window') {
    await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(created.path), { forceNewWindow: true });
  }
  return created;
}

/** Only when the invoking worktree has uncommitted changes: start clean, or bring them along? */
export async function askIncludeUncommitted(
  model: WorktreesModel,
  repoPath: string,
  command = 'New Agent Worktree',
): Promise<boolean | undefined> {
  const status = model.allWorktrees().find(({ worktree }) => worktree.path === repoPath)?.status;
  if (!status?.dirty) return false;
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'Start from the last commit', description: 'your uncommitted changes stay only here', include: false },
      {
        label: 'Bring my uncommitted changes along',
        description: 'staged, unstaged and untracked; this worktree is not changed',
        include: true,
      },
    ],
    { title: `${command}: this worktree has uncommitted changes`, ignoreFocusOut: true },
  );
  return picked?.include;
}

export async function createWithSettings(deps: AgentCommandDeps, args: CreateArgs): Promise<CreatedAgentWorktree> {
  if (!args.repoPath) throw new WorktreeOperationError('invalid', 'No repository: open a folder in a git repository first.');
  const settings = readSettings();
  const created = await createAgentWorktree(deps.service, {
    branchPrefix: settings.branchPrefix,
    location: settings.location,
    copyIncludes: settings.copyIncludes,
    ports: settings.ports,
    ...args,
    repoPath: args.repoPath,
  });
  deps.logger.info(`Created agent worktree ${created.path} on ${created.branch} from ${created.metadata.baseCommit}`);
  return created;
}

/**
 * The worktree to branch from: the clicked row (or a folder given by path or Uri), else the active
 * editor's folder, else the only folder; undefined → the user picks.
 */
export function invokingFolder(model: WorktreesModel, argument: CommandArgument): string | undefined {
  if (argument.kind === 'path') return argument.path;
  if (argument.kind === 'row') {
    const { worktree } = argument.row.snapshot;
    if (worktree.gone || worktree.bare) throw new UserError(`The worktree ${worktree.path} has no folder to branch from.`);
    return worktree.path;
  }
  if (argument.kind === 'repository') {
    return argument.row.repository.snapshot?.worktrees.find(({ worktree }) => !worktree.bare && !worktree.gone)?.worktree.path;
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  const activeFolder = active ? vscode.workspace.getWorkspaceFolder(active) : undefined;
  if (activeFolder?.uri.scheme === 'file') return activeFolder.uri.fsPath;
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file');
  return folders.length === 1 ? folders[0]?.uri.fsPath : model.repositories().length === 1 ? firstWorktree(model) : undefined;
}

function firstWorktree(model: WorktreesModel): string | undefined {
  return model.allWorktrees().find(({ worktree }) => !worktree.bare && !worktree.gone)?.worktree.path;
}

export async function pickRepository(model: WorktreesModel): Promise<string | undefined> {
  const choices = model.allWorktrees().filter(({ worktree }) => !worktree.bare && !worktree.gone);
  if (choices.length === 0) throw new UserError('Open a folder in a git repository to create agent worktrees.');
  const picked = await vscode.window.showQuickPick(
    choices.map((snapshot) => ({
      label: path.basename(snapshot.worktree.path),
      description: snapshot.status?.branch ?? snapshot.worktree.branch ?? 'detached',
      detail: snapshot.worktree.path,
      snapshot,
    })),
    { title: 'New Agent Worktree: branch from which worktree?' },
  );
  return picked?.snapshot.worktree.path;
}

async function runAgentCommand(deps: AgentCommandDeps, arg: unknown): Promise<vscode.Terminal | undefined> {
  // With an argument object it never prompts (API-style); from the view it may ask which agent.
  const argument = classifyArgument(arg);
  const options = argument.kind === 'object' ? parseArguments(RunArguments, argument.value, 'Run Agent in Worktree') : undefined;
  const target = await resolveWorktree(deps.model, options ? options.worktreePath : arg, {
    title: 'Run Agent in Worktree',
    needsFolder: true,
  });
  if (!target) return undefined;
  return runAgent(deps, target.worktree.path, options ? { ...options, noPrompt: true } : {});
}
