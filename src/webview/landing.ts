import { type AgentMetadata, type GitService, landingChoices, type Worktree } from '../agents';
import type { Logger } from '../git';
import type { Landing } from './protocol';
import { errorMessage } from './reviewController';

/**
 * How the agent's work can land in `target`, for the panel to say before any click. A failure to
 * work it out only hides Keep and Commit and Cherry-pick (and is logged): the review still shows.
 */
export async function loadLanding(
  service: GitService,
  logger: Logger,
  agent: { readonly path: string; readonly metadata: AgentMetadata | undefined },
  target: { readonly path: string; readonly staged: boolean; readonly worktrees: readonly Worktree[] },
): Promise<Landing | undefined> {
  if (!agent.metadata) return undefined;
  try {
    const [choices, staleBase] = await Promise.all([
      landingChoices(service, agent.path, agent.metadata),
      baseMovedSince(service, agent.path, agent.metadata),
    ]);
    const targetBranch = target.worktrees.find((worktree) => worktree.path === target.path)?.branch;
    return { staged: target.staged, targetBranch, ...choices, ...(staleBase ? { staleBase } : {}) };
  } catch (error) {
    logger.warn(`Review panel: could not tell how ${agent.path} can land: ${errorMessage(error)}`);
    return undefined;
  }
}

/** How many commits the agent's base branch gained since it started (undefined: none, or no branch). */
async function baseMovedSince(
  service: GitService,
  agentPath: string,
  metadata: AgentMetadata,
): Promise<{ branch: string; commits: number } | undefined> {
  const branch = metadata.baseBranch;
  if (!branch) return undefined;
  const commits = await service.countCommits(agentPath, `${metadata.baseCommit}..refs/heads/${branch}`).catch(() => 0);
  return commits > 0 ? { branch, commits } : undefined;
}
