import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { readAgentMetadata } from './agentMetadata';
import { createLimiter, KeyedQueue } from './concurrency';
import { discoverRepository } from './discovery';
import { GitError } from './errors';
import { parseStatusV2, parseWorktreeList } from './parsers';
import type { GitRunner } from './runner';
import type { RepositoryDiscovery, RepositorySnapshot, Worktree, WorktreeSnapshot, WorktreeStatus } from './types';
import { directoryExists, newestModification, readHeadMovedAt, readLinkedWorktreeAdminDirs } from './worktreeFiles';

/** A repository as the service addresses it: its common dir is its identity across worktrees. */
export interface RepositoryRef {
  readonly commonDir: string;
}

export interface GitServiceOptions {
  /** Most git processes a refresh runs at once; defaults to the core count. */
  readonly parallelism?: number;
}

/**
 * The shared git service (read side). Pure Node: views, commands and tests all go through it.
 * Reads never mutate; mutations (later issues) go through `mutations.run(commonDir, …)`.
 */
export class GitService {
  /** One mutation at a time per repository. */
  readonly mutations = new KeyedQueue();
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;

  constructor(
    readonly runner: GitRunner,
    options: GitServiceOptions = {},
  ) {
    this.limit = createLimiter(options.parallelism ?? availableParallelism());
  }

  discover(folder: string, signal?: AbortSignal): Promise<RepositoryDiscovery> {
    return this.limit(() => discoverRepository(this.runner, folder, signal));
  }

  /** `git worktree list --porcelain -z`, plus which directories are gone and each worktree's git dir. */
  async listWorktrees(repo: RepositoryRef, signal?: AbortSignal): Promise<Worktree[]> {
    const [result, adminDirs] = await Promise.all([
      this.limit(() =>
        this.runner.run(['worktree', 'list', '--porcelain', '-z'], { cwd: repo.commonDir, readOnly: true, signal }),
      ),
      readLinkedWorktreeAdminDirs(repo.commonDir),
    ]);
    const records = parseWorktreeList(result.stdout);
    return Promise.all(
      records.map(async (record): Promise<Worktree> => {
        const gone = record.bare ? false : !(await directoryExists(record.path));
        const gitDir = record.isMain ? repo.commonDir : adminDirs.get(path.resolve(record.path));
        // A damaged metadata file must not hide the worktree: it is shown as a plain one, and the
        // problem is kept (a removal then never deletes its branch).
        const metadata =
          !record.isMain && gitDir
            ? await readAgentMetadata(gitDir).then(
                (agent) => ({ agent, problem: undefined }),
                (error: Error) => ({ agent: undefined, problem: error.message }),
              )
            : { agent: undefined, problem: undefined };
        return {
          ...record,
          branch: record.branchRef?.replace(/^refs\/heads\//, ''),
          gone,
          gitDir,
          agent: metadata.agent,
          agentMetadataProblem: metadata.problem,
        };
      }),
    );
  }

  /** One `git status --porcelain=v2 -z --branch` in the worktree, plus file times (no extra git). */
  async getStatus(worktree: Pick<Worktree, 'path' | 'gitDir'>, signal?: AbortSignal): Promise<WorktreeStatus> {
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

  /** Status for one worktree, keeping a failure as a failure (never shown as "clean"). */
  async readWorktree(worktree: Worktree, signal?: AbortSignal): Promise<WorktreeSnapshot> {
    if (worktree.gone || worktree.bare) return { worktree, status: undefined, statusError: undefined };
    try {
      return { worktree, status: await this.getStatus(worktree, signal), statusError: undefined };
    } catch (error) {
      if ((error as { code?: string }).code === 'Cancelled') throw error;
      return { worktree, status: undefined, statusError: error as Error };
    }
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

  /** A full read of one repository: exactly one `worktree list` and one `status` per present worktree. */
  async readRepository(repo: RepositoryRef, signal?: AbortSignal): Promise<RepositorySnapshot> {
    const worktrees = await this.listWorktrees(repo, signal);
    const snapshots = await Promise.all(worktrees.map((worktree) => this.readWorktree(worktree, signal)));
    return { commonDir: repo.commonDir, name: repositoryName(repo.commonDir, worktrees), worktrees: snapshots };
  }
}

/** The main worktree's folder name; for a bare repository its folder name without `.git`. */
export function repositoryName(commonDir: string, worktrees: readonly Worktree[]): string {
  const main = worktrees.find((worktree) => worktree.isMain);
  if (main && !main.bare) return path.basename(main.path);
  const base = path.basename(commonDir);
  if (base === '.git') return path.basename(path.dirname(commonDir));
  return base.replace(/\.git$/, '') || base;
}
