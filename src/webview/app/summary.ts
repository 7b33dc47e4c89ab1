import type { ReviewFile } from '../protocol';
import type { PageSelection } from './selection';

/** What Keep Selected will do with the current ticks, against everything shown. */
export interface KeepPlan {
  readonly files: number;
  readonly totalFiles: number;
  readonly hunks: number;
  readonly totalHunks: number;
  readonly additions: number;
  readonly deletions: number;
  readonly totalAdditions: number;
  readonly totalDeletions: number;
}

/** The lines of a file that the ticks keep (a file without hunks: all of it or nothing). */
export function keptLines(choices: PageSelection, file: ReviewFile): { additions: number; deletions: number } {
  if (file.hunkKeys.length === 0 || file.hunkLines.length !== file.hunkKeys.length) {
    return choices.fileChecked(file) ? { additions: file.additions, deletions: file.deletions } : { additions: 0, deletions: 0 };
  }
  let additions = 0;
  let deletions = 0;
  file.hunkLines.forEach((lines, index) => {
    if (!choices.hunkChecked(file, index)) return;
    additions += lines.additions;
    deletions += lines.deletions;
  });
  return { additions, deletions };
}

export function planKeep(choices: PageSelection, files: readonly ReviewFile[]): KeepPlan {
  const plan = { files: 0, totalFiles: files.length, hunks: 0, totalHunks: 0, additions: 0, deletions: 0 };
  let totalAdditions = 0;
  let totalDeletions = 0;
  for (const file of files) {
    totalAdditions += file.additions;
    totalDeletions += file.deletions;
    plan.totalHunks += file.hunkKeys.length;
    if (!choices.fileChecked(file)) continue;
    plan.files++;
    plan.hunks += file.hunkKeys.filter((_key, index) => choices.hunkChecked(file, index)).length;
    const kept = keptLines(choices, file);
    plan.additions += kept.additions;
    plan.deletions += kept.deletions;
  }
  return { ...plan, totalAdditions, totalDeletions };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** "Keep 3 files · 5 of 7 hunks": the Keep Selected button says what it will do. */
export function keepButtonText(plan: KeepPlan, commit = false): string {
  const hunks = plan.totalHunks > 0 ? ` · ${plan.hunks} of ${plural(plan.totalHunks, 'hunk')}` : '';
  return `${commit ? 'Keep and Commit' : 'Keep'} ${plural(plan.files, 'file')}${hunks}`;
}

/** The header's totals: what the ticks keep, of what the agent changed. */
export function totalsText(plan: KeepPlan): string {
  const all = `+${plan.totalAdditions} −${plan.totalDeletions}`;
  if (plan.files === plan.totalFiles && plan.hunks === plan.totalHunks) return `${plural(plan.totalFiles, 'file')} · ${all}`;
  return `keeping ${plan.files} of ${plural(plan.totalFiles, 'file')} · +${plan.additions} −${plan.deletions} of ${all}`;
}

/** A file's counts in the list: what is kept of it, with the whole when that differs. */
export function countsText(choices: PageSelection, file: ReviewFile): string {
  if (file.binary) return 'binary';
  const kept = keptLines(choices, file);
  const all = `+${file.additions} −${file.deletions}`;
  return choices.fileState(file) === 'all' ? all : `+${kept.additions} −${kept.deletions} of ${all}`;
}
