import * as vscode from 'vscode';
import { type AttemptGroup, findAttemptGroup, type GitService, type RepositorySnapshot, type WorktreeSnapshot } from '../agents';
import { GitError, KeyedQueue, type Logger, samePath } from '../git';

/** What the view shows when it has no rows; mirrored into the `agentWorktrees.state` context key. */
export type ViewState = 'untrusted' | 'no-folder' | 'loading' | 'git-missing' | 'no-repository' | 'ready';

export interface RepositoryEntry {
  readonly commonDir: string;
  readonly name: string;
  /** The latest complete read; kept on a failed re-read so rows do not vanish on a hiccup. */
  readonly snapshot: RepositorySnapshot | undefined;
  /** Why the latest read failed (shown as a row, never as an empty list). */
  readonly error: Error | undefined;
}

const ALL_REPOSITORIES = '*';

/**
 * The view's state: which repositories the workspace holds and the latest snapshot of each.
 * Reads go through the shared git service; reads of one repository never overlap.
 */
export class WorktreesModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after any repository or the overall state changed. */
  readonly onDidChange = this.changed.event;

  private currentState: ViewState = 'loading';
  private readonly entries = new Map<string, RepositoryEntry>();
  private readonly reads = new KeyedQueue();
  private readonly mutationSubscription: { dispose(): void };

  constructor(
    private readonly service: GitService,
    private readonly logger: Logger,
    private readonly workspaceFolders: () => readonly string[],
  ) {
    // Every create, keep and removal ends here (the service's one mutation path): a repository of
    // this workspace is re-read before the operation's promise settles, so no caller refreshes.
    this.mutationSubscription = service.onDidMutate((commonDir) =>
      this.entries.has(commonDir) ? this.refreshRepository(commonDir) : undefined,
    );
  }

  get state(): ViewState {
    return this.currentState;
  }

  repositories(): RepositoryEntry[] {
    return [...this.entries.values()].sort((a, b) => a.name.localeCompare(b.name) || a.commonDir.localeCompare(b.commonDir));
  }

  allWorktrees(): WorktreeSnapshot[] {
    return this.repositories().flatMap((entry) => entry.snapshot?.worktrees ?? []);
  }

  findWorktree(worktreePath: string): { repository: RepositoryEntry; snapshot: WorktreeSnapshot } | undefined {
    for (const repository of this.entries.values()) {
      const snapshot = repository.snapshot?.worktrees.find((candidate) => samePath(candidate.worktree.path, worktreePath));
      if (snapshot) return { repository, snapshot };
    }
    return undefined;
  }

  /**
   * Resolves once the first read has ended (whatever it found), or after `timeoutMs`: what a
   * panel restored right after activation waits for before deciding what it may show.
   */
  whenLoaded(timeoutMs: number): Promise<void> {
    if (this.currentState !== 'loading') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        subscription.dispose();
        resolve();
      };
      const subscription = this.onDidChange(() => {
        if (this.currentState !== 'loading') done();
      });
      const timer = setTimeout(done, timeoutMs);
    });
  }

  /**
   * The worktree at `worktreePath` with the attempt group it belongs to (the group's members the
   * view shows, itself included); undefined when it is not shown or is no attempt.
   */
  findAttempt(
    worktreePath: string,
  ): { repository: RepositoryEntry; snapshot: WorktreeSnapshot; attempts: AttemptGroup } | undefined {
    const shown = this.findWorktree(worktreePath);
    const group = shown?.snapshot.worktree.agent?.attempt?.group;
    const attempts = shown && group ? findAttemptGroup(shown.repository.snapshot?.worktrees ?? [], group) : undefined;
    return shown && attempts ? { ...shown, attempts } : undefined;
  }

  /** Shown while the workspace is untrusted: no git runs, the view says why. */
  setUntrusted(): void {
    this.entries.clear();
    this.setState('untrusted');
  }

  /** Trust was granted: leave the untrusted state so the next refresh reads the repositories. */
  setTrusted(): void {
    if (this.currentState === 'untrusted') this.setState('loading');
  }

  /** Re-discovers repositories from the workspace folders and re-reads every one of them. */
  refreshAll(): Promise<void> {
    return this.reads.run(ALL_REPOSITORIES, async () => {
      if (this.currentState === 'untrusted') return; // stays so until the extension is told otherwise
      const folders = this.workspaceFolders();
      if (folders.length === 0) {
        this.entries.clear();
        this.setState('no-folder');
        return;
      }
      let discoveries: Awaited<ReturnType<GitService['discover']>>[];
      try {
        discoveries = await Promise.all(folders.map((folder) => this.service.discover(folder)));
      } catch (error) {
        if (error instanceof GitError && error.code === 'GitNotFound') {
          this.logger.error(error.message);
          this.entries.clear();
          this.setState('git-missing');
          return;
        }
        throw error;
      }
      const commonDirs = new Set<string>();
      for (const discovery of discoveries) {
        if (discovery.kind === 'worktree' || discovery.kind === 'bare') commonDirs.add(discovery.commonDir);
        else this.logger.info(`${discovery.folder}: ${discovery.kind === 'missing' ? 'folder missing' : discovery.reason}`);
      }
      for (const commonDir of [...this.entries.keys()]) if (!commonDirs.has(commonDir)) this.entries.delete(commonDir);
      await Promise.all([...commonDirs].map((commonDir) => this.readRepository(commonDir)));
      this.setState(commonDirs.size > 0 ? 'ready' : 'no-repository');
    });
  }

  /** Re-lists one repository's worktrees and re-reads each one's status. */
  refreshRepository(commonDir: string): Promise<void> {
    return this.readRepository(commonDir).then(() => this.changed.fire());
  }

  /** Re-reads only the given worktrees (one `git status` each). */
  refreshWorktrees(commonDir: string, worktreePaths: readonly string[]): Promise<void> {
    return this.reads.run(commonDir, async () => {
      const entry = this.entries.get(commonDir);
      if (!entry?.snapshot) return;
      const wanted = new Set(worktreePaths);
      const worktrees = await Promise.all(
        entry.snapshot.worktrees.map((snapshot) =>
          wanted.has(snapshot.worktree.path) ? this.service.readWorktree(snapshot.worktree) : snapshot,
        ),
      );
      const latest = this.entries.get(commonDir);
      if (latest?.snapshot !== entry.snapshot) return; // a full read landed meanwhile and is newer
      this.entries.set(commonDir, { ...entry, snapshot: { ...entry.snapshot, worktrees } });
      this.changed.fire();
    });
  }

  private readRepository(commonDir: string): Promise<void> {
    return this.reads.run(commonDir, async () => {
      const previous = this.entries.get(commonDir);
      try {
        const snapshot = await this.service.readRepository({ commonDir });
        this.entries.set(commonDir, { commonDir, name: snapshot.name, snapshot, error: undefined });
      } catch (error) {
        this.logger.error(`Reading worktrees of ${commonDir} failed: ${(error as Error).message}`);
        this.entries.set(commonDir, {
          commonDir,
          name: previous?.name ?? commonDir,
          snapshot: previous?.snapshot,
          error: error as Error,
        });
      }
    });
  }

  private setState(state: ViewState): void {
    this.currentState = state;
    void vscode.commands.executeCommand('setContext', 'agentWorktrees.state', state);
    this.changed.fire();
  }

  dispose(): void {
    this.mutationSubscription.dispose();
    this.changed.dispose();
  }
}
