import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  type AgentChanges,
  type GitService,
  getAgentChanges,
  type KeepResult,
  keep,
  type Logger,
  WorktreeOperationError,
} from '../git';
import { gitContentUri } from './gitContentProvider';
import type { DiffLayout, HostMessage, ReviewData } from './protocol';
import { parsePageMessage, parsePageState } from './protocol';
import { buildReviewData, captureId } from './reviewData';
import { ReviewMemory, reviewTitle } from './reviewMemory';

type KeepSelection = { files?: readonly string[]; hunks?: Readonly<Record<string, readonly number[]>> };

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
  /** After a keep, per `agentWorktrees.afterKeep`. */
  readonly afterKeep: (worktreePath: string, result: KeepResult) => Promise<void>;
  readonly refreshView: (worktreePath: string) => Promise<void>;
}

/** One review panel per agent worktree, reused; restored after a reload by the serializer. */
export class ReviewPanels implements vscode.Disposable {
  private readonly panels = new Map<string, ReviewPanel>();
  private readonly memory: ReviewMemory;

  constructor(private readonly deps: ReviewDeps) {
    this.memory = new ReviewMemory(deps.workspaceState);
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

  /** The serializer hands back a panel after a reload; its state is untrusted input too. */
  restore(panel: vscode.WebviewPanel, state: unknown): void {
    // A browser reload can bring a panel back before VS Code stored its page's state: then the
    // title and the panels remembered as open say which worktree it was.
    const worktreePath = parsePageState(state)?.worktreePath ?? this.memory.guess(panel.title, new Set(this.panels.keys()));
    if (!worktreePath || this.panels.has(worktreePath)) {
      this.deps.logger.warn(`Review panel: closed a restored panel that names no agent worktree: ${safePreview(state)}`);
      panel.dispose();
      return;
    }
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, 'media')] };
    this.adopt(panel, worktreePath);
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
    for (const panel of this.panels.values()) panel.dispose();
  }
}

