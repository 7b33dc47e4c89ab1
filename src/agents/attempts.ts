import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { failureReason } from '../git';
import { MAX_ATTEMPTS } from './agentMetadata';
import {
  type CreateAgentWorktreeOptions,
  type CreatedAgentWorktree,
  CreationFailed,
  chooseBase,
  chooseSlug,
  gitIn,
  invokingWorktree,
  makeAgentWorktree,
  planAgentWorktrees,
  removeMadeFolders,
  rollback,
} from './createAgentWorktree';
import { WorktreeOperationError } from './operationErrors';
import { releasePortBlock } from './portBlocks';
import type { GitService } from './service';
import { slugProblem } from './slug';
import { type Git, readUncommittedState } from './startingState';

/** One attempt: which agent runs it (default: the agent command setting, or ask). */
export interface AttemptSpec {
  readonly agentCommand?: string;
}

export interface CreateAttemptsOptions extends Omit<CreateAgentWorktreeOptions, 'agentCommand'> {
  /** One entry per attempt, at least 2 and at most MAX_ATTEMPTS. */
  readonly attempts: readonly AttemptSpec[];
}

export interface CreatedAttempts {
  /** The attempt-group id every attempt's metadata carries. */
  readonly group: string;
  /** The commit every attempt starts from. */
  readonly baseCommit: string;
  readonly attempts: readonly CreatedAgentWorktree[];
}

/**
 * One task, several agent worktrees from the same base commit: `<slug>-1` … `<slug>-N`, each an
 * ordinary agent worktree whose metadata names the group. All or nothing: every name, branch and
 * folder is checked before the first is made, and when making attempt k fails, the k−1 this call
 * made are removed again (nothing else is touched).
 */
export async function createAttempts(service: GitService, options: CreateAttemptsOptions): Promise<CreatedAttempts> {
  const count = options.attempts.length;
  if (!Number.isInteger(count) || count < 2 || count > MAX_ATTEMPTS) {
    throw new WorktreeOperationError('invalid', `Attempts: between 2 and ${MAX_ATTEMPTS}, not ${count}.`);
  }
  const groupSlug = chooseSlug(options);
  const slugs = options.attempts.map((_, index) => `${groupSlug}-${index + 1}`);
  const problem = slugs.map(slugProblem).find(Boolean);
  if (problem) throw new WorktreeOperationError('invalid', `Invalid worktree name "${slugs.at(-1)}": ${problem}`);
  const repository = await invokingWorktree(service, options.repoPath);
  return service.mutate(repository.commonDir, async () => {
    const git = gitIn(service, repository.invoking);
    const planned = await planAgentWorktrees(git, options, repository.commonDir, slugs);
    const base = await chooseBase(git, options);
    const uncommitted = options.includeUncommitted
      ? await readUncommittedState(service, git, repository.invoking, repository.gitDir)
      : undefined;
    const group = randomBytes(8).toString('hex');
    // The folder the attempts go into, when this call is the one that makes it: removed on failure.
    const parent = path.dirname(planned[0]?.target ?? repository.invoking);
    const createdParent = await mkdir(parent, { recursive: true });
    const made: CreatedAgentWorktree[] = [];
    try {
      for (const [index, plan] of planned.entries()) {
        const spec = options.attempts[index];
        const attempt = { group, index: index + 1, count };
        made.push(
          await makeAgentWorktree(git, { ...options, agentCommand: spec?.agentCommand }, repository, {
            ...plan,
            base,
            uncommitted,
            extra: { attempt },
          }),
        );
      }
    } catch (error) {
      // What the failed attempt left and what undoing the others left are said once, for the whole call.
      const failed = error instanceof CreationFailed ? error : undefined;
      const leftovers = [...(failed?.leftovers ?? []), ...(await removeMade(git, made, options))];
      await removeMadeFolders(parent, createdParent);
      const tail = leftovers.length > 0 ? ` Could not undo: ${leftovers.join('; ')}.` : ' Nothing was left behind.';
      const reason = failed?.reason ?? failureReason(error).replace(/\.$/, '');
      const before =
        made.length === 0
          ? 'None was made before it.'
          : `The ${made.length} made before it ${made.length === 1 ? 'was' : 'were'} removed again.`;
      throw new WorktreeOperationError(
        'failed',
        `Creating attempt ${made.length + 1} of ${count} failed: ${reason}. ${before}${tail}`,
        { cause: error },
      );
    }
    return { group, baseCommit: base.commit, attempts: made };
  });
}

/** The attempts this call made, removed again: nothing but what it put there is in them yet. */
async function removeMade(git: Git, made: readonly CreatedAgentWorktree[], options: CreateAttemptsOptions): Promise<string[]> {
  const leftovers: string[] = [];
  for (const created of [...made].reverse()) {
    leftovers.push(
      ...(await rollback(git, {
        target: created.path,
        branch: created.branch,
        branchCreated: true,
        worktreeAdded: true,
        createdFolder: undefined,
      })),
    );
    if (created.metadata.ports) await releasePortBlock(created.path, options.ports?.registry).catch(() => undefined);
  }
  return leftovers;
}
