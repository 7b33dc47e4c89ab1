// `npm run bench`: ours against a floor measured in the same run, alternating, ≥ 5 rounds after a
// warm-up. Absolute times depend on the machine; the ratio ours/floor is the result.
// Options: --quick (small fixtures, for a smoke run), --rounds N, --no-vscode (skip the benchmarks
// that run in the real VS Code: review panel paint and activation), --runner-only (only the rows
// "runner vs direct spawn").
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { getAgentChanges } from '../src/agents/agentChanges';
import { readAgentMetadata, writeAgentMetadata } from '../src/agents/agentMetadata';
import { createAgentWorktree } from '../src/agents/createAgentWorktree';
import { keep } from '../src/agents/keep';
import { GitService } from '../src/agents/service';
import { GitRunner } from '../src/git/runner';
import { addWorktrees, cleanup, createRepo, git, makeAgentChanges } from './fixtures';
import type { VsCodeResult } from './vscodeResult';

const quick = process.argv.includes('--quick');
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : quick ? 5 : 7;
const SIZE = quick
  ? { worktrees: 10, files: 500, dirty: 2, changes: 200, scaling: [5, 10, 20], scalingFiles: 200, paintFiles: 50 }
  : { worktrees: 50, files: 5000, dirty: 5, changes: 2000, scaling: [10, 50, 200], scalingFiles: 500, paintFiles: 500 };
/** Every line of each file changed: 100 removed + 100 added, so 500 files ≈ 100,000 diff lines. */
const PAINT_LINES_PER_FILE = 100;
const withVsCode = !process.argv.includes('--no-vscode');
const runnerOnly = process.argv.includes('--runner-only');
/** Calls of each kind (direct spawn, runner) for the runner rows, alternating. */
const RUNNER_CALLS = quick ? 50 : 200;
const CORES = availableParallelism();
/** Writing 2,000 files varies a lot from run to run (here 450–1,900 ms): more rounds for keep. */
const KEEP_ROUNDS = 2 * ROUNDS + 1;

interface Row {
  readonly name: string;
  readonly fixture: string;
  readonly floor: Stats;
  readonly ours: Stats;
  readonly ratio: number;
  readonly target: string;
  readonly met: boolean | undefined;
}
interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

function stats(times: number[]): Stats {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)] as number,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

