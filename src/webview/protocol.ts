/**
 * The review panel's messages, declared once and imported by both the extension host and the page:
 * a renamed field is a compile error on both sides. Everything the page sends is untrusted and
 * goes through `parsePageMessage` before the host acts on it.
 */

export type DiffLayout = 'side-by-side' | 'line-by-line';

export interface ReviewFile {
  readonly path: string;
  readonly oldPath: string | undefined;
  readonly status: 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed';
  readonly additions: number;
  readonly deletions: number;
  readonly binary: boolean;
  /** Shown collapsed with a summary (binary, or over the line threshold); rendered on expand. */
  readonly collapsed: boolean;
  /** This file's unified diff (text), empty for binary files. */
  readonly diff: string;
  readonly hunkCount: number;
  /**
   * One key per hunk, from its content (not its `@@` line numbers, not its position): a hunk the
   * user left out is still recognised after a keep of other hunks moved or renumbered it.
   */
  readonly hunkKeys: readonly string[];
  /**
   * The file's diff, hashed: a "viewed" mark is kept with it, so it clears by itself when the
   * agent changes the file again.
   */
  readonly viewKey: string;
  /** Per hunk, its added and removed lines: the counts follow the ticks. */
  readonly hunkLines: readonly HunkLines[];
}

export interface HunkLines {
  readonly additions: number;
  readonly deletions: number;
}

export interface ReviewData {
  readonly worktreePath: string;
  readonly title: string;
  readonly task: string | undefined;
  readonly branch: string | undefined;
  readonly base: string;
  readonly target: string;
  readonly files: readonly ReviewFile[];
  /** Which capture this is (`<from>:<tree>`): a keep names the capture the user chose from. */
  readonly capture: string;
  readonly totals: { readonly files: number; readonly additions: number; readonly deletions: number };
  /**
   * This agent worktree's newest keep that can still be undone: what the panel's Undo Last Keep
   * button says. The page never names a keep; the host undoes its own record of the newest one.
   */
  readonly lastKeep?: LastKeep;
  /** How the work can land in the target besides a plain Keep (shown before any click). */
  readonly landing?: Landing;
}

/** Keep, Keep and Commit, Cherry-pick: what each would do here, for the page to say before a click. */
export interface Landing {
  /** A plain keep leaves the changes staged (setting `agentWorktrees.keepStaged`), else unstaged. */
  readonly staged: boolean;
  /** The target's branch (undefined: a detached HEAD there). */
  readonly targetBranch: string | undefined;
  /** Keep and Commit's message, prefilled: the task, and the agent's commit subjects as the body. */
  readonly commitMessage: string;
  /** The agent's commits Cherry-pick would bring, oldest first (subjects); empty when it cannot. */
  readonly pickable: readonly string[];
  /** The agent's base branch gained commits since it started: its work was done on an older base. */
  readonly staleBase?: { readonly branch: string; readonly commits: number };
}

export interface LastKeep {
  readonly files: number;
  /** ISO time of the keep. */
  readonly at: string;
  readonly target: string;
}

/**
 * What the user left out of the next keep. The host remembers it per worktree (workspace state),
 * so it survives a reload or a restart — a webview's own state is persisted too lazily for that.
 */
export interface ReviewSelection {
  readonly unchecked: readonly string[];
  /** Per file: the keys (`ReviewFile.hunkKeys`) of the hunks left out; they stay out until ticked. */
  readonly uncheckedHunks: Readonly<Record<string, readonly string[]>>;
}

export const EMPTY_SELECTION: ReviewSelection = { unchecked: [], uncheckedHunks: {} };

