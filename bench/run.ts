// `npm run bench`: ours against a floor measured in the same run, alternating, ≥ 5 rounds after a
// warm-up. Absolute times depend on the machine; the ratio ours/floor is the result.
// Options: --quick (small fixtures, for a smoke run), --rounds N, --no-vscode (skip the benchmarks
// that run in the real VS Code: review panel paint and activation), --only <parts> (comma-separated
// words of part names: runner, refresh, keep, dirty, trash, cli, attempts, scaling, status, vscode — e.g. `--only keep,dirty`),
// --runner-only (the same as `--only runner`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { getAgentChanges } from '../src/agents/agentChanges';
import { readAgentMetadata, writeAgentMetadata } from '../src/agents/agentMetadata';
import { createAgentWorktree } from '../src/agents/createAgentWorktree';
import { keep } from '../src/agents/keep';
import { GitService } from '../src/agents/service';
import { GitRunner } from '../src/git/runner';
import { type AgentStatusLoad, agentStatusLoad } from './agentStatus';
import { ATTEMPTS_CREATE_ROW, attemptsCreateRows } from './attemptsCreate';
import { CLI_LIST_ROW, CLI_START_ROW, cliListRows } from './cliList';
import { addWorktrees, cleanup, createRepo, git, makeAgentChanges } from './fixtures';
import { benchInVsCode } from './inVsCode';
import { DIRTY_KEEP_ROW, dirtyKeepRows, UNDO_FROM_RECORD_ROW, UNDO_ROW } from './keepDirty';
import { compare, run, runnerVsDirectSpawn, time } from './measure';
import { reasonOf } from './rounds';
import { missingRows, type Row, stats, tableLines } from './stats';
import { TRASH_SAVE_ROW, trashSaveRows } from './trashSave';
import { PAINT_ROW, type VsCodeResult } from './vscodeResult';

const quick = process.argv.includes('--quick');
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : quick ? 5 : 7;
/** eagerFiles: the eager floor of the panel paint renders only this many of the paintFiles (it took
 * 33 s and a Chromium renderer of several GB for all 500). */
const SIZE = quick
  ? { worktrees: 10, files: 500, dirty: 2, changes: 200, scaling: [5, 10, 20], scalingFiles: 200, paintFiles: 50, eagerFiles: 20 }
  : {
      worktrees: 50,
      files: 5000,
      dirty: 5,
      changes: 2000,
      scaling: [10, 50, 200],
      scalingFiles: 500,
      paintFiles: 500,
      eagerFiles: 100,
    };
/** Every line of each file changed: 100 removed + 100 added, so 500 files ≈ 100,000 diff lines. */
const PAINT_LINES_PER_FILE = 100;
const onlyArg = process.argv.indexOf('--only');
const onlyWords = process.argv.includes('--runner-only')
  ? ['runner']
  : onlyArg > 0
    ? (process.argv[onlyArg + 1] ?? '').split(',').filter(Boolean)
    : undefined;
/** Whether a part runs: all of them, or those whose name holds one of the `--only` words. */
const runs = (partName: string) => !onlyWords || onlyWords.some((word) => partName.includes(word.toLowerCase()));
const withVsCode = !process.argv.includes('--no-vscode') && runs('real vscode');
const runnerOnly = onlyWords?.length === 1 && onlyWords[0] === 'runner';
/** Calls of each kind (direct spawn, runner) for the runner rows, alternating. */
const RUNNER_CALLS = quick ? 50 : 200;
const CORES = availableParallelism();
/** Writing 2,000 files varies a lot from run to run (here 450–1,900 ms): more rounds for keep. */
const KEEP_ROUNDS = 2 * ROUNDS + 1;

interface RefreshFixture {
  readonly repo: string;
  readonly worktrees: string[];
  readonly commonDir: string;
  readonly service: GitService;
}

function buildRefreshFixture(root: string): RefreshFixture {
  const repo = createRepo(path.join(root, 'refresh'), SIZE.files);
  const worktrees = addWorktrees(repo, SIZE.worktrees, SIZE.dirty);
  return { repo, worktrees, commonDir: path.join(repo, '.git'), service: new GitService(new GitRunner()) };
}

const READ_ONLY = { ...process.env, GIT_OPTIONAL_LOCKS: '0' };

