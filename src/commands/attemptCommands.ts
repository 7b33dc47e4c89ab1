import * as v from 'valibot';
import * as vscode from 'vscode';
import { type AttemptSpec, type CreatedAttempts, createAttempts, MAX_ATTEMPTS, slugify, WorktreeOperationError } from '../agents';
import { readSettings } from '../settings';
import { type AgentCommandDeps, askIncludeUncommitted, invokingFolder, pickRepository } from './agentCommands';
import { AGENT_PRESETS } from './agentProgram';
import { classifyArgument, parseArguments } from './commandArguments';
import { registerCommand, UserError } from './commandRunner';
import { programCanStart, runAgent } from './runAgent';

const text = v.pipe(v.string(), v.minLength(1));
const attemptCount = v.pipe(v.number(), v.integer(), v.minValue(2), v.maxValue(MAX_ATTEMPTS));

/**
 * `newAgentAttempts`' argument object (API, other extensions): `agents` (one attempt each) or
 * `count` (each with `agentCommand`, else the setting). Never prompts.
 */
export const AttemptsArguments = v.pipe(
  v.strictObject({
    repoPath: v.optional(text),
    task: v.optional(v.string()),
    name: v.optional(v.string()),
    baseRef: v.optional(text),
    includeUncommitted: v.optional(v.boolean()),
    agents: v.optional(v.pipe(v.array(text), v.minLength(2), v.maxLength(MAX_ATTEMPTS))),
    count: v.optional(attemptCount),
    agentCommand: v.optional(text),
    /** Start each attempt's agent in its terminal (default true). */
    launch: v.optional(v.boolean()),
  }),
  v.check((args) => (args.agents === undefined) !== (args.count === undefined), 'give either agents or count'),
);
export type AttemptsArgs = v.InferOutput<typeof AttemptsArguments>;

export function registerAttemptCommands(deps: AgentCommandDeps): vscode.Disposable[] {
  return [registerCommand('agentWorktrees.newAgentAttempts', (arg?: unknown) => newAgentAttemptsCommand(deps, arg), deps)];
}

/** Task → which agents (several, or one N times) → create all from one base → launch each. */
async function newAgentAttemptsCommand(deps: AgentCommandDeps, arg: unknown): Promise<CreatedAttempts | undefined> {
  const argument = classifyArgument(arg);
  if (argument.kind === 'object') {
    const args = parseArguments(AttemptsArguments, argument.value, 'New Agent Attempts');
    return createAndLaunchAttempts(deps, { ...args, repoPath: args.repoPath ?? invokingFolder(deps.model, { kind: 'none' }) });
  }
  const repoPath = invokingFolder(deps.model, argument) ?? (await pickRepository(deps.model));
  if (!repoPath) return undefined;
  const task = await vscode.window.showInputBox({
    title: 'New Agent Attempts: the task',
    prompt: 'What should the agents do? Each attempt gets its own worktree from the same commit, and its own agent.',
    placeHolder: 'e.g. Make product search fast on large catalogues',
    ignoreFocusOut: true,
    validateInput: (value) => {
      const slug = slugify(value);
      return value.trim() && slug
        ? { message: `Worktrees and branches: ${slug}-1, ${slug}-2, …`, severity: vscode.InputBoxValidationSeverity.Info }
        : undefined;
    },
  });
  if (task === undefined) return undefined;
  const agents = await pickAttemptAgents();
  if (!agents) return undefined;
  const includeUncommitted = await askIncludeUncommitted(deps.model, repoPath, 'New Agent Attempts');
  if (includeUncommitted === undefined) return undefined;
  const created = await createAndLaunchAttempts(
    deps,
    { repoPath, task: task.trim() || undefined, agents, includeUncommitted },
    { interactive: true },
  );
  if (!created) return undefined;
  void vscode.window
    .showInformationMessage(
      `${created.attempts.length} attempts started, each in its own worktree and terminal. Compare them when they are done.`,
      'Compare Attempts',
    )
    .then((choice) => {
      if (choice) void vscode.commands.executeCommand('agentWorktrees.compareAttempts', { group: created.group, repoPath });
    });
  return created;
}

/**
 * Every agent's program is checked before anything is created (from the API: refused; from the
 * palette: the user may run it anyway), then the attempts are made and each agent started.
 */
