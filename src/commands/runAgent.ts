import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { WorktreeOperationError, writeAgentMetadata } from '../agents';
import { readSettings } from '../settings';
import type { AgentCommandDeps } from './agentCommands';
import { withAgentHooks } from './agentHooks';
import { AGENT_PRESETS, installPageOf, programFound, programOf } from './agentProgram';
import { findShownWorktree } from './commandArguments';

const TASK_VARIABLE = 'AGENT_WORKTREES_TASK';
const TASK_FILE_VARIABLE = 'AGENT_WORKTREES_TASK_FILE';
const LAST_AGENT_KEY = 'agentWorktrees.lastAgentCommand';
/** The first port of the worktree's block (`PORT` too). */
const PORT_VARIABLE = 'AGENT_WORKTREES_PORT';

export interface RunAgentOptions {
  readonly agentCommand?: string;
  readonly setupCommand?: string;
  /** From the API or an argument object: never ask, refuse instead. */
  readonly noPrompt?: boolean;
  /** Start another agent where one is running (its terminal stays). */
  readonly another?: boolean;
  /** The caller checked the program already (New Agent Attempts checks each agent once, before creating). */
  readonly skipProgramCheck?: boolean;
}

/**
 * Runs the agent in the worktree's agent terminal (one per worktree: reused when its agent has
 * ended, shown — and asked about — while one runs), after checking its program can be found.
 * The task reaches the agent as an environment variable and a file; its text is never part of
 * the command line the shell parses.
 */
export async function runAgent(
  deps: AgentCommandDeps,
  worktreePath: string,
  options: RunAgentOptions,
): Promise<vscode.Terminal | undefined> {
  const found = await findShownWorktree(deps.model, worktreePath);
  const name = path.basename(worktreePath);
  const running = deps.agents.isRunning(worktreePath) ? deps.agents.terminalOf(worktreePath) : undefined;
  if (running && !options.another && !(await startAnother(running, name, options))) return running;
  const settings = readSettings();
  const agentCommand =
    options.agentCommand ?? (settings.agentCommand || (options.noPrompt ? undefined : await pickAgentCommand(deps.state)));
  if (!agentCommand && options.noPrompt) {
    throw new WorktreeOperationError('invalid', 'No agent command: pass agentCommand or set "agentWorktrees.agentCommand".');
  }
  if (!agentCommand || !(options.skipProgramCheck || (await programCanStart(agentCommand, options)))) return undefined;
  const task = found.worktree.agent?.task;
  const env: Record<string, string> = {};
  if (task) {
    env[TASK_VARIABLE] = task;
    if (found.worktree.gitDir) {
      // In git's admin dir for this worktree: the agent can read it, git status never shows it.
      const taskFile = path.join(found.worktree.gitDir, 'agent-task.md');
      await writeFile(taskFile, `${task}\n`);
      env[TASK_FILE_VARIABLE] = taskFile;
    }
  }
  const ports = found.worktree.agent?.ports;
  if (ports) {
    // Its own ports: a dev server the agent starts does not collide with another agent's.
    env[PORT_VARIABLE] = String(ports.first);
    env.PORT = String(ports.first);
  }
  if (found.worktree.agent && found.worktree.gitDir && found.worktree.agent.agentCommand !== agentCommand) {
    await writeAgentMetadata(found.worktree.gitDir, { ...found.worktree.agent, agentCommand });
  }
  const setup = options.setupCommand ?? settings.setupCommand;
  // The agent's own hooks, when turned on: "waiting" becomes exact (see agentHooks.ts).
  const program = programOf(agentCommand);
  const plain = withTaskArgument(agentCommand, task !== undefined);
  const hooked =
    settings.agentHooks && program && found.worktree.gitDir
      ? await withAgentHooks(plain, program, found.worktree.gitDir)
      : { launch: plain, env: {}, declares: undefined };
  const { launch, declares } = hooked;
  Object.assign(env, hooked.env);
  const commandLine = setup ? `${setup} && ${launch}` : launch;
  // A second agent gets a terminal of its own; otherwise the worktree's terminal is reused.
  const terminal = running
    ? await deps.agents.launchSeparate(worktreePath, { name, env, commandLine, declares })
    : await deps.agents.launch(worktreePath, { name, env, commandLine, declares });
  deps.logger.info(`Started "${launch}" in ${worktreePath}`);
  return terminal;
}

