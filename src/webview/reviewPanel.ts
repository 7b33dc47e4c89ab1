import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  type AgentChanges,
  type GitService,
  getAgentChanges,
  type KeepConsent,
  type KeepResult,
  keep,
  locateAgentWorktree,
  requireAgentMetadata,
  type UndoResult,
} from '../agents';
import type { Logger } from '../git';
import { isInsideOrSame, samePath } from '../git';
import { readSettings } from '../settings';
import { GIT_CONTENT_SCHEME, gitContentUri } from './gitContentProvider';
import { loadLanding } from './landing';
import { describeUndo, lastKeepOf, latestKeepOf } from './lastKeep';
import type { DiffLayout, HostMessage, ReviewData } from './protocol';
import { parsePageState } from './protocol';
import { errorMessage, ReviewController, type ReviewControllerDeps, safePreview } from './reviewController';
import { buildReviewData } from './reviewData';
import { reviewHtml } from './reviewHtml';
import { ReviewMemory, reviewTitle } from './reviewMemory';

export const REVIEW_VIEW_TYPE = 'agentWorktrees.review';
const LAYOUT_KEY = 'agentWorktrees.review.layout';
const REFRESH_DEBOUNCE_MS = 500;

export interface ReviewDeps {
  readonly service: GitService;
  readonly logger: Logger;
  readonly extensionUri: vscode.Uri;
  /** Global state: the remembered diff layout. */
  readonly state: vscode.Memento;
  /** Workspace state: each panel's selection. */
  readonly workspaceState: vscode.Memento;
  /** The guarded removal flow, worded "Discard agent work"; resolves true when it was removed. */
  readonly discard: (worktreePath: string) => Promise<boolean>;
  /** After a keep, per `agentWorktrees.afterKeep`; `summary` says what was kept. */
  readonly afterKeep: (worktreePath: string, result: KeepResult, summary: string) => Promise<void>;
  /** Cherry-pick, asking when a pick conflicts; says what happened. */
  readonly cherryPick: (worktreePath: string, target: string | undefined, targetBranch: string | undefined) => Promise<string>;
  /** Undo Keep, asking first when needed; undefined when the user said no. */
  readonly undoKeep: (repoPath: string, id: string) => Promise<UndoResult | undefined>;
  /** The view's data changed: a worktree may have been removed (by the view, the API, elsewhere). */
  readonly onDidChangeWorktrees: vscode.Event<void>;
}

/** One review panel per agent worktree, reused; restored after a reload by the serializer. */
export class ReviewPanels implements vscode.Disposable {
  private readonly panels = new Map<string, ReviewPanel>();
  private readonly memory: ReviewMemory;

  private readonly subscription: vscode.Disposable;

  constructor(private readonly deps: ReviewDeps) {
    this.memory = new ReviewMemory(deps.workspaceState);
    this.subscription = deps.onDidChangeWorktrees(() => this.closeRemoved());
  }

  /** Panels (and their diff tabs) of worktrees that no longer exist close: nothing is left to review. */
  private closeRemoved(): void {
    for (const panel of this.panels.values()) {
      if (!existsSync(panel.worktreePath)) void panel.closeDiscarded();
    }
  }

  open(worktreePath: string): ReviewPanel {
    const existing = this.panels.get(worktreePath);
    if (existing) {
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(REVIEW_VIEW_TYPE, reviewTitle(worktreePath), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, 'media')],
    });
    return this.adopt(panel, worktreePath);
  }

  /**
   * The serializer hands back a panel after a reload; its state is untrusted input too: the path it
   * names is watched and reviewed only once git confirms it is an agent worktree.
   */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    // A browser reload can bring a panel back before VS Code stored its page's state: then the
    // title and the panels remembered as open say which worktree it was.
    const worktreePath = parsePageState(state)?.worktreePath ?? this.memory.guess(panel.title, new Set(this.panels.keys()));
    const refused = worktreePath ? await this.whyNotRestorable(worktreePath) : 'it names no worktree';
    if (refused || !worktreePath || this.panels.has(worktreePath)) {
      const reason = refused ?? 'that worktree has a panel already';
      this.deps.logger.warn(`Review panel: closed a restored panel: ${reason}: ${safePreview(state)}`);
      panel.dispose();
      return;
    }
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, 'media')] };
    this.adopt(panel, worktreePath);
  }

  /** Undefined when `worktreePath` is the top of a linked worktree with agent metadata, else why not. */
  private async whyNotRestorable(worktreePath: string): Promise<string | undefined> {
    if (!path.isAbsolute(worktreePath)) return `${worktreePath} is not an absolute path`;
    try {
      const found = await locateAgentWorktree(this.deps.service, worktreePath);
      await requireAgentMetadata(found);
      return samePath(found.topLevel, worktreePath) ? undefined : `${worktreePath} is inside a worktree, not its top`;
    } catch (error) {
      return errorMessage(error);
    }
  }

  get(worktreePath: string): ReviewPanel | undefined {
    return this.panels.get(worktreePath);
  }

  /** The worktrees with a panel open. */
  worktreePaths(): string[] {
    return [...this.panels.keys()];
  }

  private adopt(panel: vscode.WebviewPanel, worktreePath: string): ReviewPanel {
    const review = new ReviewPanel(panel, worktreePath, this.deps, this.memory, () => this.panels.delete(worktreePath));
    this.panels.set(worktreePath, review);
    void this.memory.opened(worktreePath);
    return review;
  }

  dispose(): void {
    this.subscription.dispose();
    for (const panel of this.panels.values()) panel.dispose();
  }
}

