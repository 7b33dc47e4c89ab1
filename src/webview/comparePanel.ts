import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  type AttemptComparison,
  type AttemptGroup,
  type CheckResult,
  compareAttempts,
  findAttemptGroup,
  type GitService,
  runChecks,
} from '../agents';
import { isInsideOrSame, type Logger } from '../git';
import type { AgentActivity } from '../views/agentActivity';
import type { WorktreesModel } from '../views/worktreesModel';
import type { CheckOutputs } from './checkOutputs';
import { buildCompareData } from './compareData';
import {
  type CheckState,
  type CompareData,
  type CompareHostMessage,
  type ComparePageMessage,
  parseCompareMessage,
  parseCompareState,
} from './compareProtocol';
import { gitContentUri } from './gitContentProvider';
import { panelHtml } from './reviewHtml';

export const COMPARE_VIEW_TYPE = 'agentWorktrees.compareAttempts';
/** Agents write in bursts: one re-read after the burst, not one per file. */
const REFRESH_DEBOUNCE_MS = 1000;
const TAIL_LINES = 12;
/** How long a restored panel waits for the view's first read. */
const RESTORE_WAIT_MS = 30_000;

export interface CompareDeps {
  readonly service: GitService;
  readonly model: WorktreesModel;
  readonly logger: Logger;
  readonly extensionUri: vscode.Uri;
  readonly agents: {
    activityOf(worktreePath: string): AgentActivity;
    onDidChange(listener: () => void): vscode.Disposable;
  };
  readonly outputs: CheckOutputs;
  /** The attempt's review panel (all of Keep's abilities). */
  readonly openReview: (worktreePath: string) => Promise<void>;
  /** The confirmed "discard the other attempts" flow. */
  readonly discardOthers: (worktreePath: string) => Promise<void>;
}

/** One Compare Attempts panel per attempt group, reused; restored after a reload by the serializer. */
export class ComparePanels implements vscode.Disposable {
  private readonly panels = new Map<string, ComparePanel>();

  constructor(private readonly deps: CompareDeps) {}

  open(commonDir: string, group: string): ComparePanel {
    const key = `${commonDir}\0${group}`;
    const existing = this.panels.get(key);
    if (existing) {
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      COMPARE_VIEW_TYPE,
      'Compare Attempts',
      vscode.ViewColumn.Active,
      this.options(),
    );
    return this.adopt(panel, commonDir, group);
  }

  /**
   * The state a restored panel brings is untrusted: only a group the view shows gets a panel (read
   * first: VS Code restores panels right after activation, before the view's first read ends).
   */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const parsed = parseCompareState(state);
    if (parsed) await this.deps.model.whenLoaded(RESTORE_WAIT_MS);
    const known = parsed && this.deps.model.repositories().find((repository) => repository.commonDir === parsed.commonDir);
    const group = known && parsed && findAttemptGroup(known.snapshot?.worktrees ?? [], parsed.group);
    if (!parsed || !group || this.panels.has(`${parsed.commonDir}\0${parsed.group}`)) {
      this.deps.logger.warn('Compare Attempts: closed a restored panel that names no attempt group of this workspace');
      panel.dispose();
      return;
    }
    panel.webview.options = this.options();
    this.adopt(panel, parsed.commonDir, parsed.group);
  }

  get(commonDir: string, group: string): ComparePanel | undefined {
    return this.panels.get(`${commonDir}\0${group}`);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, 'media')],
    };
  }

  private adopt(panel: vscode.WebviewPanel, commonDir: string, group: string): ComparePanel {
    const key = `${commonDir}\0${group}`;
    const created = new ComparePanel(panel, commonDir, group, this.deps);
    this.panels.set(key, created);
    panel.onDidDispose(() => this.panels.delete(key));
    return created;
  }

  dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
  }
}