/** An agent runs there already: shown; a second one only when the user says so (never from the API). */
async function startAnother(terminal: vscode.Terminal, name: string, options: RunAgentOptions): Promise<boolean> {
  terminal.show();
  if (options.noPrompt) {
    throw new WorktreeOperationError(
      'needs-confirmation',
      `An agent is already running in the terminal of ${name}. Pass another: true to start a second one there.`,
    );
  }
  const choice = await vscode.window.showInformationMessage(
    `An agent is already running in the terminal of ${name}.`,
    'Start Another Agent',
  );
  return choice === 'Start Another Agent';
}

/**
 * Whether the agent's program is there to start, in the terminal's environment. When it is not:
 * said with the agent's install page (never a `command not found` in a terminal); the user may run
 * it anyway (a shell alias or function is not on PATH). From the API: refused.
 */
export async function programCanStart(agentCommand: string, options: RunAgentOptions): Promise<boolean> {
  const program = programOf(agentCommand);
  if (!program || (await programFound(program, terminalEnvironment()))) return true;
  const page = installPageOf(program);
  const message = `"${program}" was not found on PATH, so the agent cannot start.${page ? ' Is it installed?' : ''}`;
  if (options.noPrompt) throw new WorktreeOperationError('invalid', `${message}${page ? ` Install it: ${page}` : ''}`);
  const install = page ? 'Open Install Page' : undefined;
  const choice = await vscode.window.showWarningMessage(message, ...(install ? [install] : []), 'Run Anyway');
  if (install && choice === install && page) await vscode.env.openExternal(vscode.Uri.parse(page));
  return choice === 'Run Anyway';
}

/** The environment a new terminal gets: the editor's, with `terminal.integrated.env.<platform>` applied. */
function terminalEnvironment(): NodeJS.ProcessEnv {
  const platform = process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'osx' : 'linux';
  const changes = vscode.workspace.getConfiguration('terminal.integrated.env').get<Record<string, string | null>>(platform) ?? {};
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete env[name];
    else if (typeof value === 'string')
      env[name] = value.replace(/\$\{env:([^}]+)\}/g, (_, variable: string) => process.env[variable] ?? '');
  }
  return env;
}

/** For presets that accept a prompt: pass the task by variable reference, never by value. */
function withTaskArgument(command: string, hasTask: boolean): string {
  const preset = AGENT_PRESETS.find((candidate) => candidate.command === command);
  if (!hasTask || !preset?.takesPrompt) return command;
  const reference = process.platform === 'win32' ? `$env:${TASK_VARIABLE}` : `"$${TASK_VARIABLE}"`;
  return `${command} ${reference}`;
}

/** Which agent: a preset or a command line of the user's (remembered). */
async function pickAgentCommand(state: vscode.Memento): Promise<string | undefined> {
  const last = state.get<string>(LAST_AGENT_KEY);
  const items: Array<vscode.QuickPickItem & { command?: string }> = [
    ...AGENT_PRESETS.map((preset) => ({
      label: preset.label,
      description: preset.command,
      command: preset.command,
      picked: preset.command === last,
    })),
    { label: 'Custom command…', description: 'type any command line' },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Run Agent in Worktree',
    placeHolder: 'Which agent? (set "agentWorktrees.agentCommand" to skip this question)',
  });
  if (!picked) return undefined;
  const command =
    picked.command ??
    (
      await vscode.window.showInputBox({ title: 'Agent command', prompt: 'Command line to start the agent', value: last ?? '' })
    )?.trim();
  if (command) await state.update(LAST_AGENT_KEY, command);
  return command || undefined;
}