/** Page → host. */
export type PageMessage =
  | { readonly type: 'ready' }
  | {
      readonly type: 'keep';
      readonly requestId: number;
      readonly capture: string;
      readonly files: readonly string[];
      readonly hunks: Readonly<Record<string, readonly number[]>>;
      /** Keep and Commit: commit the kept files with this message. */
      readonly commitMessage?: string;
    }
  | { readonly type: 'keepAll'; readonly requestId: number; readonly capture: string; readonly commitMessage?: string }
  | { readonly type: 'cherryPick'; readonly requestId: number; readonly capture: string }
  | { readonly type: 'discard'; readonly requestId: number }
  | { readonly type: 'undoKeep'; readonly requestId: number }
  | { readonly type: 'openDiff'; readonly path: string }
  | { readonly type: 'chooseTarget' }
  | { readonly type: 'setLayout'; readonly layout: DiffLayout }
  | { readonly type: 'selection'; readonly selection: ReviewSelection }
  | { readonly type: 'setViewed'; readonly path: string; readonly viewKey: string; readonly viewed: boolean };

/** Host → page. */
export type HostMessage =
  | {
      readonly type: 'review';
      readonly review: ReviewData;
      readonly layout: DiffLayout;
      /** The remembered selection; the page adopts it once, when it (re)loads. */
      readonly selection: ReviewSelection;
      /** Files marked viewed, by path, with the `viewKey` they had then: viewed only while it matches. */
      readonly viewed: Readonly<Record<string, string>>;
    }
  | { readonly type: 'result'; readonly requestId: number; readonly ok: boolean; readonly message: string }
  | { readonly type: 'gone'; readonly message: string };

/** What the page keeps across reloads (getState/setState) and what the serializer restores from. */
export interface PageState {
  readonly worktreePath: string;
  readonly scrollY: number;
}

const MAX_PATHS = 100_000;

/** Strict validation: anything that is not exactly one of the declared messages is rejected. */
export function parsePageMessage(value: unknown): PageMessage | undefined {
  if (!isRecord(value) || typeof value.type !== 'string') return undefined;
  switch (value.type) {
    case 'ready':
    case 'chooseTarget':
      return hasOnly(value, ['type']) ? { type: value.type } : undefined;
    case 'keepAll':
      return hasOnly(value, ['type', 'requestId', 'capture', 'commitMessage']) &&
        isRequestId(value.requestId) &&
        isCapture(value.capture) &&
        isOptionalMessage(value.commitMessage)
        ? { type: value.type, requestId: value.requestId, capture: value.capture, ...withMessage(value.commitMessage) }
        : undefined;
    case 'cherryPick':
      return hasOnly(value, ['type', 'requestId', 'capture']) && isRequestId(value.requestId) && isCapture(value.capture)
        ? { type: value.type, requestId: value.requestId, capture: value.capture }
        : undefined;
    case 'discard':
    case 'undoKeep':
      return hasOnly(value, ['type', 'requestId']) && isRequestId(value.requestId)
        ? { type: value.type, requestId: value.requestId }
        : undefined;
    case 'keep': {
      if (!hasOnly(value, ['type', 'requestId', 'capture', 'files', 'hunks', 'commitMessage']) || !isRequestId(value.requestId)) {
        return undefined;
      }
      if (!isCapture(value.capture) || !isOptionalMessage(value.commitMessage)) return undefined;
      if (!Array.isArray(value.files) || value.files.length > MAX_PATHS || !value.files.every(isPath)) return undefined;
      if (!isRecord(value.hunks)) return undefined;
      const entries = Object.entries(value.hunks);
      if (!entries.every(([file, indexes]) => isPath(file) && isHunkList(indexes))) return undefined;
      // fromEntries defines own properties: a file named `__proto__` stays a plain key.
      const hunks = Object.fromEntries(entries) as Record<string, number[]>;
      const files = value.files as string[];
      return {
        type: 'keep',
        requestId: value.requestId,
        capture: value.capture,
        files,
        hunks,
        ...withMessage(value.commitMessage),
      };
    }
    case 'openDiff':
      return hasOnly(value, ['type', 'path']) && isPath(value.path) ? { type: 'openDiff', path: value.path } : undefined;
    case 'selection': {
      const selection = hasOnly(value, ['type', 'selection']) ? parseSelection(value.selection) : undefined;
      return selection ? { type: 'selection', selection } : undefined;
    }
    case 'setViewed':
      return hasOnly(value, ['type', 'path', 'viewKey', 'viewed']) &&
        isPath(value.path) &&
        isViewKey(value.viewKey) &&
        typeof value.viewed === 'boolean'
        ? { type: 'setViewed', path: value.path, viewKey: value.viewKey, viewed: value.viewed }
        : undefined;
    case 'setLayout':
      return hasOnly(value, ['type', 'layout']) && (value.layout === 'side-by-side' || value.layout === 'line-by-line')
        ? { type: 'setLayout', layout: value.layout }
        : undefined;
    default:
      return undefined;
  }
}