export class ReviewPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly controller: ReviewController;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;
  /** Where Keep applies; undefined = the worktree the agent worktree was created from. */
  private target: string | undefined;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    readonly worktreePath: string,
    private readonly deps: ReviewDeps,
    private readonly memory: ReviewMemory,
    private readonly onDispose: () => void,
  ) {
    this.controller = new ReviewController(this.controllerDeps());
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'worktrees.svg');
    panel.webview.html = reviewHtml(panel.webview, deps.extensionUri);
    this.disposables.push(
      panel.onDidDispose(() => {
        // Closed by the user (not by us on shutdown): no longer one to restore.
        if (!this.disposed) void this.memory.closed(worktreePath);
        this.dispose();
      }),
      panel.webview.onDidReceiveMessage((message: unknown) => void this.controller.onMessage(message)),
    );
    // Live: re-capture when the agent's files or git state change, debounced.
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(worktreePath), '**'));
    const schedule = () => this.scheduleRefresh();
    this.disposables.push(watcher, watcher.onDidChange(schedule), watcher.onDidCreate(schedule), watcher.onDidDelete(schedule));
  }

  /** Last data sent, for tests. */
  get lastReview(): ReviewData | undefined {
    return this.controller.lastReview;
  }

  reveal(): void {
    this.panel.reveal();
  }

  private controllerDeps(): ReviewControllerDeps {
    const worktreePath = this.worktreePath;
    return {
      logger: this.deps.logger,
      worktreePath,
      post: (message) => this.post(message),
      load: () => this.load(),
      show: (review) =>
        this.post({
          type: 'review',
          review,
          layout: this.deps.state.get<DiffLayout>(LAYOUT_KEY, 'side-by-side'),
          selection: this.memory.selection(worktreePath),
          viewed: this.memory.viewed(worktreePath, review.files),
        }),
      keep: (selection, reviewed, consents, commitMessage) => {
        const { keepStaged: staged, undoKeeps: undoLimit } = readSettings();
        return keep(this.deps.service, worktreePath, {
          ...selection,
          ...consents,
          staged,
          undoLimit,
          target: this.target,
          reviewed,
          ...(commitMessage === undefined ? {} : { commit: { message: commitMessage } }),
        });
      },
      cherryPick: () => this.deps.cherryPick(worktreePath, this.target, this.controller.lastReview?.landing?.targetBranch),
      confirm: (consent, detail) => confirmKeepConsent(consent, detail),
      discard: () => this.deps.discard(worktreePath),
      undoLastKeep: () => this.undoLastKeep(),
      afterKeep: (result, summary) => this.deps.afterKeep(worktreePath, result, summary),
      other: (message, changes) => this.other(message, changes),
      close: () => void this.closeDiscarded(),
      gone: () => (existsSync(worktreePath) ? undefined : `${worktreePath} no longer exists`),
    };
  }

  /** Messages without a reply: failures are logged by the controller. */
  private async other(message: Parameters<ReviewControllerDeps['other']>[0], changes: AgentChanges | undefined): Promise<void> {
    switch (message.type) {
      case 'openDiff':
        return this.openDiff(message.path, changes);
      case 'chooseTarget':
        return this.chooseTarget();
      case 'setLayout':
        await this.deps.state.update(LAYOUT_KEY, message.layout);
        return;
      case 'selection':
        await this.memory.setSelection(this.worktreePath, message.selection);
        return;
      case 'setViewed':
        // Only a file of the review shown: the page cannot grow the stored marks with made-up paths.
        if (!changes?.files.some((file) => file.path === message.path)) return;
        await this.memory.setViewed(this.worktreePath, message.path, message.viewKey, message.viewed);
        return;
    }
  }

  /** The worktree is gone (discarded here or elsewhere): its panel and its diff tabs close. */
  async closeDiscarded(): Promise<void> {
    await this.memory.forget(this.worktreePath);
    this.dispose();
    await closeDiffTabs(this.worktreePath);
  }

  private scheduleRefresh(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.controller.refresh(), REFRESH_DEBOUNCE_MS);
  }

  refresh(): Promise<void> {
    return this.controller.refresh();
  }

  private async load(): Promise<{ changes: AgentChanges; review: ReviewData }> {
    const changes = await getAgentChanges(this.deps.service, this.worktreePath);
    const worktrees = await this.deps.service.listWorktrees({ commonDir: await this.commonDir() });
    const metadataTarget = worktrees.find((worktree) => worktree.path === this.worktreePath);
    const agent = metadataTarget?.agent;
    const collapseOver = vscode.workspace.getConfiguration('agentWorktrees').get<number>('review.collapseLinesOver', 1000);
    const review = buildReviewData(
      changes,
      {
        title: `Review ${path.basename(this.worktreePath)}`,
        task: agent?.task,
        branch: metadataTarget?.branch,
        base: `${agent?.baseBranch ?? 'detached'} @ ${changes.baseCommit.slice(0, 8)}`,
        target: this.target ?? agent?.createdFrom ?? '',
      },
      collapseOver,
    );
    const landing = await loadLanding(
      this.deps.service,
      this.deps.logger,
      { path: this.worktreePath, metadata: agent },
      {
        path: review.target,
        staged: readSettings().keepStaged,
        worktrees,
      },
    );
    return { changes, review: { ...review, lastKeep: lastKeepOf(await this.latestKeep()), landing } };
  }

  /** The newest keep of this agent worktree, as the repository records it now (not as the page last saw it). */
  private async undoLastKeep(): Promise<string> {
    const entry = await latestKeepOf(this.deps.service, this.worktreePath);
    if (!entry) throw new Error('There is no keep of this agent worktree left to undo.');
    return describeUndo(await this.deps.undoKeep(entry.target, entry.id));
  }

  /** Keep into another worktree of the same repository than the one the agent started from. */
  private async chooseTarget(): Promise<void> {
    const worktrees = (await this.deps.service.listWorktrees({ commonDir: await this.commonDir() })).filter(
      (worktree) => worktree.path !== this.worktreePath && !worktree.gone && !worktree.bare,
    );
    const picked = await vscode.window.showQuickPick(
      worktrees.map((worktree) => ({
        label: path.basename(worktree.path),
        description: worktree.branch ?? 'detached',
        detail: worktree.path,
        worktree,
      })),
      { title: 'Keep the agent’s changes into which worktree?' },
    );
    if (!picked) return;
    this.target = picked.worktree.path;
    await this.controller.refresh();
  }

  /** The keep the Undo button offers; a failure to read it only hides the button (and is logged). */
  private async latestKeep() {
    try {
      return await latestKeepOf(this.deps.service, this.worktreePath);
    } catch (error) {
      this.deps.logger.warn(`Review panel: could not list the keeps of ${this.worktreePath}: ${errorMessage(error)}`);
      return undefined;
    }
  }

  private async commonDir(): Promise<string> {
    const found = await this.deps.service.discover(this.worktreePath);
    if (found.kind !== 'worktree') throw new Error(`${this.worktreePath} is no longer a worktree`);
    return found.commonDir;
  }

  /** VS Code's own diff editor: the file at the review's starting point against the file on disk. */
  private async openDiff(relativePath: string, changes: AgentChanges | undefined): Promise<void> {
    const file = changes?.files.find((candidate) => candidate.path === relativePath);
    if (!file || !changes) return;
    const left = gitContentUri(vscode.Uri, {
      cwd: this.worktreePath,
      revision: changes.from,
      path: file.oldPath ?? file.path,
    });
    const right = vscode.Uri.file(path.join(this.worktreePath, file.path));
    await vscode.commands.executeCommand('vscode.diff', left, right, `${file.path} (agent changes)`);
  }

  private post(message: HostMessage): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.controller.dispose();
    if (this.timer) clearTimeout(this.timer);
    this.onDispose();
    for (const disposable of this.disposables) disposable.dispose();
    this.panel.dispose();
  }
}

