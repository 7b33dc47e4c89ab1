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
    const choices = await landingChoices(service, agent.path, agent.metadata);
    const targetBranch = target.worktrees.find((worktree) => worktree.path === target.path)?.branch;
    return { staged: target.staged, targetBranch, ...choices };
  } catch (error) {
    logger.warn(`Review panel: could not tell how ${agent.path} can land: ${errorMessage(error)}`);
    return undefined;
  }
}