/** The least a full refresh does, in bash: list the worktrees, `git status` of each, in parallel. */
function refreshFloor(): string {
  return [
    'set -e',
    `git worktree list --porcelain -z | tr '\\0' '\\n' | sed -n 's/^worktree //p' | tr '\\n' '\\0' |`,
    `  xargs -0 -P ${CORES} -I{} git -C {} status --porcelain=v2 -z --branch > /dev/null`,
  ].join('\n');
}

async function refreshRows({ worktrees, commonDir, service }: RefreshFixture, report: Report): Promise<void> {
  const floorRefresh = refreshFloor();
  report.rows.push(
    await compare(
      'full refresh',
      `${SIZE.worktrees} linked worktrees × ${SIZE.files} files, ${SIZE.dirty} dirty`,
      1.15,
      () => run('bash', ['-c', floorRefresh], commonDir, READ_ONLY),
      () => service.readRepository({ commonDir }),
      undefined,
      ROUNDS,
    ),
  );
  report.memory['after full refresh'] = process.resourceUsage().maxRSS;

  const edited = worktrees[SIZE.worktrees - 1] as string;
  writeFileSync(path.join(edited, 'src/module-1/file-1.ts'), 'export const edited = true;\n');
  const snapshot = await service.readRepository({ commonDir });
  const target = snapshot.worktrees.find((entry) => entry.worktree.path === edited)?.worktree;
  if (!target) throw new Error('edited worktree not listed');
  report.rows.push(
    await compare(
      'incremental refresh',
      'same, one file edited in one worktree',
      1.5,
      () => run('git', ['status', '--porcelain=v2', '-z', '--branch'], edited, READ_ONLY),
      () => service.readWorktree(target),
      undefined,
      ROUNDS,
    ),
  );
}

/** Capture and keep: an agent worktree with a mix of every kind of change. */
async function captureAndKeepRows(root: string, { repo, worktrees, commonDir, service }: RefreshFixture, report: Report) {
  const agent = await createAgentWorktree(service, { repoPath: repo, name: 'bench-agent' });
  makeAgentChanges(agent.path, SIZE.changes);
  const scratch = path.join(root, 'scratch');
  mkdirSync(scratch, { recursive: true });
  const floorCapture = [
    'set -e',
    `export GIT_INDEX_FILE=${scratch}/floor-index`,
    'rm -f "$GIT_INDEX_FILE"',
    'git read-tree HEAD',
    'git add -A',
    `git diff --cached --binary --no-ext-diff --no-textconv -M ${agent.metadata.baseCommit} > /dev/null`,
  ].join('\n');
  report.rows.push(
    await compare(
      'capture',
      `agent worktree, ${SIZE.changes} changed files (modified, added, deleted, renamed, binary)`,
      1.2,
      () => run('bash', ['-c', floorCapture], agent.path),
      () => getAgentChanges(service, agent.path),
      undefined,
      ROUNDS,
    ),
  );
  report.memory['after capture'] = process.resourceUsage().maxRSS;

  const patchFile = path.join(scratch, 'agent.patch');
  writeFileSync(patchFile, (await getAgentChanges(service, agent.path)).patch);
  const keepTarget = worktrees[SIZE.worktrees - 2] as string; // a clean worktree at the same base
  const metadataDir = path.join(commonDir, 'worktrees', 'bench-agent');
  const metadata = await readAgentMetadata(metadataDir);
  if (!metadata) throw new Error('no agent metadata');
  const resetTarget = async () => {
    git(keepTarget, ['reset', '--quiet', '--hard']);
    git(keepTarget, ['clean', '--quiet', '-fd']);
    // Flush the last run's 2,000 written files: otherwise their write-back lands on a random
    // later run, floor or ours (the spread was 240–1,600 ms without this).
    spawnSync('sync');
    await writeAgentMetadata(metadataDir, { ...metadata, keptUpTo: undefined });
  };
  const floorKeep = () => run('git', ['apply', '--3way', patchFile], keepTarget);
  // The review panel keeps from the capture it shows (what the user saw); the API captures first.
  const reviewed = await getAgentChanges(service, agent.path);
  const fromPanel = () => keep(service, agent.path, { target: keepTarget, reviewed });
  const fixture = 'the same patch onto a clean target (from the review panel)';
  report.rows.push(await compare('keep', fixture, 1.2, floorKeep, fromPanel, resetTarget, KEEP_ROUNDS));
  const throughApi = () => keep(service, agent.path, { target: keepTarget });
  const apiFixture = 'the same, through the API (no capture to reuse)';
  report.rows.push(
    await compare('keep, capturing first', apiFixture, undefined, floorKeep, throughApi, resetTarget, KEEP_ROUNDS),
  );
}