/** The diff tabs "Open in Diff Editor" opened for files of this worktree. */
async function closeDiffTabs(worktreePath: string): Promise<void> {
  const tabs = vscode.window.tabGroups.all.flatMap((group) =>
    group.tabs.filter(
      (tab) =>
        tab.input instanceof vscode.TabInputTextDiff &&
        tab.input.original.scheme === GIT_CONTENT_SCHEME &&
        tab.input.modified.scheme === 'file' &&
        isInsideOrSame(worktreePath, tab.input.modified.fsPath),
    ),
  );
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
}

/** The modal for what a keep needs consent for; true when the user agreed. */
async function confirmKeepConsent(consent: KeepConsent, detail: string): Promise<boolean> {
  const [title, action, afterwards] =
    consent.kind === 'unmergeable'
      ? [
          'Some files cannot be merged with your uncommitted edits.',
          'Keep the Others',
          'They stay as you have them, and remain to review.',
        ]
      : [
          'The agent’s changes overlap your uncommitted edits.',
          'Keep with Conflict Markers',
          'Resolve the markers in the editor (Accept Current / Incoming), or undo the keep.',
        ];
  const choice = await vscode.window.showWarningMessage(title, { modal: true, detail: `${detail}\n\n${afterwards}` }, action);
  return choice === action;
}
