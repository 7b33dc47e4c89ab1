// What bench/vscode.ts (its own process) reports to bench/run.ts. It rewrites the file after every
// round, so whatever was measured before a failure (even a crash of that process) is still there.
import type { RoundFailure } from './rounds';
import { makeRow, type Row, type Stats, stats } from './stats';

/** One round of the panel paint, in a page (a browser) of its own. */
export interface PaintSample {
  /** 0-based round it measured (a round that failed every attempt has no sample). */
  readonly round: number;
  /** Ours: the page's own render of the review message until the list and the first diff are painted. */
  readonly oursMs: number;
  /** diff2html rendering the capped patch eagerly, in the same page, until painted. */
  readonly eagerMs: number;
  /** The page's JS heap right after the eager render (Chromium's performance.memory), if known. */
  readonly eagerHeapMiB: number | undefined;
  /** From clicking Review Changes on the worktree's row to its file list on screen (capture included). */
  readonly endToEndMs: number;
  /** Of which: until VS Code had created the webview and loaded the page's HTML. */
  readonly pageLoadedMs: number;
}

export interface PaintResult {
  readonly files: number;
  readonly diffLines: number;
  /** What the eager floor renders: the first `eagerFiles` files of the patch (see capPatch). */
  readonly eagerFiles: number;
  readonly eagerLines: number;
  readonly roundsAsked: number;
  readonly samples: PaintSample[];
}

/** One round of Compare Attempts' paint (8 attempts × 200 files), in a browser of its own. */
export interface ComparePaintSample {
  readonly round: number;
  /** From clicking Compare Attempts on the group's row until every file row is on screen. */
  readonly endToEndMs: number;
  /** Of which: until VS Code had created the webview and loaded the page's HTML. */
  readonly pageLoadedMs: number;
  /** The page alone drawing the comparison message. */
  readonly pageMs: number;
}

export interface ActivationSample {
  readonly round: number;
  /** What VS Code's "Running Extensions" editor reports for Agent Worktrees. */
  readonly activationText: string;
  /** undefined where the text could not be read. */
  readonly activationMs: number | undefined;
}

export interface BundleChecks {
  readonly hostBundleBytes: number;
  readonly pageBundleBytes: number;
  /** diff2html's markers found in the extension host bundle (should be none). */
  readonly diff2htmlInHost: string[];
}

export interface VsCodeResult {
  paint?: PaintResult;
  activation?: { readonly roundsAsked: number; readonly samples: ActivationSample[] };
  comparePaint?: { readonly roundsAsked: number; readonly samples: ComparePaintSample[] };
  bundles?: BundleChecks;
  /** Every failed attempt, including those whose round then succeeded on a retry. */
  readonly failures: RoundFailure[];
  /** Set once the process got to the end (with or without failed rounds). */
  finished?: boolean;
}

export const PAINT_ROW = 'panel first paint';
/** The parts of the real-VS-Code bench, as named in its failures. */
export const PAINT_PART = 'panel paint';
export const ACTIVATION_PART = 'activation';
export const COMPARE_PART = 'compare paint';

/** Failures not made good by a retry: their round has no sample (or they were outside the rounds). */
export function unrecoveredFailures(result: VsCodeResult): RoundFailure[] {
  const samples = (part: string): ReadonlyArray<{ round: number }> =>
    part === PAINT_PART ? (result.paint?.samples ?? []) : part === ACTIVATION_PART ? (result.activation?.samples ?? []) : [];
  return result.failures.filter((failure) => !samples(failure.part).some((sample) => sample.round === failure.round));
}

/** The paint row from the rounds that succeeded; undefined when none did. */
export function paintRow(paint: PaintResult | undefined): Row | undefined {
  if (!paint || paint.samples.length === 0) return undefined;
  const capped = paint.eagerFiles < paint.files;
  const floor = capped
    ? `diff2html rendering the first ${paint.eagerFiles} files (${paint.eagerLines.toLocaleString('en')} lines) eagerly in the same page (capped)`
    : 'diff2html rendering it all eagerly in the same page';
  const row = makeRow(
    PAINT_ROW,
    `${paint.diffLines.toLocaleString('en')}-line diff over ${paint.files} files, in code-server + Chromium; floor = ${floor}`,
    paint.samples.map((sample) => sample.eagerMs),
    paint.samples.map((sample) => sample.oursMs),
    0.1,
    '≤ 0.1 (≥ 10× faster)',
  );
  return paint.samples.length < paint.roundsAsked
    ? { ...row, rounds: { measured: paint.samples.length, asked: paint.roundsAsked } }
    : row;
}

/** Activation times that could be read; undefined when none could. */
export function activationStats(activation: VsCodeResult['activation']): Stats | undefined {
  const times = (activation?.samples ?? []).flatMap((sample) => (sample.activationMs === undefined ? [] : [sample.activationMs]));
  return times.length === 0 ? undefined : stats(times);
}