/** Scaling: time per worktree should stay flat from few to many worktrees. */
async function scalingRun(root: string, report: Report): Promise<void> {
  const service = new GitService(new GitRunner());
  for (const count of SIZE.scaling) {
    const scaleRepo = createRepo(path.join(root, `scale-${count}`), SIZE.scalingFiles);
    addWorktrees(scaleRepo, count, 0);
    const scaleCommon = path.join(scaleRepo, '.git');
    await service.readRepository({ commonDir: scaleCommon });
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round++) times.push(await time(() => service.readRepository({ commonDir: scaleCommon })));
    const median = stats(times).median;
    report.scaling.push({ worktrees: count, medianMs: median, perWorktreeMs: median / (count + 1) });
    console.log(`scaling: ${count} worktrees → ${median.toFixed(1)} ms (${(median / (count + 1)).toFixed(2)} ms per worktree)`);
    cleanup(path.dirname(scaleRepo));
  }
}

/** The rows a full run gives, in table order, with the part that measures each. */
const EXPECTED: ReadonlyArray<readonly [string, string]> = [
  ['runner vs direct spawn: status', 'runner'],
  ['runner vs direct spawn: silent', 'runner'],
  ['full refresh', 'refresh'],
  ['incremental refresh', 'refresh'],
  ['capture', 'capture and keep'],
  ['keep', 'capture and keep'],
  ['keep, capturing first', 'capture and keep'],
  [DIRTY_KEEP_ROW, 'dirty keep and undo'],
  [UNDO_ROW, 'dirty keep and undo'],
  [UNDO_FROM_RECORD_ROW, 'dirty keep and undo'],
  [TRASH_SAVE_ROW, 'trash save'],
  [CLI_LIST_ROW, 'cli list'],
  [CLI_START_ROW, 'cli list'],
  [ATTEMPTS_CREATE_ROW, 'attempts'],
  [PAINT_ROW, 'real VS Code'],
];

interface Report {
  readonly rows: Row[];
  /** Part → why it failed; its rows are then missing, and the run goes on with the next part. */
  readonly partErrors: Map<string, string>;
  readonly memory: Record<string, number>;
  readonly scaling: Array<{ worktrees: number; medianMs: number; perWorktreeMs: number }>;
  status?: AgentStatusLoad;
  vscode?: VsCodeResult;
}

/** Runs one part of the bench; a failure is printed and recorded, and does not stop the others. */
async function part(report: Report, name: string, fn: () => Promise<unknown>): Promise<void> {
  if (name !== 'fixtures' && !runs(name)) return;
  try {
    await fn();
  } catch (error) {
    report.partErrors.set(name, `${name}: ${reasonOf(error)}`);
    console.error(`\n${name} failed:`, error);
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'agent-worktrees-bench-'));
  const report: Report = { rows: [], partErrors: new Map(), memory: {}, scaling: [] };
  try {
    if (runnerOnly) {
      console.log(`Runner rows only: a repository of ${SIZE.files} files…`);
      await part(report, 'runner', async () =>
        report.rows.push(...(await runnerVsDirectSpawn(createRepo(path.join(root, 'runner'), SIZE.files), RUNNER_CALLS))),
      );
    } else {
      await nodeParts(root, report);
    }
  } finally {
    cleanup(root);
  }
  if (withVsCode && !runnerOnly) {
    const inVsCode = benchInVsCode({
      files: SIZE.paintFiles,
      linesPerFile: PAINT_LINES_PER_FILE,
      eagerFiles: SIZE.eagerFiles,
      rounds: ROUNDS,
    });
    report.rows.push(...inVsCode.rows);
    report.vscode = inVsCode.result;
    if (inVsCode.error) report.partErrors.set('real VS Code', `real VS Code: ${inVsCode.error}`);
  }
  finish(report);
}

