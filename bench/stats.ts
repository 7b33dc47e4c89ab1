// The bench's rows: medians, ratios against the floor, and the table printed at the end — with a
// line for every row that could not be measured, so a failure never hides which rows are missing.

export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface Row {
  readonly name: string;
  readonly fixture: string;
  readonly floor: Stats;
  readonly ours: Stats;
  readonly ratio: number;
  readonly target: string;
  readonly met: boolean | undefined;
  /** Set when fewer rounds than asked for gave a result (the others failed, see the failures). */
  readonly rounds?: { readonly measured: number; readonly asked: number };
}

/** A row the run could not measure, and why. */
export interface MissingRow {
  readonly name: string;
  readonly reason: string;
}

export function stats(times: readonly number[]): Stats {
  if (times.length === 0) throw new Error('no times to summarise');
  const sorted = [...times].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)] as number,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

export function fmt(s: Stats): string {
  return `${s.median.toFixed(1)} ms [${s.min.toFixed(1)}–${s.max.toFixed(1)}]`;
}

/** A row from its two series of times; `targetRatio` undefined: no target (informational row). */
export function makeRow(
  name: string,
  fixture: string,
  floorTimes: readonly number[],
  ourTimes: readonly number[],
  targetRatio: number | undefined,
  targetText = targetRatio === undefined ? '—' : `≤ ${targetRatio}`,
): Row {
  const floor = stats(floorTimes);
  const ours = stats(ourTimes);
  const ratio = ours.median / floor.median;
  const met = targetRatio === undefined ? undefined : ratio <= targetRatio;
  return { name, fixture, floor, ours, ratio, target: targetText, met };
}

/** The Markdown table, in `order`: measured rows, then a "not measured" line for each missing one. */
export function tableLines(order: readonly string[], rows: readonly Row[], missing: readonly MissingRow[]): string[] {
  const lines = [
    '| benchmark | fixture | floor median (min–max) | ours median (min–max) | ours/floor | target |',
    '|---|---|---|---|---|---|',
  ];
  const known = [...order, ...rows.map((row) => row.name), ...missing.map((row) => row.name)];
  for (const name of [...new Set(known)]) {
    const row = rows.find((candidate) => candidate.name === name);
    const gap = missing.find((candidate) => candidate.name === name);
    if (row) lines.push(tableLine(row));
    else if (gap) lines.push(`| ${name} | **not measured**: ${gap.reason} | — | — | — | — |`);
  }
  return lines;
}

function tableLine(row: Row): string {
  const mark = row.met === undefined ? '' : row.met ? ' ✓' : ' ✗';
  const partial = row.rounds ? ` (${row.rounds.measured} of ${row.rounds.asked} rounds)` : '';
  return `| ${row.name} | ${row.fixture}${partial} | ${fmt(row.floor)} | ${fmt(row.ours)} | **${row.ratio.toFixed(2)}** | ${row.target}${mark} |`;
}

/**
 * Which of the `expected` rows (name → the part of the bench that measures it) are missing, with the
 * reason its part failed, or "not run" when the part never reported.
 */
export function missingRows(
  expected: ReadonlyArray<readonly [name: string, part: string]>,
  rows: readonly Row[],
  partErrors: ReadonlyMap<string, string>,
): MissingRow[] {
  return expected
    .filter(([name]) => !rows.some((row) => row.name === name))
    .map(([name, part]) => ({ name, reason: partErrors.get(part) ?? `${part}: not run` }));
}