export class ComparePanel {
  private comparison: AttemptComparison | undefined;
  /** Which read of the attempts the page's file grid shows (it is drawn again only for a new one). */
  private version = 0;
  /** Each attempt's check, by its path: results stay with their attempt whatever the order. */
  private readonly checks = new Map<string, CheckState>();
  private running: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The newest read of the attempts. */
  private reading: Promise<void> = Promise.resolve();
  /** Something changed while the panel was hidden: read again when it shows. */
  private stale = false;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly panel: vscode.WebviewPanel,
    readonly commonDir: string,
    readonly group: string,
    private readonly deps: CompareDeps,
  ) {
    panel.webview.html = panelHtml(panel.webview, deps.extensionUri, {
      script: 'compare.js',
      styles: ['compare.css'],
      title: 'Compare Attempts',
      loading: 'Reading the attempts…',
    });
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
      deps.model.onDidChange(() => this.scheduleRefresh()),
      deps.agents.onDidChange(() => {
        if (panel.visible) this.post(this.comparisonMessage());
      }),
      panel.onDidChangeViewState(() => {
        if (panel.visible && this.stale) this.scheduleRefresh();
      }),
      panel.onDidDispose(() => this.disposeResources()),
    );
  }

  reveal(): void {
    this.panel.reveal();
  }

  dispose(): void {
    this.panel.dispose();
  }

  /** The group as the view has it now (undefined once none of its attempts is left). */
  private currentGroup(): AttemptGroup | undefined {
    const repository = this.deps.model.repositories().find((entry) => entry.commonDir === this.commonDir);
    return findAttemptGroup(repository?.snapshot?.worktrees ?? [], this.group);
  }

  /** Agents write in bursts, and a hidden panel reads nothing: one read after the burst, when shown. */
  private scheduleRefresh(): void {
    if (!this.panel.visible) {
      this.stale = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), REFRESH_DEBOUNCE_MS);
  }

  /** Reads every attempt again and redraws; a read overtaken by a newer one is dropped. */
  async refresh(): Promise<void> {
    this.timer = undefined;
    this.stale = false;
    const group = this.currentGroup();
    if (!group) {
      this.post({ type: 'gone', message: 'None of these attempts is left: they were discarded or removed.' });
      return;
    }
    const version = ++this.version;
    let read: Promise<void> = compareAttempts(this.deps.service, group).then((comparison) => {
      if (version !== this.version) return;
      this.comparison = comparison;
      this.panel.title = `Compare: ${comparison.task ?? 'attempts'}`;
      this.post(this.comparisonMessage());
      this.publishChecks();
    });
    this.reading = read;
    // Settles once the newest read has landed: an overtaken read waits for the one that overtook it.
    for (;;) {
      await read;
      if (this.reading === read) return;
      read = this.reading;
    }
  }

  private comparisonMessage(): CompareHostMessage {
    if (!this.comparison) return { type: 'status', message: 'Reading the attempts…', error: false };
    const data = buildCompareData(this.comparison, {
      activityOf: (worktreePath) => this.deps.agents.activityOf(worktreePath),
      now: Date.now(),
      checkCommand: this.checkCommand(),
    });
    return { type: 'comparison', data, version: this.version, state: { group: this.group, commonDir: this.commonDir } };
  }

  /**
   * The check command set for this repository: read at the workspace folder inside one of its
   * worktrees, so each folder of a multi-root workspace can have its own (the setting's scope is
   * `resource`; the attempts' folders themselves are usually outside the workspace).
   */
  private checkCommand(): string | undefined {
    const repository = this.deps.model.repositories().find((entry) => entry.commonDir === this.commonDir);
    const worktrees = repository?.snapshot?.worktrees ?? [];
    const scope = vscode.workspace.workspaceFolders?.find((folder) =>
      worktrees.some((snapshot) => isInsideOrSame(snapshot.worktree.path, folder.uri.fsPath)),
    )?.uri;
    return vscode.workspace.getConfiguration('agentWorktrees', scope).get<string>('checkCommand', '').trim() || undefined;
  }

  private checkStates(): CheckState[] {
    return (this.comparison?.attempts ?? []).map((attempt) => this.checks.get(attempt.path) ?? idle());
  }

  private publishChecks(): void {
    this.post({ type: 'checks', checks: this.checkStates(), running: this.running !== undefined });
  }

  private async receive(raw: unknown): Promise<void> {
    const message = parseCompareMessage(raw);
    if (!message) {
      this.deps.logger.warn('Compare Attempts: ignored a message of an unknown shape from the page');
      return;
    }
    try {
      await this.handle(message);
    } catch (error) {
      this.post({ type: 'status', message: (error as Error).message, error: true });
    }
  }

  private async handle(message: ComparePageMessage): Promise<void> {
    if (message.type === 'ready') return this.refresh();
    if (message.type === 'runChecks') return this.runChecks();
    if (message.type === 'stopChecks') return this.running?.abort();
    if (message.type === 'openSettings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'agentWorktrees.checkCommand');
      return;
    }
    const attempt = this.comparison?.attempts[message.type === 'diffAttempts' ? message.left : message.attempt];
    if (!attempt || !this.comparison) throw new Error('That attempt is not in this comparison any more.');
    if ('name' in message && message.name !== attempt.name) {
      // The page showed an older read: the columns moved since. Nothing is done to the wrong one.
      throw new Error(`The attempts changed since this was drawn (${message.name}): look again and retry.`);
    }
    if (message.type === 'review') return this.deps.openReview(attempt.path);
    if (message.type === 'discardOthers') return this.deps.discardOthers(attempt.path);
    if (message.type === 'showOutput') {
      if ((this.checks.get(attempt.path)?.state ?? 'idle') !== 'done')
        throw new Error('The check has not run in this attempt yet.');
      await vscode.window.showTextDocument(this.deps.outputs.uriOf(this.group, attempt.index, attempt.name), { preview: true });
      return;
    }
    if (!attempt.files.some((file) => file.path === message.path))
      throw new Error(`${attempt.name} did not change ${message.path}.`);
    if (message.type === 'openChange') {
      await vscode.commands.executeCommand('agentWorktrees.openAgentChange', {
        worktreePath: attempt.path,
        revision: this.comparison.baseCommit,
        path: message.path,
      });
      return;
    }
    const other = this.comparison.attempts[message.right];
    if (!other || other === attempt || !attempt.tree || !other.tree) throw new Error('Pick two attempts to compare.');
    const side = (of: typeof attempt) =>
      gitContentUri(vscode.Uri, { cwd: of.path, revision: of.tree as string, path: message.path });
    await vscode.commands.executeCommand(
      'vscode.diff',
      side(attempt),
      side(other),
      `${message.path} (${attempt.name} ↔ ${other.name})`,
    );
  }

  /** What the page shows now (the extension's own tests read it). */
  shown(): { readonly data: CompareData | undefined; readonly checks: readonly CheckState[] } {
    const message = this.comparisonMessage();
    return { data: message.type === 'comparison' ? message.data : undefined, checks: this.checkStates() };
  }

  /** The check command in every attempt, a few at a time, with a progress bar that can stop them. */
  async runChecks(): Promise<void> {
    const command = this.checkCommand();
    if (!vscode.workspace.isTrusted) throw new Error('The check command never runs in Restricted Mode.');
    if (!command) throw new Error('Set "agentWorktrees.checkCommand" (for example npm test) to check each attempt.');
    if (this.running || !this.comparison) return;
    // An attempt whose changes could not be read (its folder is missing) is not checked: it says why.
    const attempts = this.comparison.attempts.filter((attempt) => !attempt.problem);
    for (const attempt of this.comparison.attempts) {
      this.checks.set(
        attempt.path,
        attempt.problem ? { ...idle(), state: 'done', problem: attempt.problem } : { ...idle(), state: 'queued' },
      );
    }
    const controller = new AbortController();
    this.running = controller;
    this.publishChecks();
    try {
      await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Checking ${attempts.length} attempts: ${command.length > 40 ? `${command.slice(0, 39)}…` : command}`,
          cancellable: true,
        },
        (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          return runChecks(
            command,
            attempts.map((attempt) => ({ cwd: attempt.path, env: this.portOf(attempt.path) })),
            {
              concurrency: Math.max(1, Math.min(4, Math.floor(os.availableParallelism() / 2))),
              signal: controller.signal,
              onStart: (position) => {
                this.checks.set(attempts[position]?.path ?? '', { ...idle(), state: 'running' });
                this.publishChecks();
              },
              onResult: (position, result) => {
                const attempt = attempts[position];
                if (!attempt) return;
                this.recordCheck(attempt, result, command);
                progress.report({ increment: 100 / attempts.length, message: `${attempt.name}: ${describeExit(result)}` });
                this.publishChecks();
              },
            },
          );
        },
      );
    } finally {
      this.running = undefined;
      this.publishChecks();
    }
  }

  private recordCheck(attempt: AttemptComparison['attempts'][number], result: CheckResult, command: string): void {
    if (result.durationMs > 0 || !result.problem)
      this.deps.outputs.set(this.group, attempt.index, attempt.name, result, { command, cwd: attempt.path });
    this.checks.set(attempt.path, {
      state: 'done',
      exitCode: result.exitCode,
      problem: result.problem ?? (result.exitCode === null ? `ended by ${result.signal ?? 'a signal'}` : undefined),
      durationMs: result.durationMs,
      tail: result.output.trimEnd().split('\n').slice(-TAIL_LINES).join('\n'),
    });
  }

  /** An attempt's own PORT, so a server its check starts does not collide with another's. */
  private portOf(worktreePath: string): Record<string, string> {
    const ports = this.deps.model.findWorktree(worktreePath)?.snapshot.worktree.agent?.ports;
    return ports ? { PORT: String(ports.first), AGENT_WORKTREES_PORT: String(ports.first) } : {};
  }

  private post(message: CompareHostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private disposeResources(): void {
    this.running?.abort();
    if (this.timer) clearTimeout(this.timer);
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

function idle(): CheckState {
  return { state: 'idle', exitCode: null, problem: undefined, durationMs: undefined, tail: '' };
}

export function describeExit(result: CheckResult): string {
  if (result.problem) return result.problem;
  if (result.exitCode === null) return `ended by ${result.signal ?? 'a signal'}`;
  return result.exitCode === 0 ? 'passed' : `failed (exit ${result.exitCode})`;
}
