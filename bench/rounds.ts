// Rounds that can fail (a workbench that does not come up, a crashed renderer, a timeout): each
// failed attempt is reported with its reason and the round is retried; a round that fails every
// attempt is missing, and the other rounds' results are kept. No timing of its own (the attempts
// bring their own time limits), so it is unit-tested.

export interface RoundFailure {
  /** Which part of the bench, e.g. "panel paint". */
  readonly part: string;
  /** 0-based; -1 for a failure outside the rounds (setting the part up). */
  readonly round: number;
  /** 0 for the first try of the round, 1 for the first retry, … */
  readonly attempt: number;
  readonly reason: string;
}

export interface RoundsOptions<T> {
  readonly part: string;
  readonly rounds: number;
  /** Retries of one round after its first attempt failed. */
  readonly retries: number;
  /** After this many failed attempts in all, the rounds not yet run are given up (missing). */
  readonly maxFailures: number;
  readonly attempt: (round: number, attempt: number) => Promise<T>;
  /** Called after each failed attempt (to print it) and each result (to save it at once). */
  readonly onFailure?: (failure: RoundFailure, willRetry: boolean) => void;
  readonly onResult?: (value: T, round: number) => void;
}

export interface RoundsOutcome<T> {
  /** One per round that succeeded, in round order. */
  readonly values: T[];
  readonly failures: RoundFailure[];
  /** Rounds without a result: every attempt failed, or given up after too many failures. */
  readonly missingRounds: number[];
}

export async function runRounds<T>(options: RoundsOptions<T>): Promise<RoundsOutcome<T>> {
  const values: T[] = [];
  const failures: RoundFailure[] = [];
  const missingRounds: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    let done = false;
    for (let attempt = 0; !done && attempt <= options.retries && failures.length < options.maxFailures; attempt++) {
      try {
        const value = await options.attempt(round, attempt);
        values.push(value);
        options.onResult?.(value, round);
        done = true;
      } catch (error) {
        const failure = { part: options.part, round, attempt, reason: reasonOf(error) };
        failures.push(failure);
        options.onFailure?.(failure, attempt < options.retries && failures.length < options.maxFailures);
      }
    }
    if (!done) missingRounds.push(round);
  }
  return { values, failures, missingRounds };
}

/** The first line of an error's message (Playwright appends a long call log), at most 300 characters. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n').find((line) => line.trim() !== '') ?? 'unknown error';
  return first.length > 300 ? `${first.slice(0, 299)}…` : first;
}

/** One line for a failed attempt, as printed and as the reason of a missing row. */
export function describeFailure(failure: RoundFailure): string {
  const where = failure.round < 0 ? 'setting up' : `round ${failure.round + 1}, attempt ${failure.attempt + 1}`;
  return `${failure.part}, ${where}: ${failure.reason}`;
}

export interface CappedPatch {
  readonly patch: string;
  readonly files: number;
  readonly lines: number;
}

/**
 * The first `maxFiles` files of a git patch (whole `diff --git` sections): what the eager floor
 * renders, so that its cost — 33 s and a renderer of several GB for the whole 100,000-line patch —
 * stays bounded. Counts lines as the bench does for the whole patch (split on newlines).
 */
export function capPatch(patch: string, maxFiles: number): CappedPatch {
  const starts: number[] = [];
  const header = /^diff --git /gm;
  for (let match = header.exec(patch); match; match = header.exec(patch)) starts.push(match.index);
  const end = starts.length > maxFiles ? (starts[maxFiles] as number) : patch.length;
  const capped = patch.slice(0, end);
  return { patch: capped, files: Math.min(starts.length, maxFiles), lines: capped.split('\n').length };
}