export class ReviewPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private changes: AgentChanges | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ready = false;
  private disposed = false;
  /** Last data sent, for tests and for keeping the page's selection stable. */
  lastReview: ReviewData | undefined;
  /** Where Keep applies; undefined = the worktree the agent worktree was created from. */
  private target: string | undefined;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    readonly worktreePath: string,
    private readonly deps: ReviewDeps,
    private readonly memory: ReviewMemory,
    private readonly onDispose: () => void,
  ) {
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'worktrees.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => {
        // Closed by the user (not by us on shutdown): no longer one to restore.
        if (!this.disposed) void this.memory.closed(worktreePath);
        this.dispose();
      }),
      panel.webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message)),
    );
    // Live: re-capture when the agent's files or git state change, debounced.
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(worktreePath), '**'));
    const schedule = () => this.scheduleRefresh();
    this.disposables.push(watcher, watcher.onDidChange(schedule), watcher.onDidCreate(schedule), watcher.onDidDelete(schedule));
  }

  reveal(): void {
    this.panel.reveal();
  }

  private async onMessage(raw: unknown): Promise<void> {
    const message = parsePageMessage(raw);
    if (!message) {
      this.deps.logger.warn(`Review panel: ignored a malformed or unknown message: ${safePreview(raw)}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        this.ready = true;
        await this.refresh();
        return;
      case 'keep':
        await this.keepShown(message.requestId, message.capture, { files: message.files, hunks: message.hunks });
        return;
      case 'keepAll':
        await this.keepShown(message.requestId, message.capture, {});
        return;
      case 'discard': {
        const removed = await this.deps.discard(this.worktreePath).catch((error: unknown) => {
          this.post({ type: 'result', requestId: message.requestId, ok: false, message: (error as Error).message });
          return false;
        });
        if (removed) {
          await this.memory.forget(this.worktreePath);
          this.dispose();
        } else this.post({ type: 'result', requestId: message.requestId, ok: true, message: 'Nothing was discarded.' });
        return;
      }
      case 'openDiff':
        await this.openDiff(message.path);
        return;
      case 'chooseTarget':
        await this.chooseTarget();
        return;
      case 'setLayout':
        await this.deps.state.update(LAYOUT_KEY, message.layout);
        return;
      case 'selection':
        await this.memory.setSelection(this.worktreePath, message.selection);
        return;
    }
  }

  /**
   * Keep from the capture the page showed when the user clicked: exactly what they saw, with hunk
   * numbers meaning the hunks they saw. If a newer capture replaced it meanwhile, nothing is kept.
   */
  private async keepShown(requestId: number, capture: string, selection: KeepSelection): Promise<void> {
    const shown = this.changes;
    if (!shown || captureId(shown) !== capture) {
      this.post({
        type: 'result',
        requestId,
        ok: false,
        message: 'Nothing was kept: the agent’s changes were updated while you chose. Review the update and keep again.',
      });
      await this.refresh();
      return;
    }
    await this.keep(requestId, selection, shown);
  }

  /** Keep through the service; a conflict asks first; the result goes back to the page. */
  private async keep(requestId: number, selection: KeepSelection, reviewed: AgentChanges): Promise<KeepResult | undefined> {
    const staged = vscode.workspace.getConfiguration('agentWorktrees').get<boolean>('keepStaged', false);
    const run = (allowConflicts: boolean) =>
      keep(this.deps.service, this.worktreePath, { ...selection, staged, allowConflicts, target: this.target, reviewed });
    try {
      let result: KeepResult;
      try {
        result = await run(false);
      } catch (error) {
        if (!(error instanceof WorktreeOperationError && error.code === 'needs-confirmation')) throw error;
        const apply = 'Apply with Conflicts';
        const choice = await vscode.window.showWarningMessage(
          'Keeping these changes conflicts with the target.',
          { modal: true, detail: `${error.message}\n\nApply anyway and resolve the conflicts in the merge editor?` },
          apply,
        );
        if (choice !== apply) {
          this.post({ type: 'result', requestId, ok: true, message: 'Nothing was kept.' });
          return undefined;
        }
        result = await run(true);
      }
      const message =
        result.keptFiles.length === 0
          ? 'Nothing to keep: everything was kept already.'
          : `Kept ${result.keptFiles.length} file${result.keptFiles.length === 1 ? '' : 's'} into ${result.target}${result.conflicts.length > 0 ? ` (${result.conflicts.length} with conflicts)` : ''}.`;
      this.post({ type: 'result', requestId, ok: true, message });
      await this.deps.refreshView(this.worktreePath);
      await this.refresh();
      if (result.keptFiles.length > 0) await this.deps.afterKeep(this.worktreePath, result);
      return result;
    } catch (error) {
      const where = `The agent worktree and its branch are unchanged at ${this.worktreePath}.`;
      this.post({ type: 'result', requestId, ok: false, message: `${(error as Error).message} ${where}` });
      this.deps.logger.error(`Keep from ${this.worktreePath} failed: ${(error as Error).message}`);
      return undefined;
    }
  }

  private scheduleRefresh(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), REFRESH_DEBOUNCE_MS);
  }

  async refresh(): Promise<void> {
    if (!this.ready || this.disposed) return;
    try {
      this.changes = await getAgentChanges(this.deps.service, this.worktreePath);
      const metadataTarget = (await this.deps.service.listWorktrees({ commonDir: await this.commonDir() })).find(
        (worktree) => worktree.path === this.worktreePath,
      );
      const agent = metadataTarget?.agent;
      const collapseOver = vscode.workspace.getConfiguration('agentWorktrees').get<number>('review.collapseLinesOver', 1000);
      this.lastReview = buildReviewData(
        this.changes,
        {
          title: `Review ${path.basename(this.worktreePath)}`,
          task: agent?.task,
          branch: metadataTarget?.branch,
          base: `${agent?.baseBranch ?? 'detached'} @ ${this.changes.baseCommit.slice(0, 8)}`,
          target: this.target ?? agent?.createdFrom ?? '',
        },
        collapseOver,
      );
      this.post({
        type: 'review',
        review: this.lastReview,
        layout: this.deps.state.get<DiffLayout>(LAYOUT_KEY, 'side-by-side'),
        selection: this.memory.selection(this.worktreePath),
      });
    } catch (error) {
      this.deps.logger.error(`Review of ${this.worktreePath} failed: ${(error as Error).message}`);
      this.post({ type: 'gone', message: `Cannot review ${this.worktreePath}: ${(error as Error).message}` });
    }
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
    await this.refresh();
  }

  private async commonDir(): Promise<string> {
    const found = await this.deps.service.discover(this.worktreePath);
    if (found.kind !== 'worktree') throw new Error(`${this.worktreePath} is no longer a worktree`);
    return found.commonDir;
  }

  /** VS Code's own diff editor: the file at the review's starting point against the file on disk. */
  private async openDiff(relativePath: string): Promise<void> {
    const file = this.changes?.files.find((candidate) => candidate.path === relativePath);
    if (!file || !this.changes) return;
    const left = gitContentUri(vscode.Uri, {
      cwd: this.worktreePath,
      revision: this.changes.from,
      path: file.oldPath ?? file.path,
    });
    const right = vscode.Uri.file(path.join(this.worktreePath, file.path));
    await vscode.commands.executeCommand('vscode.diff', left, right, `${file.path} (agent changes)`);
  }

  private post(message: HostMessage): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const media = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'media', ...parts));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media('dist', 'codicon.css')}">
<link rel="stylesheet" href="${media('dist', 'diff2html.min.css')}">
<link rel="stylesheet" href="${media('review.css')}">
<title>Review</title>
</head>
<body>
<main id="app"><p>Loading the agent's changes…</p></main>
<script nonce="${nonce}" src="${media('dist', 'review.js')}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.onDispose();
    for (const disposable of this.disposables) disposable.dispose();
    this.panel.dispose();
  }
}

function safePreview(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return String(value).slice(0, 200);
  }
}
