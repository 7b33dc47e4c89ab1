import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { createLimiter, KeyedQueue } from './concurrency';
import { discoverRepository } from './discovery';
import { GitError } from './errors';
import { parseStatusV2, parseWorktreeList } from './parsers';
import type { GitRunner } from './runner';
import type { RepositoryDiscovery, WorktreeEntry, WorktreeStatus } from './types';
import { directoryExists, newestModification, readHeadMovedAt, readLinkedWorktreeAdminDirs } from './worktreeFiles';

/** A repository as git is addressed: its common dir is its identity across worktrees. */
export interface RepositoryRef {
  readonly commonDir: string;
}

export interface GitClientOptions {
  /** Most git processes a refresh runs at once; defaults to the core count. */
  readonly parallelism?: number;
}

/** Told after a mutation of a repository settled; must not reject (it handles its own errors). */
export type MutationListener = (commonDir: string) => Promise<void> | void;

/**
 * Git's facts about repositories and worktrees, read through the one runner with bounded
 * parallelism. Plumbing only: it knows nothing of agents (the product's service builds on it).
 */
export class GitClient {
  /** One mutation at a time per repository. */
  private readonly mutations = new KeyedQueue();
  private readonly mutationListeners = new Set<MutationListener>();
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;

  constructor(
    readonly runner: GitRunner,
    options: GitClientOptions = {},
  ) {
    this.limit = createLimiter(options.parallelism ?? availableParallelism());
  }

  /**
   * Runs an operation that changes a repository: one at a time per repository, then every
   * listener is told (the view re-reads it) before the caller's promise settles, success or not —
   * a refused operation that rolled back still had the repository in motion. The one place a
   * change is announced, so no caller has to remember to refresh.
   */
  async mutate<T>(commonDir: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await this.mutations.run(commonDir, operation);
    } finally {
      await Promise.all([...this.mutationListeners].map((listener) => listener(commonDir)));
    }
  }

  /** Called after every mutation, with the repository's common dir. A listener handles its own errors. */
  onDidMutate(listener: MutationListener): { dispose(): void } {
    this.mutationListeners.add(listener);
    return { dispose: () => this.mutationListeners.delete(listener) };
  }

  discover(folder: string, signal?: AbortSignal): Promise<RepositoryDiscovery> {
    return this.limit(() => discoverRepository(this.runner, folder, signal));
  }

  /** `git worktree list --porcelain -z`, plus which directories are gone and each worktree's git dir. */
  async listWorktrees(repo: RepositoryRef, signal?: AbortSignal): Promise<WorktreeEntry[]> {
    const [result, adminDirs] = await Promise.all([
      this.limit(() =>
        this.runner.run(['worktree', 'list', '--porcelain', '-z'], { cwd: repo.commonDir, readOnly: true, signal }),
      ),
      readLinkedWorktreeAdminDirs(repo.commonDir),
    ]);
    return Promise.all(
      parseWorktreeList(result.stdout).map(
        async (record): Promise<WorktreeEntry> => ({
          ...record,
          branch: record.branchRef?.replace(/^refs\/heads\//, ''),
          gone: record.bare ? false : !(await directoryExists(record.path)),
          gitDir: record.isMain ? repo.commonDir : adminDirs.get(path.resolve(record.path)),
        }),
      ),
    );
  }

  /** One `git status --porcelain=v2 -z --branch` in the worktree, plus file times (no extra git). */
  async getStatus(worktree: Pick<WorktreeEntry, 'path' | 'gitDir'>, signal?: AbortSignal): Promise<WorktreeStatus> {
    const result = await this.limit(() =>
      this.runner.run(['status', '--porcelain=v2', '-z', '--branch', '--untracked-files=normal'], {
        cwd: worktree.path,
        readOnly: true,
        signal,
      }),
    );
    const report = parseStatusV2(result.stdout);
    const dirty = report.staged + report.unstaged + report.untracked + report.conflicted > 0;
    const [headMovedAt, newestChangeAt] = await Promise.all([
      worktree.gitDir ? readHeadMovedAt(worktree.gitDir) : Promise.resolve(undefined),
      dirty ? newestModification(worktree.path, report.changedPaths) : Promise.resolve(undefined),
    ]);
    const times = [headMovedAt, newestChangeAt].filter((time): time is number => time !== undefined);
    return {
      ...report,
      dirty,
      headMovedAt,
      newestChangeAt,
      lastActivityAt: times.length > 0 ? Math.max(...times) : undefined,
    };
  }

  /** sha, commit time and subject of one commit (for tooltips, read on hover). */
  async describeCommit(
    cwd: string,
    revision: string,
    signal?: AbortSignal,
  ): Promise<{ sha: string; subject: string; committedAt: number }> {
    const result = await this.limit(() =>
      this.runner.run(['log', '-1', '--no-color', '--format=%H%x00%ct%x00%s', '--end-of-options', revision, '--'], {
        cwd,
        readOnly: true,
        signal,
      }),
    );
    const [sha = '', committedAt = '', subject = ''] = result.stdout.replace(/\n$/, '').split('\0');
    if (!/^[0-9a-f]{40,64}$/.test(sha)) {
      throw new GitError(`Unexpected git log output for ${revision}`, {
        code: 'ParseError',
        args: result.args,
        cwd,
        stderr: result.stdout,
      });
    }
    return { sha, subject, committedAt: Number(committedAt) * 1000 };
  }

  /** The files git left conflicted in a worktree (unmerged index entries: a stopped merge, rebase, cherry-pick or stash pop). */
  async conflictedFiles(cwd: string): Promise<string[]> {
    const result = await this.runner.run(['diff', '--name-only', '-z', '--diff-filter=U'], { cwd });
    return result.stdout.split('\0').filter(Boolean);
  }

  /** `git rev-list --count <range>` (e.g. commits ahead of an agent worktree's base; read on hover). */
  async countCommits(cwd: string, range: string, signal?: AbortSignal): Promise<number> {
    const result = await this.limit(() =>
      this.runner.run(['rev-list', '--count', '--end-of-options', range, '--'], { cwd, readOnly: true, signal }),
    );
    const count = Number(result.stdout.trim());
    if (!Number.isInteger(count)) {
      throw new GitError('Unexpected git rev-list output', { code: 'ParseError', args: result.args, cwd, stderr: result.stdout });
    }
    return count;
  }
}
