import { planRemoval } from './removalPlan';
import type { GitService } from './service';
import type { RepositorySnapshot, WorktreeSnapshot } from './worktrees';

const DAY = 24 * 60 * 60 * 1000;

export interface StaleCandidate {
  readonly snapshot: WorktreeSnapshot;
  readonly commonDir: string;
  readonly reason: string;
}

export interface StaleOptions {
  readonly staleAfterDays: number;
  readonly now: number;
  readonly protectedPaths?: readonly string[];
}

/**
 * Worktrees a cleanup may offer: agent worktrees idle for `staleAfterDays` that are clean, unlocked
 * and whose commits all exist elsewhere (so removing them loses nothing), plus worktrees whose
 * folder is gone. Only offers; removing is the caller's confirmed decision.
 */
export async function findStaleWorktrees(
  service: GitService,
  repositories: readonly RepositorySnapshot[],
  options: StaleOptions,
): Promise<StaleCandidate[]> {
  const candidates: StaleCandidate[] = [];
  for (const repository of repositories) {
    for (const snapshot of repository.worktrees) {
      const { worktree, status } = snapshot;
      if (worktree.isMain || worktree.bare) continue;
      if (worktree.gone) {
        candidates.push({ snapshot, commonDir: repository.commonDir, reason: 'folder missing' });
        continue;
      }
      if (!worktree.agent || !status || status.dirty || worktree.locked) continue;
      const idleDays =
        status.lastActivityAt === undefined ? Number.POSITIVE_INFINITY : (options.now - status.lastActivityAt) / DAY;
      if (idleDays < options.staleAfterDays) continue;
      const plan = await planRemoval(service, [{ path: worktree.path, commonDir: repository.commonDir }], {
        protectedPaths: options.protectedPaths,
      });
      if (plan.blocked || plan.losesWork) continue;
      const idle = Number.isFinite(idleDays) ? `no activity for ${Math.floor(idleDays)} days` : 'no recorded activity';
      candidates.push({ snapshot, commonDir: repository.commonDir, reason: `${idle}, clean, nothing unkept` });
    }
  }
  return candidates;
}
