import * as vscode from 'vscode';
import type { Logger } from '../git';
import { type ChangeImpact, routeChange, type WatchedRepository } from './changeRouting';
import type { WorktreesModel } from './worktreesModel';

const DEBOUNCE_MS = 300;
/** A steady stream of events (a build, an agent writing) still refreshes at least this often. */
const MAX_WAIT_MS = 2000;

/** Git state a worktree view depends on, inside the repository's common dir. */
const COMMON_DIR_GLOB = '{HEAD,index,ORIG_HEAD,MERGE_HEAD,packed-refs,refs/**,worktrees/**,logs/HEAD}';

/**
 * Keeps the view current without a Refresh click: watches each repository's common dir and each
 * worktree's files (RelativePattern watchers also work outside the workspace), debounces bursts,
 * and re-reads only what an event can have changed.
 */
export class AutoRefresh implements vscode.Disposable {
  private readonly watchers = new Map<string, vscode.Disposable>();
  private readonly pending = new Map<string, { repository: boolean; worktrees: Set<string> }>();
  private timer: NodeJS.Timeout | undefined;
  private firstPendingAt: number | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly model: WorktreesModel,
    private readonly logger: Logger,
    /** Files changed inside a worktree (what an agent is doing shows in them too). */
    private readonly onWorktreeFiles: (worktreePath: string) => void = () => {},
  ) {
    this.subscription = model.onDidChange(() => this.reconcileWatchers());
  }

  /** One watcher per common dir and per present worktree; dropped when they disappear. */
  private reconcileWatchers(): void {
    const wanted = new Map<string, () => vscode.Disposable>();
    for (const repository of this.model.repositories()) {
      const { commonDir } = repository;
      wanted.set(`git:${commonDir}`, () => this.watch(commonDir, COMMON_DIR_GLOB, commonDir));
      for (const { worktree } of repository.snapshot?.worktrees ?? []) {
        if (worktree.gone || worktree.bare) continue;
        wanted.set(`files:${worktree.path}`, () => this.watch(worktree.path, '**', commonDir));
      }
    }
    for (const [key, watcher] of this.watchers) {
      if (!wanted.has(key)) {
        watcher.dispose();
        this.watchers.delete(key);
      }
    }
    for (const [key, create] of wanted) if (!this.watchers.has(key)) this.watchers.set(key, create());
  }

  private watch(base: string, glob: string, commonDir: string): vscode.Disposable {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(base), glob));
    const onEvent = (uri: vscode.Uri) => this.onFileEvent(commonDir, uri.fsPath);
    return vscode.Disposable.from(
      watcher,
      watcher.onDidChange(onEvent),
      watcher.onDidCreate(onEvent),
      watcher.onDidDelete(onEvent),
    );
  }

  private onFileEvent(commonDir: string, file: string): void {
    const repository = this.model.repositories().find((entry) => entry.commonDir === commonDir);
    if (!repository?.snapshot) return;
    const watched: WatchedRepository = {
      commonDir,
      worktrees: repository.snapshot.worktrees.map(({ worktree }) => ({
        path: worktree.path,
        gitDir: worktree.gitDir,
        branchRef: worktree.branchRef,
        isMain: worktree.isMain,
      })),
    };
    const impact = routeChange(watched, file);
    if (impact.kind === 'worktrees') for (const worktreePath of impact.paths) this.onWorktreeFiles(worktreePath);
    this.schedule(commonDir, impact);
  }

  private schedule(commonDir: string, impact: ChangeImpact): void {
    if (impact.kind === 'none') return;
    const entry = this.pending.get(commonDir) ?? { repository: false, worktrees: new Set<string>() };
    if (impact.kind === 'repository') entry.repository = true;
    else for (const worktreePath of impact.paths) entry.worktrees.add(worktreePath);
    this.pending.set(commonDir, entry);
    const now = Date.now();
    this.firstPendingAt ??= now;
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(DEBOUNCE_MS, this.firstPendingAt + MAX_WAIT_MS - now));
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    this.firstPendingAt = undefined;
    const batch = [...this.pending];
    this.pending.clear();
    for (const [commonDir, { repository, worktrees }] of batch) {
      const work = repository ? this.model.refreshRepository(commonDir) : this.model.refreshWorktrees(commonDir, [...worktrees]);
      work.catch((error: unknown) => this.logger.error(`Auto refresh of ${commonDir} failed: ${(error as Error).message}`));
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
    for (const watcher of this.watchers.values()) watcher.dispose();
    this.watchers.clear();
  }
}
