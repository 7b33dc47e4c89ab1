/**
 * Compare Attempts' messages, declared once for the host and the page (the page imports types
 * only). What the page sends and the state it leaves for a reload are untrusted: the host acts only
 * on what `parseCompareMessage` / `parseCompareState` return.
 */
import * as v from 'valibot';

export interface CompareCell {
  readonly status: 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed';
  readonly additions: number;
  readonly deletions: number;
  readonly binary: boolean;
}

export interface CompareAttempt {
  readonly name: string;
  readonly index: number;
  readonly agentCommand: string | undefined;
  readonly branch: string | undefined;
  /** The agent's state as the view words it (`working`, `done`, …), when an agent ran here. */
  readonly status: { readonly word: string; readonly icon: string } | undefined;
  readonly files: number;
  readonly additions: number;
  readonly deletions: number;
  readonly commits: number | undefined;
  /** `12 min ago`, from the worktree's last file or HEAD change. */
  readonly lastActivity: string | undefined;
  /** Why its changes could not be read. */
  readonly problem: string | undefined;
  /** The folder names of the worktrees its work was kept into (empty: never kept). */
  readonly keptInto: readonly string[];
}

export interface CompareFile {
  readonly path: string;
  /** One per attempt, in the attempts' order: null where that attempt did not change it. */
  readonly cells: readonly (CompareCell | null)[];
  /** Two or more attempts changed it. */
  readonly shared: boolean;
}

export interface CompareData {
  readonly task: string | undefined;
  readonly base: string | undefined;
  /** `agentWorktrees.checkCommand`, when set. */
  readonly checkCommand: string | undefined;
  readonly attempts: readonly CompareAttempt[];
  readonly files: readonly CompareFile[];
}

export interface CheckState {
  readonly state: 'idle' | 'queued' | 'running' | 'done';
  readonly exitCode: number | null;
  readonly problem: string | undefined;
  readonly durationMs: number | undefined;
  /** The last lines of its output (the whole of it: Show Output). */
  readonly tail: string;
}

export type CompareHostMessage =
  /** `state`: what the page keeps for a reload (which group of which repository). */
  /** `version`: which read of the attempts (the page redraws its file grid only for a new one). */
  | { readonly type: 'comparison'; readonly data: CompareData; readonly version: number; readonly state: CompareState }
  | { readonly type: 'checks'; readonly checks: readonly CheckState[]; readonly running: boolean }
  | { readonly type: 'gone'; readonly message: string }
  | { readonly type: 'status'; readonly message: string; readonly error: boolean };

const position = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(63));
/** Relative, `/`-separated, no empty, `.` or `..` segment; checked against the comparison's files too. */
const relativePath = v.pipe(
  v.string(),
  v.maxLength(4096),
  v.check((value) => value.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..')),
  v.check((value) => !value.includes('\0')),
);

const attemptName = v.pipe(v.string(), v.minLength(1), v.maxLength(255));

const PageMessageSchema = v.variant('type', [
  v.strictObject({ type: v.literal('ready') }),
  v.strictObject({ type: v.literal('runChecks') }),
  v.strictObject({ type: v.literal('stopChecks') }),
  v.strictObject({ type: v.literal('openSettings') }),
  // `name`: the attempt the page showed there; the host refuses when its column moved since.
  v.strictObject({ type: v.literal('review'), attempt: position, name: attemptName }),
  v.strictObject({ type: v.literal('showOutput'), attempt: position, name: attemptName }),
  v.strictObject({ type: v.literal('discardOthers'), attempt: position, name: attemptName }),
  v.strictObject({ type: v.literal('openChange'), attempt: position, path: relativePath }),
  v.strictObject({ type: v.literal('diffAttempts'), left: position, right: position, path: relativePath }),
]);

export type ComparePageMessage = v.InferOutput<typeof PageMessageSchema>;

export function parseCompareMessage(value: unknown): ComparePageMessage | undefined {
  const parsed = v.safeParse(PageMessageSchema, value);
  return parsed.success ? parsed.output : undefined;
}

/** What the page keeps for a reload: which group of which repository. */
export interface CompareState {
  readonly group: string;
  readonly commonDir: string;
}

const StateSchema = v.strictObject({
  group: v.pipe(v.string(), v.regex(/^[0-9a-f]{8,32}$/)),
  commonDir: v.pipe(
    v.string(),
    v.maxLength(4096),
    v.check((value) => value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value), 'an absolute path'),
  ),
});

export function parseCompareState(value: unknown): CompareState | undefined {
  const parsed = v.safeParse(StateSchema, value);
  return parsed.success ? parsed.output : undefined;
}
