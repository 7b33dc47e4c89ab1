import { WorktreeOperationError } from './operationErrors';

/**
 * The hunks of one file's diff section (`diff --git …` up to the next file), as the review panel
 * numbers them: 0, 1, 2 … in order. Bytes are handled as latin1 so file contents pass unchanged.
 */
export function splitHunks(section: Buffer): { header: string; hunks: string[] } {
  const text = section.toString('latin1');
  const lines = text.split(/(?<=\n)/);
  const firstHunk = lines.findIndex((line) => line.startsWith('@@'));
  if (firstHunk === -1) return { header: text, hunks: [] };
  const hunks: string[] = [];
  for (const line of lines.slice(firstHunk)) {
    if (line.startsWith('@@')) hunks.push(line);
    else hunks[hunks.length - 1] += line;
  }
  return { header: lines.slice(0, firstHunk).join(''), hunks };
}

/**
 * One file's diff reduced to the chosen hunks; apply it with `--recount` (the kept hunks' line
 * numbers may shift when earlier ones are left out; git finds them by their context).
 */
export function selectHunks(section: Buffer, indexes: readonly number[], filePath: string): Buffer {
  const { header, hunks } = splitHunks(section);
  if (hunks.length === 0) {
    throw new WorktreeOperationError(
      'invalid',
      `${filePath} has no hunks to choose from (binary, renamed or mode-only change): keep it whole.`,
    );
  }
  const invalid = indexes.filter((index) => !Number.isInteger(index) || index < 0 || index >= hunks.length);
  if (invalid.length > 0) throw new WorktreeOperationError('invalid', `${filePath} has no hunk ${invalid.join(', ')}.`);
  if (indexes.length === 0) return Buffer.alloc(0);
  const chosen = [...new Set(indexes)].sort((a, b) => a - b).map((index) => hunks[index] as string);
  return Buffer.from(header + chosen.join(''), 'latin1');
}

/** Splits a multi-file patch into its per-file sections (`diff --git …`), in order, bytes intact. */
export function splitPatch(patch: Buffer): Buffer[] {
  const sections: Buffer[] = [];
  const marker = Buffer.from('diff --git ');
  const boundary = Buffer.from('\ndiff --git ');
  let start = patch.indexOf(marker);
  while (start !== -1) {
    const next = patch.indexOf(boundary, start);
    const end = next === -1 ? patch.length : next + 1;
    sections.push(patch.subarray(start, end));
    start = next === -1 ? -1 : end;
  }
  return sections;
}

/** Added and deleted lines of one file's section (binary sections count as binary, no lines). */
export function countSection(section: Buffer): { additions: number; deletions: number; binary: boolean } {
  const text = section.toString('latin1');
  if (/\n(GIT binary patch|Binary files .* differ)\n/.test(text)) return { additions: 0, deletions: 0, binary: true };
  let additions = 0;
  let deletions = 0;
  let inHunk = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('@@')) inHunk = true;
    else if (inHunk && line.startsWith('+')) additions++;
    else if (inHunk && line.startsWith('-')) deletions++;
  }
  return { additions, deletions, binary: false };
}