/** Runs a command line or a process and resolves when it exits 0 (anything else fails the bench). */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} → ${code}: ${stderr}`)),
    );
  });
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Floor and ours alternately, after one warm-up of each; optional untimed reset before each run. */
async function compare(
  name: string,
  fixture: string,
  targetRatio: number | undefined,
  floor: () => Promise<unknown>,
  ours: () => Promise<unknown>,
  reset: () => Promise<unknown> = async () => undefined,
  rounds = ROUNDS,
): Promise<Row> {
  await reset();
  await floor();
  await reset();
  await ours();
  const floorTimes: number[] = [];
  const ourTimes: number[] = [];
  for (let round = 0; round < rounds; round++) {
    await reset();
    floorTimes.push(await time(floor));
    await reset();
    ourTimes.push(await time(ours));
  }
  const floorStats = stats(floorTimes);
  const ourStats = stats(ourTimes);
  const ratio = ourStats.median / floorStats.median;
  const target = targetRatio === undefined ? '—' : `≤ ${targetRatio}`;
  const met = targetRatio === undefined ? undefined : ratio <= targetRatio;
  console.log(`${name}: floor ${fmt(floorStats)}, ours ${fmt(ourStats)}, ratio ${ratio.toFixed(2)} (target ${target})`);
  return { name, fixture, floor: floorStats, ours: ourStats, ratio, target, met };
}

function fmt(s: Stats): string {
  return `${s.median.toFixed(1)} ms [${s.min.toFixed(1)}–${s.max.toFixed(1)}]`;
}

/** A plain spawn of git, reading all of stdout: the floor under the runner. */
function spawnGit(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`git ${args[0]} → ${code}`))));
  });
}

/**
 * The runner (simple-git underneath: one instance per call, the errors option, the empty-chunk
 * completion) against a direct spawn of the same command with the same variables, one call at a time.
 */
async function runnerVsDirectSpawn(repo: string): Promise<Row[]> {
  const runner = new GitRunner();
  const env = { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_LITERAL_PATHSPECS: '1', GIT_OPTIONAL_LOCKS: '0' };
  const status = ['status', '--porcelain=v2', '-z'];
  const silent = ['diff', '--cached', '--quiet'];
  const files = Number(git(repo, ['ls-files', '-z']).split('\0').length - 1).toLocaleString('en');
  return [
    await compare(
      'runner vs direct spawn: status',
      `\`git ${status.join(' ')}\`, ${files} files, ${RUNNER_CALLS} calls each`,
      1.1,
      () => spawnGit(status, repo, env),
      () => runner.run(status, { cwd: repo, readOnly: true }),
      undefined,
      RUNNER_CALLS,
    ),
    await compare(
      'runner vs direct spawn: silent',
      `\`git ${silent.join(' ')}\` (prints nothing), same repository, ${RUNNER_CALLS} calls each`,
      1.25,
      () => spawnGit(silent, repo, env),
      () => runner.run(silent, { cwd: repo, readOnly: true }),
      undefined,
      RUNNER_CALLS,
    ),
  ];
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'agent-worktrees-bench-'));
  if (runnerOnly) {
    try {
      console.log(`Runner rows only: a repository of ${SIZE.files} files…`);
      printRows(await runnerVsDirectSpawn(createRepo(path.join(root, 'runner'), SIZE.files)));
    } finally {
      cleanup(root);
    }
    return;
  }
  const rows: Row[] = [];
  const memory: Record<string, number> = {};
  const scaling: Array<{ worktrees: number; medianMs: number; perWorktreeMs: number }> = [];
  try {
    console.log(`Building fixtures: ${SIZE.worktrees} worktrees × ${SIZE.files} files (${CORES} cores, ${ROUNDS} rounds)…`);
    const repo = createRepo(path.join(root, 'refresh'), SIZE.files);
    const worktrees = addWorktrees(repo, SIZE.worktrees, SIZE.dirty);
    const commonDir = path.join(repo, '.git');
    const service = new GitService(new GitRunner());
    const readOnly = { ...process.env, GIT_OPTIONAL_LOCKS: '0' };
    rows.push(...(await runnerVsDirectSpawn(repo)));

    const floorRefresh = [
      'set -e',
      `git worktree list --porcelain -z | tr '\\0' '\\n' | sed -n 's/^worktree //p' | tr '\\n' '\\0' |`,
      `  xargs -0 -P ${CORES} -I{} git -C {} status --porcelain=v2 -z --branch > /dev/null`,
    ].join('\n');
    rows.push(
      await compare(
        'full refresh',
        `${SIZE.worktrees} linked worktrees × ${SIZE.files} files, ${SIZE.dirty} dirty`,
        1.15,
        () => run('bash', ['-c', floorRefresh], commonDir, readOnly),
        () => service.readRepository({ commonDir }),
      ),
    );
    memory['after full refresh'] = process.resourceUsage().maxRSS;

    const edited = worktrees[SIZE.worktrees - 1] as string;
    writeFileSync(path.join(edited, 'src/module-1/file-1.ts'), 'export const edited = true;\n');
    const snapshot = await service.readRepository({ commonDir });
    const target = snapshot.worktrees.find((entry) => entry.worktree.path === edited)?.worktree;
    if (!target) throw new Error('edited worktree not listed');
    rows.push(
      await compare(
        'incremental refresh',
        'same, one file edited in one worktree',
        1.5,
        () => run('git', ['status', '--porcelain=v2', '-z', '--branch'], edited, readOnly),
        () => service.readWorktree(target),
      ),
    );

    // Capture and keep: an agent worktree with a mix of every kind of change.
    const agent = await createAgentWorktree(service, { repoPath: repo, name: 'bench-agent' });
    makeAgentChanges(agent.path, SIZE.changes);
    const base = agent.metadata.baseCommit;
    const scratch = path.join(root, 'scratch');
    mkdirSync(scratch, { recursive: true });
    const floorCapture = [
      'set -e',
      `export GIT_INDEX_FILE=${scratch}/floor-index`,
      'rm -f "$GIT_INDEX_FILE"',
      'git read-tree HEAD',
      'git add -A',
      `git diff --cached --binary --no-ext-diff --no-textconv -M ${base} > /dev/null`,
    ].join('\n');
    rows.push(
      await compare(
        'capture',
        `agent worktree, ${SIZE.changes} changed files (modified, added, deleted, renamed, binary)`,
        1.2,
        () => run('bash', ['-c', floorCapture], agent.path),
        () => getAgentChanges(service, agent.path),
      ),
    );
    memory['after capture'] = process.resourceUsage().maxRSS;

    const patchFile = path.join(scratch, 'agent.patch');
    const changes = await getAgentChanges(service, agent.path);
    writeFileSync(patchFile, changes.patch);
    const keepTarget = worktrees[SIZE.worktrees - 2] as string; // a clean worktree at the same base
    const metadata = await readAgentMetadata(path.join(commonDir, 'worktrees', 'bench-agent'));
    if (!metadata) throw new Error('no agent metadata');
    const resetTarget = async () => {
      git(keepTarget, ['reset', '--quiet', '--hard']);
      git(keepTarget, ['clean', '--quiet', '-fd']);
      // Flush the last run's 2,000 written files: otherwise their write-back lands on a random
      // later run, floor or ours (the spread was 240–1,600 ms without this).
      spawnSync('sync');
      await writeAgentMetadata(path.join(commonDir, 'worktrees', 'bench-agent'), { ...metadata, keptUpTo: undefined });
    };
    // The review panel keeps from the capture it shows (what the user saw); the API captures first.
    const reviewed = await getAgentChanges(service, agent.path);
    rows.push(
      await compare(
        'keep',
        'the same patch onto a clean target (from the review panel)',
        1.2,
        () => run('git', ['apply', '--3way', patchFile], keepTarget),
        () => keep(service, agent.path, { target: keepTarget, reviewed }),
        resetTarget,
        KEEP_ROUNDS,
      ),
    );
    rows.push(
      await compare(
        'keep, capturing first',
        'the same, through the API (no capture to reuse)',
        undefined,
        () => run('git', ['apply', '--3way', patchFile], keepTarget),
        () => keep(service, agent.path, { target: keepTarget }),
        resetTarget,
        KEEP_ROUNDS,
      ),
    );

    // Scaling: time per worktree should stay flat from few to many worktrees.
    for (const count of SIZE.scaling) {
      const scaleRepo = createRepo(path.join(root, `scale-${count}`), SIZE.scalingFiles);
      addWorktrees(scaleRepo, count, 0);
      const scaleCommon = path.join(scaleRepo, '.git');
      await service.readRepository({ commonDir: scaleCommon });
      const times: number[] = [];
      for (let round = 0; round < ROUNDS; round++)
        times.push(await time(() => service.readRepository({ commonDir: scaleCommon })));
      const median = stats(times).median;
      scaling.push({ worktrees: count, medianMs: median, perWorktreeMs: median / (count + 1) });
      console.log(`scaling: ${count} worktrees → ${median.toFixed(1)} ms (${(median / (count + 1)).toFixed(2)} ms per worktree)`);
      cleanup(path.dirname(scaleRepo));
    }
  } finally {
    cleanup(root);
  }
  const vscode = withVsCode ? benchInVsCode(rows) : undefined;

  const results = path.join(__dirname, 'results');
  mkdirSync(results, { recursive: true });
  const report = {
    date: new Date().toISOString(),
    cores: CORES,
    rounds: ROUNDS,
    quick,
    rows,
    scaling,
    peakRssKiB: memory,
    vscode,
  };
  writeFileSync(path.join(results, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  printRows(rows);
  console.log(
    `\nScaling (full refresh): ${scaling.map((s) => `${s.worktrees} → ${s.perWorktreeMs.toFixed(2)} ms/worktree`).join(', ')}`,
  );
  console.log(
    `Peak RSS of the bench process: ${Object.entries(memory)
      .map(([k, v]) => `${k} ${(v / 1024).toFixed(0)} MiB`)
      .join(', ')}`,
  );
}

function printRows(rows: readonly Row[]): void {
  console.log('\n| benchmark | fixture | floor median (min–max) | ours median (min–max) | ours/floor | target |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) {
    console.log(
      `| ${row.name} | ${row.fixture} | ${fmt(row.floor)} | ${fmt(row.ours)} | **${row.ratio.toFixed(2)}** | ${row.target} ${row.met === undefined ? '' : row.met ? '✓' : '✗'} |`,
    );
  }
}

/**
 * Review panel paint and activation in code-server + Chromium, in a process of their own (the
 * harness's playwright-core resolves from there); adds the paint row to `rows`.
 */
function benchInVsCode(rows: Row[]) {
  const resultFile = path.join(mkdtempSync(path.join(tmpdir(), 'agent-worktrees-bench-')), 'vscode.json');
  console.log(
    `\nReview panel paint (${SIZE.paintFiles} files × ${PAINT_LINES_PER_FILE} changed lines) and activation in code-server…`,
  );
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(__dirname, 'vscode.ts'),
      resultFile,
      String(SIZE.paintFiles),
      String(PAINT_LINES_PER_FILE),
      String(ROUNDS),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (child.status !== 0) throw new Error(`The benchmarks in the real VS Code failed (exit ${child.status})`);
  const result = JSON.parse(readFileSync(resultFile, 'utf8')) as VsCodeResult;
  cleanup(path.dirname(resultFile));
  const eager = stats(result.paint.eagerMs);
  const ours = stats(result.paint.oursMs);
  const ratio = ours.median / eager.median;
  rows.push({
    name: 'panel first paint',
    fixture: `${result.paint.diffLines.toLocaleString('en')}-line diff over ${result.paint.files} files, in code-server + Chromium; floor = diff2html rendering it all eagerly in the same page`,
    floor: eager,
    ours,
    ratio,
    target: '≤ 0.1 (≥ 10× faster)',
    met: ratio <= 0.1,
  });
  const activation = result.activation;
  const activationMs = stats(activation.activationMs.filter((value) => !Number.isNaN(value)));
  console.log(
    `panel first paint: eager ${fmt(eager)}, ours ${fmt(ours)} → ${(1 / ratio).toFixed(0)}× faster; clicking Review Changes → its file list on screen: ${result.paint.endToEndMs} ms (VS Code creating the webview and loading the page: ${result.paint.pageLoadedMs} ms)`,
  );
  console.log(
    `activation (VS Code's Running Extensions, ${activation.activationMs.length} window loads): ${fmt(activationMs)} (target < 50 ms); host bundle ${(activation.hostBundleBytes / 1024).toFixed(0)} KB (target < 300 KB), page bundle ${(activation.pageBundleBytes / 1024).toFixed(0)} KB; diff2html in the host bundle: ${activation.diff2htmlInHost.length === 0 ? 'no' : activation.diff2htmlInHost.join(', ')}`,
  );
  return result;
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
