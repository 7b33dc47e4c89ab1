import type { ReviewFile, ReviewSelection } from '../protocol';

export type FileState = 'all' | 'some' | 'none';

/**
 * What the user left out, on the page: files by path, hunks by content key. Nothing here forgets a
 * choice when the review is re-captured — a file or hunk the user unticked stays unticked until the
 * user ticks it. (No DOM here: the page and the unit tests share it.)
 */
export class PageSelection {
  private readonly uncheckedFiles = new Set<string>();
  private readonly uncheckedHunks = new Map<string, Set<string>>();

  adopt(selection: ReviewSelection): void {
    this.uncheckedFiles.clear();
    this.uncheckedHunks.clear();
    for (const file of selection.unchecked) this.uncheckedFiles.add(file);
    for (const [file, keys] of Object.entries(selection.uncheckedHunks)) this.uncheckedHunks.set(file, new Set(keys));
  }

  toSelection(): ReviewSelection {
    const hunks = Object.fromEntries([...this.uncheckedHunks].map(([file, keys]) => [file, [...keys]]));
    return { unchecked: [...this.uncheckedFiles], uncheckedHunks: hunks };
  }

  /** Ticked: the file is not left out and at least one of its hunks is not (a one-hunk file too). */
  fileChecked(file: ReviewFile): boolean {
    if (this.uncheckedFiles.has(file.path)) return false;
    return file.hunkKeys.length === 0 || file.hunkKeys.some((key) => !this.hunkLeftOut(file, key));
  }

  /** Ticking a file takes all of it, its hunks included; unticking leaves the hunk choices as they are. */
  setFileChecked(file: ReviewFile, checked: boolean): void {
    if (!checked) {
      this.uncheckedFiles.add(file.path);
      return;
    }
    this.uncheckedFiles.delete(file.path);
    const keys = this.uncheckedHunks.get(file.path);
    for (const key of file.hunkKeys) keys?.delete(key);
    if (keys?.size === 0) this.uncheckedHunks.delete(file.path);
  }

  /** The file checkbox's three states: every hunk kept, some, or none (the file left out). */
  fileState(file: ReviewFile): FileState {
    if (!this.fileChecked(file)) return 'none';
    return file.hunkKeys.some((key) => this.hunkLeftOut(file, key)) ? 'some' : 'all';
  }

  /** A hunk is kept when its file is and it is not left out itself. */
  hunkChecked(file: ReviewFile, index: number): boolean {
    const key = file.hunkKeys[index];
    return key !== undefined && !this.uncheckedFiles.has(file.path) && !this.hunkLeftOut(file, key);
  }

  /**
   * Ticking a hunk of a file that is left out takes that hunk alone (the others stay out); otherwise
   * only this hunk changes.
   */
  setHunkChecked(file: ReviewFile, index: number, checked: boolean): void {
    const key = file.hunkKeys[index];
    if (key === undefined) return;
    if (checked && this.uncheckedFiles.has(file.path)) {
      this.uncheckedFiles.delete(file.path);
      this.uncheckedHunks.set(file.path, new Set(file.hunkKeys.filter((other) => other !== key)));
      return;
    }
    const keys = this.uncheckedHunks.get(file.path) ?? new Set<string>();
    if (checked) keys.delete(key);
    else keys.add(key);
    if (keys.size > 0) this.uncheckedHunks.set(file.path, keys);
    else this.uncheckedHunks.delete(file.path);
  }

  /** The Keep Selected request for these files: hunk indexes into the capture shown. */
  keepRequest(files: readonly ReviewFile[]): { files: string[]; hunks: Record<string, number[]> } {
    const kept: string[] = [];
    const hunks: Array<[string, number[]]> = [];
    for (const file of files) {
      if (!this.fileChecked(file)) continue;
      const chosen = file.hunkKeys.flatMap((key, index) => (this.hunkLeftOut(file, key) ? [] : [index]));
      if (chosen.length < file.hunkKeys.length) hunks.push([file.path, chosen]);
      kept.push(file.path);
    }
    // fromEntries, not assignment: a file named `__proto__` is a key like any other.
    return { files: kept, hunks: Object.fromEntries(hunks) };
  }

  private hunkLeftOut(file: ReviewFile, key: string): boolean {
    return this.uncheckedHunks.get(file.path)?.has(key) ?? false;
  }
}
