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
}

export interface ReviewData {
  readonly worktreePath: string;
  readonly title: string;
  readonly task: string | undefined;
  readonly branch: string | undefined;
  readonly base: string;
  readonly target: string;
  readonly files: readonly ReviewFile[];
  readonly totals: { readonly files: number; readonly additions: number; readonly deletions: number };
}

/** Page → host. */
export type PageMessage =
  | { readonly type: 'ready' }
  | {
      readonly type: 'keep';
      readonly requestId: number;
      readonly files: readonly string[];
      readonly hunks: Readonly<Record<string, readonly number[]>>;
    }
  | { readonly type: 'keepAll'; readonly requestId: number }
  | { readonly type: 'discard'; readonly requestId: number }
  | { readonly type: 'openDiff'; readonly path: string }
  | { readonly type: 'chooseTarget' }
  | { readonly type: 'setLayout'; readonly layout: DiffLayout };

/** Host → page. */
export type HostMessage =
  | { readonly type: 'review'; readonly review: ReviewData; readonly layout: DiffLayout }
  | { readonly type: 'result'; readonly requestId: number; readonly ok: boolean; readonly message: string }
  | { readonly type: 'gone'; readonly message: string };

/** What the page keeps across reloads (getState/setState) and what the serializer restores from. */
export interface PageState {
  readonly worktreePath: string;
  readonly unchecked: readonly string[];
  readonly uncheckedHunks: Readonly<Record<string, readonly number[]>>;
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
    case 'discard':
      return hasOnly(value, ['type', 'requestId']) && isRequestId(value.requestId)
        ? { type: value.type, requestId: value.requestId }
        : undefined;
    case 'keep': {
      if (!hasOnly(value, ['type', 'requestId', 'files', 'hunks']) || !isRequestId(value.requestId)) return undefined;
      if (!Array.isArray(value.files) || value.files.length > MAX_PATHS || !value.files.every(isPath)) return undefined;
      if (!isRecord(value.hunks)) return undefined;
      const hunks: Record<string, number[]> = {};
      for (const [file, indexes] of Object.entries(value.hunks)) {
        if (
          !isPath(file) ||
          !Array.isArray(indexes) ||
          !indexes.every((index) => Number.isInteger(index) && index >= 0 && index < 1_000_000)
        ) {
          return undefined;
        }
        hunks[file] = indexes as number[];
      }
      return { type: 'keep', requestId: value.requestId, files: value.files as string[], hunks };
    }
    case 'openDiff':
      return hasOnly(value, ['type', 'path']) && isPath(value.path) ? { type: 'openDiff', path: value.path } : undefined;
    case 'setLayout':
      return hasOnly(value, ['type', 'layout']) && (value.layout === 'side-by-side' || value.layout === 'line-by-line')
        ? { type: 'setLayout', layout: value.layout }
        : undefined;
    default:
      return undefined;
  }
}

/** The page restores from its own state; the serializer trusts nothing in it but a path string. */
export function parsePageState(value: unknown): PageState | undefined {
  if (!isRecord(value) || typeof value.worktreePath !== 'string' || !value.worktreePath.startsWith('/')) return undefined;
  return {
    worktreePath: value.worktreePath,
    unchecked: Array.isArray(value.unchecked) ? value.unchecked.filter(isPath) : [],
    uncheckedHunks: {},
    scrollY: typeof value.scrollY === 'number' ? value.scrollY : 0,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOnly(value: Record<string, unknown>, keys: readonly string[]): boolean {
  return Object.keys(value).every((key) => keys.includes(key));
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
