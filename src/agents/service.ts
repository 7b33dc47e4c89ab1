import * as path from 'node:path';
import { GitClient, type RepositoryRef } from '../git';
import { readAgentMetadata } from './agentMetadata';
import { WorktreeOperationError } from './operationErrors';
import { listTrash } from './trash';
import type { RepositorySnapshot, Worktree, WorktreeSnapshot } from './worktrees';

/**
 * The shared service: git's facts (GitClient) plus what the product knows of each worktree (its
 * agent metadata). Pure Node: views, commands, the API and tests all go through it.
 */
export class GitService extends GitClient {
  /** Every worktree of the repository, each with its agent metadata when this extension made it. */
  override async listWorktrees(repo: RepositoryRef, signal?: AbortSignal): Promise<Worktree[]> {
    const entries = await super.listWorktrees(repo, signal);
    return Promise.all(
      entries.map(async (entry): Promise<Worktree> => {
        // A damaged metadata file must not hide the worktree: it is shown as a plain one, and the
        // problem is kept (a removal then never deletes its branch).
        const metadata =
          !entry.isMain && entry.gitDir
            ? await readAgentMetadata(entry.gitDir).then(
                (agent) => ({ agent, problem: undefined }),
                (error: Error) => ({ agent: undefined, problem: error.message }),
              )
            : { agent: undefined, problem: undefined };
        return { ...entry, agent: metadata.agent, agentMetadataProblem: metadata.problem };
      }),
    );
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

  /** A full read of one repository: exactly one `worktree list` and one `status` per present worktree. */
  async readRepository(repo: RepositoryRef, signal?: AbortSignal): Promise<RepositorySnapshot> {
    const [worktrees, trash] = await Promise.all([this.listWorktrees(repo, signal), listTrash(this, repo.commonDir)]);
    const snapshots = await Promise.all(worktrees.map((worktree) => this.readWorktree(worktree, signal)));
    return {
      commonDir: repo.commonDir,
      name: repositoryName(repo.commonDir, worktrees),
      worktrees: snapshots,
      trash: trash.items,
    };
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

/** The repository a folder is in (a worktree or a bare repository), or an `invalid` refusal. */
export async function requireRepository(service: GitService, folder: string) {
  const found = await service.discover(folder);
  if (found.kind !== 'worktree' && found.kind !== 'bare')
    throw new WorktreeOperationError('invalid', `${folder} is not in a git repository.`);
  return found;
}