const MAX_MESSAGE = 20_000;

/** A commit message: absent, or text with something in it besides spaces (no NUL: git refuses it). */
function isOptionalMessage(value: unknown): value is string | undefined {
  return (
    value === undefined ||
    (typeof value === 'string' && value.trim().length > 0 && value.length <= MAX_MESSAGE && !value.includes('\0'))
  );
}

function withMessage(message: string | undefined): { commitMessage?: string } {
  return message === undefined ? {} : { commitMessage: message };
}

/**
 * The page restores from its own state; the serializer trusts nothing in it but an absolute path
 * (POSIX or Windows), which the host still confirms is an agent worktree before using it.
 */
export function parsePageState(value: unknown): PageState | undefined {
  if (!isRecord(value) || typeof value.worktreePath !== 'string' || !isAbsolutePath(value.worktreePath)) return undefined;
  return { worktreePath: value.worktreePath, scrollY: typeof value.scrollY === 'number' ? value.scrollY : 0 };
}

/** A selection from the page (or from storage): relative paths and hunk keys only. */
export function parseSelection(value: unknown): ReviewSelection | undefined {
  if (!isRecord(value) || !hasOnly(value, ['unchecked', 'uncheckedHunks'])) return undefined;
  const { unchecked, uncheckedHunks } = value;
  if (!Array.isArray(unchecked) || unchecked.length > MAX_PATHS || !unchecked.every(isPath)) return undefined;
  if (!isRecord(uncheckedHunks) || Object.keys(uncheckedHunks).length > MAX_PATHS) return undefined;
  const hunks: [string, string[]][] = [];
  for (const [file, keys] of Object.entries(uncheckedHunks)) {
    if (!isPath(file) || !Array.isArray(keys) || keys.length > MAX_PATHS || !keys.every(isHunkKey)) return undefined;
    hunks.push([file, keys]);
  }
  // fromEntries defines own properties: a file named `__proto__` stays a plain key.
  return { unchecked: unchecked as string[], uncheckedHunks: Object.fromEntries(hunks) };
}

/** Files marked viewed (from storage): relative paths to view keys, nothing else. */
export function parseViewed(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value) || Object.keys(value).length > MAX_PATHS) return undefined;
  const entries = Object.entries(value);
  if (!entries.every(([file, key]) => isPath(file) && isViewKey(key))) return undefined;
  return Object.fromEntries(entries) as Record<string, string>;
}

function isViewKey(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{16}$/.test(value);
}

/** `hunkKey`'s form: a hex digest, and the occurrence when one file has the same hunk twice. */
function isHunkKey(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{16}(?:-[0-9]{1,6})?$/.test(value);
}

/** `/…`, `C:\…` or `\\server\…`; this file also runs in the page, without node:path. */
function isAbsolutePath(value: string): boolean {
  return !value.includes('\0') && /^(?:\/|[A-Za-z]:[\\/]|\\\\)/.test(value);
}

function isHunkList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((index) => Number.isInteger(index) && index >= 0 && index < 1_000_000);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOnly(value: Record<string, unknown>, keys: readonly string[]): boolean {
  return Object.keys(value).every((key) => keys.includes(key));
}

/** Two object ids (SHA-1 or SHA-256), as in `ReviewData.capture`. */
function isCapture(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{40,64}:[0-9a-f]{40,64}$/.test(value);
}

function isRequestId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** A relative path inside the worktree: no absolute paths, no `..` segments, no NUL. */
function isPath(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= 4096 &&
    !value.includes('\0') &&
    !value.startsWith('/') &&
    !value.split('/').includes('..')
  );
}
