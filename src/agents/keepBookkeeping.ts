import * as path from 'node:path';
import { failureReason, type RepositoryDiscovery } from '../git';
import type { AgentWorktreeLocation } from './agentChanges';
import { type AgentMetadata, keptIntoWith, keptRefName, writeAgentMetadata } from './agentMetadata';
import { BOOKKEEPING_IDENTITY, KEEPS_REF_PREFIX, type KeepStates, newRecordRef, targetKey, writeKeepRecord } from './keepRecord';
import { WorktreeOperationError } from './operationErrors';
import type { GitService } from './service';

export const DEFAULT_UNDO_LIMIT = 10;

/** The kept state as a commit on no branch (the agent's branch and index never move). */
export async function keptCommit(service: GitService, agentPath: string, from: string, tree: string): Promise<string> {
  // A bookkeeping commit: a fixed identity, so it works where the user has none configured.
  const result = await service.runner.run(
    ['commit-tree', '-p', from, '-m', 'Agent Worktrees: kept changes', '--end-of-options', tree],
    { cwd: agentPath, env: BOOKKEEPING_IDENTITY },
  );
  return result.stdout.trim();
}

/**
 * After the keep wrote the target: the undo record (what Undo restores), the kept-up-to ref
 * (outside refs/heads and refs/tags, so gc keeps the commit) and the metadata. All or nothing: a
 * failure puts both refs back as they were, and the caller takes the applied changes back out.
 */
export async function recordKeep(
  service: GitService,
  keepDone: {
    readonly agent: AgentWorktreeLocation;
    readonly metadata: AgentMetadata;
    readonly keptUpTo: string;
    readonly target: Extract<RepositoryDiscovery, { kind: 'worktree' }>;
    readonly states: KeepStates;
    readonly undoLimit: number | undefined;
    /** False for a keep undone otherwise (Keep and Commit: by reverting its commit): no record. */
    readonly undoable?: boolean;
  },
): Promise<string | undefined> {
  const { agent, metadata, keptUpTo, target } = keepDone;
  const git = (args: string[], accept = [0]) => service.runner.run(args, { cwd: agent.topLevel, acceptExitCodes: accept });
  const now = new Date();
  const record = keepDone.undoable === false ? undefined : await writeRecordOf(service, keepDone, now);
  const keptRef = keptRefName(agent.gitDir);
  const recordRef = newRecordRef(target, now);
  const previous = (await git(['rev-parse', '--verify', '--quiet', keptRef], [0, 1])).stdout.trim();
  await git(['update-ref', keptRef, keptUpTo]);
  let recorded = false;
  try {
    // A new ref: the zero old value makes update-ref refuse to overwrite one that exists.
    if (record) await git(['update-ref', recordRef, record, '0'.repeat(record.length)]);
    recorded = record !== undefined;
    const keptAtHead = (await git(['rev-parse', '--verify', 'HEAD'])).stdout.trim();
    const keptInto = keptIntoWith(metadata, target.topLevel);
    await writeAgentMetadata(agent.gitDir, { ...metadata, keptUpTo, keptInto, keptAtHead, keptAt: now.toISOString() });
  } catch (error) {
    const undo = [
      git(previous ? ['update-ref', keptRef, previous, keptUpTo] : ['update-ref', '-d', keptRef, keptUpTo]),
      ...(recorded && record ? [git(['update-ref', '-d', recordRef, record])] : []),
    ];
    const failures = (await Promise.allSettled(undo)).filter((result) => result.status === 'rejected');
    if (failures.length > 0) {
      throw new WorktreeOperationError(
        'failed',
        `Recording what was kept failed (${failureReason(error)}) and its refs could not be put back (${failures.map((failure) => failureReason((failure as PromiseRejectedResult).reason)).join('; ')}).`,
        { cause: error },
      );
    }
    throw error;
  }
  await pruneRecords(service, agent.topLevel, target, keepDone.undoLimit ?? DEFAULT_UNDO_LIMIT);
  return record ? recordRef : undefined;
}

/** The undo record's objects (no ref yet): what the keep changed, and the bookkeeping before it. */
function writeRecordOf(service: GitService, keepDone: Parameters<typeof recordKeep>[1], now: Date): Promise<string> {
  const { agent, metadata } = keepDone;
  const { keptUpTo, keptInto, keptAtHead, keptAt } = metadata;
  return writeKeepRecord(
    service,
    agent.topLevel,
    {
      target: keepDone.target.topLevel,
      agentWorktree: agent.topLevel,
      agentId: path.basename(agent.gitDir),
      task: metadata.task,
      at: now.toISOString(),
      keptBefore: { keptUpTo, keptInto, keptAtHead, keptAt },
      keptUpToAfter: keepDone.keptUpTo,
    },
    keepDone.states,
  );
}

/**
 * Only the newest `limit` keeps per target stay undoable. Pruning is housekeeping after a keep that
 * succeeded: a ref git refuses to delete (the runner logs git's reason) stays, harmlessly, until
 * the next keep tries again.
 */
async function pruneRecords(
  service: GitService,
  cwd: string,
  target: { gitDir: string; commonDir: string },
  limit: number,
): Promise<void> {
  // Refs only (their names sort by time within a target): no record needs reading to prune.
  const listed = await service.runner.run(
    ['for-each-ref', '--sort=-refname', '--format=%(refname)', '--end-of-options', `${KEEPS_REF_PREFIX}${targetKey(target)}/`],
    { cwd, readOnly: true },
  );
  for (const old of listed.stdout.split('\n').filter(Boolean).slice(Math.max(limit, 1))) {
    await service.runner.run(['update-ref', '-d', old], { cwd }).catch(() => undefined);
  }
}
