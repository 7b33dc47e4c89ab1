import { type GitService, type KeepSummary, listKeeps, type UndoResult } from '../agents';
import { samePath } from '../git';
import type { LastKeep } from './protocol';

/**
 * The newest keep of this agent worktree that can still be undone (`listKeeps` is newest first),
 * read from the repository's own records: the page never names one.
 */
export async function latestKeepOf(service: GitService, worktreePath: string): Promise<KeepSummary | undefined> {
  const keeps = await listKeeps(service, worktreePath);
  return keeps.find((entry) => samePath(entry.agentWorktree, worktreePath));
}

/** What the panel's Undo Last Keep button says about it. */
export function lastKeepOf(entry: KeepSummary | undefined): LastKeep | undefined {
  return entry ? { files: entry.paths.length, at: entry.at, target: entry.target } : undefined;
}

/** The panel's line after an undo (undefined result: the user said no when asked). */
export function describeUndo(result: UndoResult | undefined): string {
  if (!result) return 'Nothing was undone.';
  const files = `${result.restored.length} file${result.restored.length === 1 ? '' : 's'}`;
  return `Undid the last keep: ${files} back as they were in ${result.target}; the agent’s changes are back to review.`;
}
