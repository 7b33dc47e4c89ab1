import type { TrashItem } from './trash';
/** The product's picture of a worktree: git's facts plus what this extension recorded. Plain data. */

import type { WorktreeEntry, WorktreeStatus } from '../git';
import type { AgentMetadata } from './agentMetadata';

export interface Worktree extends WorktreeEntry {
  /** Set for worktrees this extension created for an agent (read from the admin dir, no git process). */
  readonly agent: AgentMetadata | undefined;
  /** Why its agent metadata could not be read, when there is a file but a damaged one. */
  readonly agentMetadataProblem?: string;
}

/** Everything known about one worktree after a refresh. `status` is absent for gone/bare entries. */
export interface WorktreeSnapshot {
  readonly worktree: Worktree;
  readonly status: WorktreeStatus | undefined;
  /** Why status could not be read (kept, never turned into "clean"). */
  readonly statusError: Error | undefined;
}

export interface RepositorySnapshot {
  readonly commonDir: string;
  /** Display name: the main worktree's folder name (or the bare repo's). */
  readonly name: string;
  readonly worktrees: readonly WorktreeSnapshot[];
  /** What is in its trash (discarded work Restore Discarded Agent Work can bring back), newest first. */
  readonly trash?: readonly TrashItem[];
}

/**
 * Whether an agent worktree likely has work not yet kept, from the snapshot alone (no git): HEAD
 * moved since the base or the last Keep, or files changed after the last Keep. The review panel
 * shows the exact answer.
 */
export function hasUnkeptWork({ worktree, status }: WorktreeSnapshot): boolean {
  const agent = worktree.agent;
  if (!agent || !status || worktree.gone) return false;
  const head = status.headOid ?? worktree.head;
  if (head !== (agent.keptAtHead ?? agent.baseCommit)) return true;
  if (!status.dirty) return false;
  const keptAt = agent.keptAt ? Date.parse(agent.keptAt) : undefined;
  return keptAt === undefined || (status.newestChangeAt ?? Number.POSITIVE_INFINITY) > keptAt;
}