/** Everything measured in this process: runner, refresh, capture and keep, scaling. */
async function nodeParts(root: string, report: Report): Promise<void> {
  let fixture: RefreshFixture | undefined;
  const onFixture = ['runner', 'refresh', 'capture and keep', 'dirty keep and undo', 'trash save', 'cli list', 'attempts'];
  if (onFixture.some(runs)) {
    console.log(`Building fixtures: ${SIZE.worktrees} worktrees × ${SIZE.files} files (${CORES} cores, ${ROUNDS} rounds)…`);
    await part(report, 'fixtures', async () => {
      fixture = buildRefreshFixture(root);
    });
  }
  if (!onFixture.some(runs)) {
    // Only parts that build what they need (scaling, agent status).
  } else if (fixture) {
    const built = fixture;
    await part(report, 'runner', async () => report.rows.push(...(await runnerVsDirectSpawn(built.repo, RUNNER_CALLS))));
    await part(report, 'refresh', () => refreshRows(built, report));
    await part(report, 'capture and keep', () => captureAndKeepRows(root, built, report));
    await part(report, 'dirty keep and undo', async () => {
      const scratch = path.join(root, 'dirty-scratch');
      mkdirSync(scratch, { recursive: true });
      const size = { changes: SIZE.changes, dirty: SIZE.changes / 10, rounds: KEEP_ROUNDS };
      report.rows.push(...(await dirtyKeepRows(built.service, built.repo, scratch, size)));
    });
    await part(report, 'cli list', async () =>
      report.rows.push(
        ...(await cliListRows(built.repo, refreshFloor(), { worktrees: SIZE.worktrees, files: SIZE.files, rounds: ROUNDS })),
      ),
    );
    await part(report, 'attempts', async () =>
      report.rows.push(...(await attemptsCreateRows(built.service, { files: SIZE.files, rounds: KEEP_ROUNDS }))),
    );
    await part(report, 'trash save', async () =>
      report.rows.push(...(await trashSaveRows(built.service, built.repo, { changes: SIZE.changes, rounds: KEEP_ROUNDS }))),
    );
  } else {
    const reason = report.partErrors.get('fixtures') as string;
    for (const name of onFixture) report.partErrors.set(name, `${name}: not run (${reason})`);
  }
  await part(report, 'scaling', () => scalingRun(root, report));
  await part(report, 'agent status', async () => {
    report.status = await agentStatusLoad(20, 50, quick ? 3 : 7);
    console.log(statusLine(report.status));
  });
}

/** Status tracking's share of one core (ours minus the floor that only produces the output), and processes started. */
function statusLine(load: AgentStatusLoad): string {
  const cost = Math.max(0, load.oursPercent - load.floorPercent);
  const met = cost < 2 && load.processes === 0 ? '✓' : '✗';
  return (
    `agent status: ${load.agents} agents × ${load.chunksPerSecond} output chunks/s → tracking costs ` +
    `${cost.toFixed(2)}% of one core (${(load.oursMicros - load.floorMicros).toFixed(2)} µs per chunk: ` +
    `${load.oursMicros.toFixed(2)} read and tracked, ${load.floorMicros.toFixed(2)} only made; target < 2%), ` +
    `${load.processes} processes started (target 0) ${met}`
  );
}

/** Writes bench/results/latest.json and prints everything, missing rows included; exit 1 if anything failed. */
function finish(report: Report): void {
  const expected = runnerOnly
    ? EXPECTED.filter(([, owner]) => owner === 'runner')
    : EXPECTED.filter(([, owner]) => (owner === 'real VS Code' ? withVsCode : runs(owner)));
  const missing = missingRows(expected, report.rows, report.partErrors);
  const results = path.join(__dirname, 'results');
  mkdirSync(results, { recursive: true });
  const { rows, memory, scaling, vscode, status } = report;
  const failures = [...report.partErrors.values()];
  const json = {
    date: new Date().toISOString(),
    cores: CORES,
    rounds: ROUNDS,
    quick,
    rows,
    missing,
    failures,
    scaling,
    agentStatus: status,
    peakRssKiB: memory,
    vscode,
  };
  writeFileSync(path.join(results, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  console.log(
    `\n${tableLines(
      expected.map(([name]) => name),
      rows,
      missing,
    ).join('\n')}`,
  );
  if (scaling.length > 0)
    console.log(
      `\nScaling (full refresh): ${scaling.map((s) => `${s.worktrees} → ${s.perWorktreeMs.toFixed(2)} ms/worktree`).join(', ')}`,
    );
  if (status) console.log(statusLine(status));
  const rss = Object.entries(memory).map(([k, v]) => `${k} ${(v / 1024).toFixed(0)} MiB`);
  if (rss.length > 0) console.log(`Peak RSS of the bench process: ${rss.join(', ')}`);
  if (failures.length > 0 || missing.length > 0) {
    console.log(`\nFAILED (${missing.length} rows not measured):\n${failures.map((failure) => `- ${failure}`).join('\n')}`);
    process.exitCode = 1;
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
