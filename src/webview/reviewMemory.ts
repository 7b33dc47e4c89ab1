import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { EMPTY_SELECTION, parseSelection, parseViewed, type ReviewFile, type ReviewSelection } from './protocol';

const SELECTIONS_KEY = 'agentWorktrees.review.selections';
const OPEN_KEY = 'agentWorktrees.review.open';
const VIEWED_KEY = 'agentWorktrees.review.viewed';

/** The title of a worktree's review panel; restoring a panel without state matches on it. */
export function reviewTitle(worktreePath: string): string {
  return `Review: ${path.basename(worktreePath)}`;
}

/**
 * What the review panels need to survive a reload or a restart, in workspace state: each
 * worktree's selection (what the user left out) and which worktrees have a panel open. A webview's
 * own state is persisted by VS Code only now and then — a browser reload can restore a panel with
 * stale or no state at all — while workspace state is written through at once.
 */
export class ReviewMemory {
  constructor(private readonly memento: vscode.Memento) {}

  selection(worktreePath: string): ReviewSelection {
    return parseSelection(this.record(SELECTIONS_KEY)[worktreePath]) ?? EMPTY_SELECTION;
  }

  async setSelection(worktreePath: string, selection: ReviewSelection): Promise<void> {
    const empty = selection.unchecked.length === 0 && Object.keys(selection.uncheckedHunks).length === 0;
    await this.write(SELECTIONS_KEY, worktreePath, empty ? undefined : selection);
  }

  /** The files of this review marked viewed whose diff is still the one that was viewed. */
  viewed(worktreePath: string, files: readonly Pick<ReviewFile, 'path' | 'viewKey'>[]): Record<string, string> {
    const marks = parseViewed(this.record(VIEWED_KEY)[worktreePath]) ?? {};
    return Object.fromEntries(
      files
        .filter((file) => Object.hasOwn(marks, file.path) && marks[file.path] === file.viewKey)
        .map((file) => [file.path, file.viewKey]),
    );
  }

  /** Marks (or unmarks) one file viewed as of `viewKey`; marks of other diffs of it are dropped. */
  async setViewed(worktreePath: string, filePath: string, viewKey: string, viewed: boolean): Promise<void> {
    const marks = Object.entries(parseViewed(this.record(VIEWED_KEY)[worktreePath]) ?? {}).filter(([file]) => file !== filePath);
    if (viewed) marks.push([filePath, viewKey]);
    await this.write(VIEWED_KEY, worktreePath, marks.length > 0 ? Object.fromEntries(marks) : undefined);
  }

  /** The worktree was discarded: nothing of its review is kept. */
  async forget(worktreePath: string): Promise<void> {
    await this.write(SELECTIONS_KEY, worktreePath, undefined);
    await this.write(VIEWED_KEY, worktreePath, undefined);
    await this.write(OPEN_KEY, worktreePath, undefined);
  }

  async opened(worktreePath: string): Promise<void> {
    await this.write(OPEN_KEY, worktreePath, true);
  }

  async closed(worktreePath: string): Promise<void> {
    await this.write(OPEN_KEY, worktreePath, undefined);
  }

  /**
   * The worktree of a restored panel that came back without state: the one open panel with that
   * title which is not restored yet. Ambiguous or unknown → undefined.
   */
  guess(title: string, alreadyOpen: ReadonlySet<string>): string | undefined {
    const candidates = Object.keys(this.record(OPEN_KEY)).filter(
      (worktreePath) => reviewTitle(worktreePath) === title && !alreadyOpen.has(worktreePath) && existsSync(worktreePath),
    );
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  private record(key: string): Record<string, unknown> {
    const stored = this.memento.get<unknown>(key);
    return typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? (stored as Record<string, unknown>) : {};
  }

  private async write(key: string, worktreePath: string, value: unknown): Promise<void> {
    // Entries of worktrees that no longer exist are dropped on the way (removed elsewhere).
    const kept = Object.entries(this.record(key)).filter(([entry]) => entry !== worktreePath && existsSync(entry));
    if (value !== undefined) kept.push([worktreePath, value]);
    await this.memento.update(key, kept.length > 0 ? Object.fromEntries(kept) : undefined);
  }
}
