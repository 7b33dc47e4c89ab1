import { createHash } from 'node:crypto';
import { type AgentChanges, splitHunks, splitPatch } from '../agents';

import type { HunkLines, ReviewData, ReviewFile } from './protocol';

/**
 * What the page needs to render a review: per file its own diff text (binary files none), how many
 * hunks it has (for per-hunk checkboxes), and whether it starts collapsed.
 */
export function buildReviewData(
  changes: AgentChanges,
  about: { title: string; task: string | undefined; branch: string | undefined; base: string; target: string },
  largeFileLines: number,
): ReviewData {
  const sections = splitPatch(changes.patch);
  if (sections.length !== changes.files.length) {
    throw new Error(`The patch has ${sections.length} file sections for ${changes.files.length} changed files`);
  }
  const files: ReviewFile[] = changes.files.map((file, index) => {
    const section = sections[index] as Buffer;
    const diff = file.binary ? '' : section.toString('utf8');
    const hunks = file.binary ? [] : splitHunks(section).hunks;
    const hunkKeys = keysOfHunks(hunks);
    return {
      path: file.path,
      oldPath: file.oldPath,
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      binary: file.binary,
      collapsed: file.binary || file.additions + file.deletions > largeFileLines,
      diff,
      hunkCount: hunkKeys.length,
      hunkKeys,
      viewKey: viewKeyOf(section),
      hunkLines: hunks.map(linesOfHunk),
    };
  });
  return {
    worktreePath: changes.worktreePath,
    ...about,
    files,
    capture: captureId(changes),
    totals: changes.totals,
  };
}

/** Names one capture: where its diff starts and the snapshot of the agent's state it ends at. */
export function captureId(changes: Pick<AgentChanges, 'from' | 'tree'>): string {
  return `${changes.from}:${changes.tree}`;
}

/**
 * A file's diff section (a binary file's names its blobs), hashed: the same change, the same key;
 * any change the agent makes to the file, a new one.
 */
export function viewKeyOf(section: Buffer): string {
  return createHash('sha256').update(section).digest('hex').slice(0, 16);
}

/**
 * A key per hunk from its lines without the `@@ -a,b +c,d @@` header, whose numbers change when an
 * earlier hunk is kept: the same change keeps its key. A repeat of the same hunk in one file gets
 * its occurrence appended, so each stays a choice of its own.
 */
export function keysOfHunks(hunks: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return hunks.map((hunk) => {
    const body = hunk.slice(hunk.indexOf('\n') + 1);
    const digest = createHash('sha256').update(body, 'latin1').digest('hex').slice(0, 16);
    const count = seen.get(digest) ?? 0;
    seen.set(digest, count + 1);
    return count === 0 ? digest : `${digest}-${count}`;
  });
}

/** Added and removed lines of one hunk (its `@@` header first; `\ No newline` lines count as neither). */
export function linesOfHunk(hunk: string): HunkLines {
  let additions = 0;
  let deletions = 0;
  for (const line of hunk.slice(hunk.indexOf('\n') + 1).split('\n')) {
    if (line.startsWith('+')) additions++;
    else if (line.startsWith('-')) deletions++;
  }
  return { additions, deletions };
}
