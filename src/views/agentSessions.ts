import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { comparablePath, type Logger } from '../git';
import { type AgentActivity, AgentActivityTracker, type AgentState } from './agentActivity';

/** What a launch needs: the terminal's name and environment, the command, and the agent's own state file (hooks). */
interface LaunchOptions {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly commandLine: string;
  /** The agent says what it does (its hooks write this file); `until`: how long a declaration holds. */
  readonly declares?: { readonly statusFile: string; readonly until: 'declaration' | 'output' };
}

/** Ends every agent terminal's name: how one is told from a user's own terminal in that folder after a reload. */
export const AGENT_TERMINAL_SUFFIX = ' · agent';

/** Set in every agent terminal's environment: how a terminal is known as a worktree's agent terminal, after a reload too. */
export const AGENT_WORKTREE_VARIABLE = 'AGENT_WORKTREES_PATH';
/** How long a new terminal gets to report shell integration before the command is typed into it instead. */
const SHELL_INTEGRATION_WAIT_MS = 3000;

/**
 * One agent terminal per agent worktree, and what its agent is doing: each command's start, output
 * and end (with shell integration) or only the terminal closing (without), and file activity.
 */
export class AgentSessions implements vscode.Disposable {
  readonly tracker: AgentActivityTracker;
  private readonly terminals = new Map<string, vscode.Terminal>();
  /** The agent's own state file (its hooks write it), watched while its terminal is open. */
  private readonly declared = new Map<string, vscode.Disposable>();
  /** Each key's worktree path as it was given (keys may be case-folded). */
  private readonly paths = new Map<string, string>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly logger: Logger,
    quietMs: () => number,
    /** The agent worktree a folder is the root of (a terminal restored after a reload is known by it). */
    private readonly agentWorktreeAt: (folder: string) => string | undefined = () => undefined,
    /** The one agent worktree with this folder name, if exactly one (for a restored terminal whose folder is not known yet). */
    private readonly agentWorktreeNamed: (name: string) => string | undefined = () => undefined,
  ) {
    const tracker = new AgentActivityTracker(quietMs);
    this.tracker = tracker;
    this.subscriptions = [
      vscode.window.onDidCloseTerminal((terminal) => {
        const key = this.keyOf(terminal);
        if (!key) return;
        this.terminals.delete(key);
        this.stopDeclared(key);
        this.tracker.terminalClosed(key);
      }),
      vscode.window.onDidStartTerminalShellExecution((event) => {
        const key = this.keyOf(event.terminal);
        if (key) void this.follow(key, event.execution);
      }),
      vscode.window.onDidEndTerminalShellExecution((event) => {
        const key = this.keyOf(event.terminal);
        if (key) this.tracker.ended(key, event.exitCode);
      }),
    ];
    // Terminals restored after a reload: known again by the variable they were created with, or
    // (VS Code does not keep a restored terminal's environment) by the folder they run in, once
    // shell integration reports it or the view knows that folder as an agent worktree.
    this.adoptAll();
    this.subscriptions.push(
      vscode.window.onDidOpenTerminal((terminal) => this.adopt(terminal)),
      vscode.window.onDidChangeTerminalShellIntegration(({ terminal }) => this.adopt(terminal)),
    );
  }

  /** Hears every change of an agent's state (with its worktree path). */
  onDidChange(listener: (worktreePath: string, activity: AgentActivity, previous: AgentState) => void): vscode.Disposable {
    const subscription = this.tracker.onDidChange((key, activity, previous) =>
      listener(this.paths.get(key) ?? key, activity, previous),
    );
    return new vscode.Disposable(() => subscription.dispose());
  }

  /** What the worktree's agent is doing. */
  activityOf(worktreePath: string): AgentActivity {
    return this.tracker.activity(comparablePath(worktreePath));
  }

  /** Whether an agent is running there (working or waiting). */
  isRunning(worktreePath: string): boolean {
    const { state } = this.activityOf(worktreePath);
    return state === 'working' || state === 'waiting';
  }

  /** A file changed somewhere in a worktree (from the view's watchers). */
  fileChanged(worktreePath: string): void {
    this.tracker.fileChanged(comparablePath(worktreePath));
  }

  /** The worktree's agent terminal, while it is open. */
  terminalOf(worktreePath: string): vscode.Terminal | undefined {
    const terminal = this.terminals.get(comparablePath(worktreePath));
    return terminal && terminal.exitStatus === undefined ? terminal : undefined;
  }

  /** The worktree a terminal is the agent terminal of (its tracker key). */
  keyOf(terminal: vscode.Terminal): string | undefined {
    for (const [key, known] of this.terminals) if (known === terminal) return key;
    return undefined;
  }

  /**
   * A new agent terminal for the worktree, running `commandLine`: through shell integration when
   * the terminal reports it within a few seconds (then start, output and exit code are known),
   * typed into it otherwise (then only the terminal's closing is).
   */
  async launch(worktreePath: string, options: LaunchOptions): Promise<vscode.Terminal> {
    return this.start(worktreePath, options, this.terminalOf(worktreePath));
  }

  /** A second agent in a new terminal, which becomes the worktree's agent terminal (the first stays open). */
  async launchSeparate(worktreePath: string, options: LaunchOptions): Promise<vscode.Terminal> {
    return this.start(worktreePath, { ...options, name: `${options.name} (2)` }, undefined);
  }

  /** The name an agent terminal gets: the worktree's, marked as its agent's. */
  private static terminalName(name: string): string {
    return `${name}${AGENT_TERMINAL_SUFFIX}`;
  }

  private async start(
    worktreePath: string,
    options: LaunchOptions,
    reused: vscode.Terminal | undefined,
  ): Promise<vscode.Terminal> {
    const key = comparablePath(worktreePath);
    this.paths.set(key, worktreePath);
    this.stopDeclared(key);
    if (options.declares) this.declared.set(key, await this.watchDeclared(key, options.declares));
    const terminal =
      reused ??
      vscode.window.createTerminal({
        name: AgentSessions.terminalName(options.name),
        cwd: worktreePath,
        env: { ...options.env, [AGENT_WORKTREE_VARIABLE]: worktreePath },
        iconPath: new vscode.ThemeIcon('robot'),
      });
    this.terminals.set(key, terminal);
    terminal.show();
    const integration = reused ? reused.shellIntegration : await shellIntegrationOf(terminal, SHELL_INTEGRATION_WAIT_MS);
    if (terminal.exitStatus !== undefined) return terminal;
    if (integration) {
      // The start event follows and starts the session (see follow).
      integration.executeCommand(options.commandLine);
    } else {
      this.logger.info(`No shell integration in the terminal for ${worktreePath}: only its closing is known`);
      this.tracker.started(key, 'terminal-only');
      terminal.sendText(options.commandLine, true);
    }
    return terminal;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    for (const watcher of this.declared.values()) watcher.dispose();
    this.tracker.dispose();
  }

  private stopDeclared(key: string): void {
    this.declared.get(key)?.dispose();
    this.declared.delete(key);
  }

  /** The state file the agent's hooks write (`working` / `waiting`): each write is what it says it does. */
  private async watchDeclared(
    key: string,
    { statusFile, until }: NonNullable<LaunchOptions['declares']>,
  ): Promise<vscode.Disposable> {
    await rm(statusFile, { force: true }); // a state left by an earlier run says nothing about this one
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(statusFile)), path.basename(statusFile)),
    );
    const read = () =>
      void readFile(statusFile, 'utf8').then(
        (text) => {
          const state = text.trim();
          if (state === 'working' || state === 'waiting') this.tracker.declared(key, state, until);
        },
        () => undefined, // removed meanwhile: nothing said
      );
    return vscode.Disposable.from(watcher, watcher.onDidCreate(read), watcher.onDidChange(read));
  }

  /** Every open terminal not known yet that is an agent terminal (the view's worktrees may have come in since). */
  /**
   * Worktrees whose folder is gone (removed): their agent terminals close — an agent left running
   * in a deleted folder can only fail or write where nothing is reviewed — and their state is
   * forgotten, so the status bar and the rows stop counting them.
   */
  forgetRemoved(): void {
    for (const [key, worktreePath] of [...this.paths]) {
      if (existsSync(worktreePath)) continue;
      const terminal = this.terminals.get(key);
      this.terminals.delete(key);
      this.paths.delete(key);
      this.stopDeclared(key);
      this.tracker.forget(key);
      if (terminal) {
        terminal.dispose();
        this.logger.info(`${worktreePath} was removed: its agent terminal was closed`);
      }
    }
  }

  adoptAll(): void {
    for (const terminal of vscode.window.terminals) this.adopt(terminal);
  }

  private adopt(terminal: vscode.Terminal): void {
    if (this.keyOf(terminal) || terminal.exitStatus !== undefined) return;
    const worktreePath = this.worktreeOfTerminal(terminal);
    if (!worktreePath || !existsSync(worktreePath)) return;
    if (this.terminalOf(worktreePath)) return; // it has its agent terminal already
    const key = comparablePath(worktreePath);
    this.terminals.set(key, terminal);
    this.paths.set(key, worktreePath);
    // A terminal that is back after a reload: its agent may be running (its output is out of
    // reach: the command started before); file changes and the terminal closing still tell.
    this.tracker.started(key, 'reattached');
  }

  /** The agent worktree a terminal belongs to: by the variable it was created with, else by its folder. */
  private worktreeOfTerminal(terminal: vscode.Terminal): string | undefined {
    const options = terminal.creationOptions as vscode.TerminalOptions;
    const marked = options.env?.[AGENT_WORKTREE_VARIABLE];
    if (typeof marked === 'string' && marked !== '') return marked;
    // Restored after a reload, a terminal keeps its name but not its options: an agent terminal's
    // name, in the folder of the agent worktree that name says (a user's own terminal there is not).
    if (!terminal.name.endsWith(AGENT_TERMINAL_SUFFIX)) return undefined;
    const cwd = terminal.shellIntegration?.cwd ?? options.cwd;
    const folder = typeof cwd === 'string' ? cwd : cwd?.fsPath;
    const named = terminal.name.slice(0, -AGENT_TERMINAL_SUFFIX.length).replace(/ \(2\)$/, '');
    // A terminal that was busy when the window reloaded reports no folder until its command ends:
    // then its name alone, when exactly one agent worktree has that folder name.
    if (!folder) return this.agentWorktreeNamed(named);
    if (path.basename(folder) !== named) return undefined;
    return this.agentWorktreeAt(folder);
  }

  /** A command started in an agent terminal: its session, fed with its output until it ends. */
  private async follow(key: string, execution: vscode.TerminalShellExecution): Promise<void> {
    this.tracker.started(key, 'shell-integration');
    try {
      for await (const data of execution.read()) this.tracker.output(key, data);
    } catch (error) {
      this.logger.info(`Stopped reading the agent terminal's output for ${key}: ${(error as Error).message}`);
    }
  }
}

/** The terminal's shell integration, waiting up to `ms` for it to activate. */
function shellIntegrationOf(terminal: vscode.Terminal, ms: number): Promise<vscode.TerminalShellIntegration | undefined> {
  if (terminal.shellIntegration) return Promise.resolve(terminal.shellIntegration);
  return new Promise((resolve) => {
    const done = (integration: vscode.TerminalShellIntegration | undefined) => {
      clearTimeout(timer);
      listener.dispose();
      closed.dispose();
      resolve(integration);
    };
    const timer = setTimeout(() => done(terminal.shellIntegration), ms);
    const listener = vscode.window.onDidChangeTerminalShellIntegration((event) => {
      if (event.terminal === terminal) done(event.shellIntegration);
    });
    const closed = vscode.window.onDidCloseTerminal((gone) => {
      if (gone === terminal) done(undefined);
    });
  });
}