export async function createAndLaunchAttempts(
  deps: AgentCommandDeps,
  args: Omit<AttemptsArgs, 'agents'> & { readonly agents?: readonly string[] },
  { interactive = false } = {},
): Promise<CreatedAttempts | undefined> {
  if (!args.repoPath) throw new WorktreeOperationError('invalid', 'No repository: open a folder in a git repository first.');
  const settings = readSettings();
  const attempts: AttemptSpec[] = args.agents
    ? args.agents.map((agentCommand) => ({ agentCommand }))
    : Array.from({ length: args.count ?? 0 }, () => ({ agentCommand: args.agentCommand || settings.agentCommand || undefined }));
  // Without any agent command (none given, none set) the attempts are made and not launched, as
  // createAgentWorktree makes one: Run Agent starts each later. Asked to launch, each needs one.
  const launch = args.launch ?? attempts.every((attempt) => attempt.agentCommand);
  if (launch) {
    if (attempts.some((attempt) => !attempt.agentCommand)) {
      throw new WorktreeOperationError(
        'invalid',
        'No agent command for the attempts: pass agents, or agentCommand, or set "agentWorktrees.agentCommand".',
      );
    }
    for (const command of new Set(attempts.map((attempt) => attempt.agentCommand as string))) {
      if (!(await programCanStart(command, { noPrompt: !interactive }))) return undefined;
    }
  }
  const create = () =>
    createAttempts(deps.service, {
      branchPrefix: settings.branchPrefix,
      location: settings.location,
      copyIncludes: settings.copyIncludes,
      ports: settings.ports,
      repoPath: args.repoPath as string,
      task: args.task,
      name: args.name,
      baseRef: args.baseRef,
      includeUncommitted: args.includeUncommitted,
      attempts,
    });
  const created = interactive
    ? await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Creating ${attempts.length} agent worktrees…` },
        create,
      )
    : await create();
  deps.logger.info(`Created ${created.attempts.length} attempts (group ${created.group}) from ${created.baseCommit}`);
  if (launch) await launchEach(deps, created);
  return created;
}

/** Every attempt's agent, each in its terminal; one that cannot start does not keep the others from starting. */
async function launchEach(deps: AgentCommandDeps, created: CreatedAttempts): Promise<void> {
  const failed: string[] = [];
  for (const attempt of created.attempts) {
    try {
      await runAgent(deps, attempt.path, { agentCommand: attempt.metadata.agentCommand, noPrompt: true, skipProgramCheck: true });
    } catch (error) {
      deps.logger.error(`Starting the agent in ${attempt.path} failed: ${(error as Error).message}`);
      failed.push(`${attempt.slug}: ${(error as Error).message}`);
    }
  }
  if (failed.length > 0) {
    void vscode.window.showWarningMessage(
      `The attempts were created, but ${failed.length} agent${failed.length === 1 ? '' : 's'} did not start (Run Agent starts ${failed.length === 1 ? 'it' : 'them'}): ${failed.join('; ')}`,
    );
  }
}

/** Several agents (one attempt each), or one agent and how many times. */
async function pickAttemptAgents(): Promise<string[] | undefined> {
  const configured = readSettings().agentCommand;
  const items: AgentItem[] = [
    ...(configured && !AGENT_PRESETS.some((preset) => preset.command === configured)
      ? [{ label: configured, description: 'agentWorktrees.agentCommand', command: configured }]
      : []),
    ...AGENT_PRESETS.map((preset) => ({ label: preset.label, description: preset.command, command: preset.command })),
    { label: 'Custom command…', description: 'type any command line' },
  ];
  const picked = await pickMany(items);
  if (!picked || picked.length === 0) return undefined;
  const commands: string[] = [];
  for (const item of picked) {
    const command =
      item.command ??
      (
        await vscode.window.showInputBox({
          title: 'New Agent Attempts: agent command',
          prompt: 'Command line to start the agent',
          ignoreFocusOut: true,
        })
      )?.trim();
    if (!command) return undefined;
    commands.push(command);
  }
  if (commands.length > MAX_ATTEMPTS) throw new UserError(`At most ${MAX_ATTEMPTS} attempts at once.`);
  if (commands.length >= 2) return commands;
  const times = await vscode.window.showInputBox({
    title: `New Agent Attempts: how many attempts with ${commands[0]}?`,
    prompt: `From 2 to ${MAX_ATTEMPTS}, each in its own worktree and terminal`,
    value: '3',
    ignoreFocusOut: true,
    validateInput: (value) => {
      const count = Number(value);
      return Number.isInteger(count) && count >= 2 && count <= MAX_ATTEMPTS
        ? undefined
        : `A whole number from 2 to ${MAX_ATTEMPTS}.`;
    },
  });
  return times === undefined ? undefined : Array.from({ length: Number(times) }, () => commands[0] as string);
}

type AgentItem = vscode.QuickPickItem & { command?: string };

/**
 * The agents, ticked; Enter with none ticked takes the highlighted one (as a single pick would),
 * rather than closing with nothing made.
 */
function pickMany(items: readonly AgentItem[]): Promise<readonly AgentItem[] | undefined> {
  const pick = vscode.window.createQuickPick<AgentItem>();
  pick.title = 'New Agent Attempts: which agents?';
  pick.placeholder = 'Tick several (one attempt each), or one to run it several times';
  pick.canSelectMany = true;
  pick.ignoreFocusOut = true;
  pick.items = items;
  return new Promise((resolve) => {
    let answer: readonly AgentItem[] | undefined;
    pick.onDidAccept(() => {
      const typed = pick.value.trim().toLowerCase();
      const matching = typed
        ? items.filter((item) => `${item.label} ${item.description ?? ''}`.toLowerCase().includes(typed))
        : [];
      const chosen =
        pick.selectedItems.length > 0
          ? pick.selectedItems
          : pick.activeItems.length > 0
            ? pick.activeItems.slice(0, 1)
            : matching.length === 1
              ? matching
              : [];
      if (chosen.length === 0) {
        // Nothing to go on: say how, and stay open (closing would throw the typed task away).
        pick.title = 'New Agent Attempts: which agents? Tick them with Space, or highlight one and press Enter';
        return;
      }
      answer = chosen;
      pick.hide();
    });
    pick.onDidHide(() => {
      pick.dispose();
      resolve(answer);
    });
    pick.show();
  });
}
