import { type AgentMetadata, baseBranchGained, type GitService, landingChoices, type Worktree } from '../agents';
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
    const [choices, baseGained] = await Promise.all([
      landingChoices(service, agent.path, agent.metadata),
      baseBranchGained(service, agent.path, agent.metadata),
    ]);
    const targetBranch = target.worktrees.find((worktree) => worktree.path === target.path)?.branch;
    const branch = agent.metadata.baseBranch;
    const stale = branch && baseGained ? { staleBase: { branch, commits: baseGained } } : {};
    return { staged: target.staged, targetBranch, ...choices, ...stale };
  } catch (error) {
    logger.warn(`Review panel: could not tell how ${agent.path} can land: ${errorMessage(error)}`);
    return undefined;
  }
}
