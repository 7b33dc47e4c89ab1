import * as path from 'node:path';
import type { AttemptComparison } from '../agents';
import type { AgentActivity } from '../views/agentActivity';
import { agentStatusLook, formatAgo, shortSha } from '../views/presentation';
import type { CompareCell, CompareData, CompareFile } from './compareProtocol';

/**
 * What the Compare Attempts page shows, from a comparison: one column per attempt, one row per
 * file any attempt changed (files several changed first, then by path). Plain data, no `vscode`.
 */
export function buildCompareData(
  comparison: AttemptComparison,
  context: {
    readonly activityOf: (worktreePath: string) => AgentActivity | undefined;
    readonly now: number;
    readonly checkCommand: string | undefined;
  },
): CompareData {
  const attempts = comparison.attempts.map((attempt) => {
    const activity = context.activityOf(attempt.path);
    const look = activity ? agentStatusLook(activity) : undefined;
    return {
      name: attempt.name,
      index: attempt.index,
      agentCommand: attempt.agentCommand,
      branch: attempt.branch,
      status: look ? { word: look.word, icon: look.icon.replace('~spin', '') } : undefined,
      files: attempt.totals.files,
      additions: attempt.totals.additions,
      deletions: attempt.totals.deletions,
      commits: attempt.commits,
      lastActivity: attempt.lastActivityAt === undefined ? undefined : formatAgo(context.now - attempt.lastActivityAt),
      problem: attempt.problem,
      keptInto: attempt.keptInto.map((target) => path.basename(target)),
    };
  });
  return {
    task: comparison.task,
    base: comparison.baseCommit ? shortSha(comparison.baseCommit) : undefined,
    checkCommand: context.checkCommand,
    attempts,
    files: fileRows(comparison),
  };
}

function fileRows(comparison: AttemptComparison): CompareFile[] {
  const rows = new Map<string, (CompareCell | null)[]>();
  comparison.attempts.forEach((attempt, position) => {
    for (const file of attempt.files) {
      const cells = rows.get(file.path) ?? comparison.attempts.map(() => null);
      cells[position] = { status: file.status, additions: file.additions, deletions: file.deletions, binary: file.binary };
      rows.set(file.path, cells);
    }
  });
  return [...rows]
    .map(([path, cells]) => ({ path, cells, shared: cells.filter(Boolean).length >= 2 }))
    .sort((a, b) => Number(b.shared) - Number(a.shared) || a.path.localeCompare(b.path));
}
