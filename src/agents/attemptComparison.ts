import * as path from 'node:path';
import { samePath } from '../git';
import { type ChangedFile, getAgentChanges } from './agentChanges';
import { type AttemptGroup, findAttemptGroup } from './attemptGroups';
import { WorktreeOperationError } from './operationErrors';
import type { GitService } from './service';

/** One attempt as Compare Attempts shows it: everything its agent changed against the shared base. */
export interface AttemptSummary {
  readonly path: string;
  readonly name: string;
  /** Its number in the group (1-based, as created). */
  readonly index: number;
  readonly agentCommand: string | undefined;
  readonly branch: string | undefined;
  /** The tree of everything in it when this was read: what a file diff between attempts shows. */
  readonly tree: string | undefined;
  readonly files: readonly Pick<ChangedFile, 'path' | 'oldPath' | 'status' | 'additions' | 'deletions' | 'binary'>[];
  readonly totals: { readonly files: number; readonly additions: number; readonly deletions: number };
  /** Commits on its branch since the base. */
  readonly commits: number | undefined;
  /** When its files or HEAD last changed (ms since epoch). */
  readonly lastActivityAt: number | undefined;
  /** Why its changes could not be read (shown in its column, never as "no changes"). */
  readonly problem: string | undefined;
  /** The worktrees its work was kept into so far (empty: never kept). */
  readonly keptInto: readonly string[];
}

export interface AttemptComparison {
  readonly group: string;
  readonly task: string | undefined;
  readonly baseCommit: string | undefined;
  readonly attempts: readonly AttemptSummary[];
  /** Paths two or more attempts changed, with the positions (in `attempts`) of those that did. */
  readonly sharedFiles: ReadonlyArray<{ readonly path: string; readonly attempts: readonly number[] }>;
}

/** Reads every attempt of the group (in parallel, each as the review panel would) and what they share. */
export async function compareAttempts(service: GitService, group: AttemptGroup): Promise<AttemptComparison> {
  const attempts = await Promise.all(group.members.map((member) => summarize(service, member)));
  return {
    group: group.group,
    task: group.task,
    baseCommit: group.members[0]?.worktree.agent?.baseCommit,
    attempts,
    sharedFiles: sharedFiles(attempts),
  };
}

/**
 * The comparison of the attempts `worktreePath` is one of (for the CLI and the MCP server, which
 * have no view to find the group in); an `invalid` refusal when it is no attempt.
 */
export async function compareAttemptsOf(service: GitService, worktreePath: string): Promise<AttemptComparison> {
  const found = await service.discover(worktreePath);
  if (found.kind !== 'worktree') throw new WorktreeOperationError('invalid', `${worktreePath} is not a worktree.`);
  const { worktrees } = await service.readRepository({ commonDir: found.commonDir });
  const own = worktrees.find((snapshot) => samePath(snapshot.worktree.path, found.topLevel));
  const group = own?.worktree.agent?.attempt?.group;
  if (!group) {
    throw new WorktreeOperationError('invalid', `${worktreePath} is not one of several attempts at a task (New Agent Attempts).`);
  }
  return compareAttempts(service, findAttemptGroup(worktrees, group) as AttemptGroup);
}

async function summarize(service: GitService, member: AttemptGroup['members'][number]): Promise<AttemptSummary> {
  const { worktree, status } = member;
  const agent = worktree.agent;
  const common = {
    path: worktree.path,
    name: path.basename(worktree.path),
    index: agent?.attempt?.index ?? 0,
    agentCommand: agent?.agentCommand,
    branch: status?.branch ?? worktree.branch,
    lastActivityAt: status?.lastActivityAt,
    keptInto: agent?.keptInto ?? [],
  };
  const empty = { tree: undefined, files: [], totals: { files: 0, additions: 0, deletions: 0 }, commits: undefined };
  if (worktree.gone) return { ...common, ...empty, problem: 'its folder is missing' };
  try {
    const [changes, commits] = await Promise.all([
      getAgentChanges(service, worktree.path, { since: 'base' }),
      agent ? service.countCommits(worktree.path, `${agent.baseCommit}..HEAD`) : undefined,
    ]);
    const files = changes.files.map(({ path: file, oldPath, status: change, additions, deletions, binary }) => ({
      path: file,
      oldPath,
      status: change,
      additions,
      deletions,
      binary,
    }));
    return { ...common, tree: changes.tree, files, totals: changes.totals, commits, problem: undefined };
  } catch (error) {
    return { ...common, ...empty, problem: (error as Error).message };
  }
}

function sharedFiles(attempts: readonly AttemptSummary[]): AttemptComparison['sharedFiles'] {
  const touched = new Map<string, number[]>();
  attempts.forEach((attempt, position) => {
    for (const file of attempt.files) touched.set(file.path, [...(touched.get(file.path) ?? []), position]);
  });
  return [...touched]
    .filter(([, positions]) => positions.length >= 2)
    .map(([file, positions]) => ({ path: file, attempts: positions }))
    .sort((a, b) => a.path.localeCompare(b.path));
}
