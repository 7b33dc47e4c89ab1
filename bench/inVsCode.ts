// The real-VS-Code part of `npm run bench`, seen from bench/run.ts: runs bench/vscode.ts in a process
// of its own (the harness's playwright-core resolves from there) and turns what it reported — all of
// it, or what it measured before something failed — into the paint row and the activation summary.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cleanup } from './fixtures';
import { describeFailure } from './rounds';
import { fmt, type Row } from './stats';
import { activationStats, paintRow, unrecoveredFailures, type VsCodeResult } from './vscodeResult';

export interface InVsCode {
  readonly result: VsCodeResult;
  readonly rows: Row[];
  /** Why the part failed (with failed rounds, or no result at all); undefined when it all ran. */
  readonly error: string | undefined;
}

export function benchInVsCode(options: { files: number; linesPerFile: number; eagerFiles: number; rounds: number }): InVsCode {
  const folder = mkdtempSync(path.join(tmpdir(), 'agent-worktrees-bench-'));
  const resultFile = path.join(folder, 'vscode.json');
  console.log(
    `\nReview panel paint (${options.files} files × ${options.linesPerFile} changed lines; eager floor capped at ${options.eagerFiles} files) and activation in code-server…`,
  );
  const args = [options.files, options.linesPerFile, options.eagerFiles, options.rounds].map(String);
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'vscode.ts'), resultFile, ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const result: VsCodeResult = existsSync(resultFile)
    ? (JSON.parse(readFileSync(resultFile, 'utf8')) as VsCodeResult)
    : { failures: [] };
  cleanup(folder);
  const rows = printInVsCode(result);
  const problems = unrecoveredFailures(result);
  const error =
    child.status === 0
      ? undefined
      : [`exit ${child.status ?? child.signal}`, ...problems.map(describeFailure)].join('; ') ||
        'no result (the process died before writing any)';
  return { result, rows, error };
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
}

function printInVsCode(result: VsCodeResult): Row[] {
  const rows: Row[] = [];
  const paint = paintRow(result.paint);
  const samples = result.paint?.samples ?? [];
  if (paint) {
    rows.push(paint);
    const heaps = samples.flatMap((sample) => (sample.eagerHeapMiB === undefined ? [] : [sample.eagerHeapMiB]));
    console.log(
      `panel first paint: eager ${fmt(paint.floor)}, ours ${fmt(paint.ours)} → ${(1 / paint.ratio).toFixed(0)}× faster (${samples.length} rounds); clicking Review Changes → its file list on screen: median ${median(samples.map((s) => s.endToEndMs))} ms (VS Code creating the webview and loading the page: ${median(samples.map((s) => s.pageLoadedMs))} ms); page JS heap after the eager render: max ${heaps.length ? Math.max(...heaps).toFixed(0) : '?'} MiB`,
    );
  }
  const compare = result.comparePaint?.samples ?? [];
  if (compare.length > 0) {
    const endToEnd = median(compare.map((sample) => sample.endToEndMs));
    const ours = median(compare.map((sample) => sample.endToEndMs - sample.pageLoadedMs));
    console.log(
      `Compare Attempts, 8 attempts × 200 files (900 file rows): first paint once the page loaded (reading the 8 attempts, drawing every row): median ${ours.toFixed(0)} ms (target < 1000 ms ${ours < 1000 ? '✓' : '✗'}); clicking Compare Attempts → every row on screen: ${endToEnd.toFixed(0)} ms, VS Code's webview creation and page load included; the page alone drawing it: ${median(compare.map((sample) => sample.pageMs)).toFixed(0)} ms (${compare.length} rounds)`,
    );
  }
  const activation = activationStats(result.activation);
  if (!activation) console.log('activation: not measured (see the failed attempts below)');
  else
    console.log(
      `activation (VS Code's Running Extensions, ${result.activation?.samples.length} window loads): ${fmt(activation)} (target < 50 ms)`,
    );
  const bundles = result.bundles;
  if (bundles)
    console.log(
      `host bundle ${(bundles.hostBundleBytes / 1024).toFixed(0)} KB (target < 300 KB), page bundle ${(bundles.pageBundleBytes / 1024).toFixed(0)} KB; diff2html in the host bundle: ${bundles.diff2htmlInHost.length === 0 ? 'no' : bundles.diff2htmlInHost.join(', ')}`,
    );
  for (const failure of result.failures) console.log(`failed attempt: ${describeFailure(failure)}`);
  return rows;
}
