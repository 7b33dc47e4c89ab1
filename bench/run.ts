// `npm run bench`: ours against a floor measured in the same run, alternating, ≥ 5 rounds after a
// warm-up. Absolute times depend on the machine; the ratio ours/floor is the result.
// Options: --quick (small fixtures, for a smoke run), --rounds N.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { getAgentChanges } from '../src/git/agentChanges';
import { readAgentMetadata, writeAgentMetadata } from '../src/git/agentMetadata';
import { createAgentWorktree } from '../src/git/createAgentWorktree';
import { keep } from '../src/git/keep';
import { GitRunner } from '../src/git/runner';
import { GitService } from '../src/git/service';
import { addWorktrees, cleanup, createRepo, git, makeAgentChanges } from './fixtures';

const quick = process.argv.includes('--quick');
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : quick ? 5 : 7;
const SIZE = quick
  ? { worktrees: 10, files: 500, dirty: 2, changes: 200, scaling: [5, 10, 20], scalingFiles: 200 }
  : { worktrees: 50, files: 5000, dirty: 5, changes: 2000, scaling: [10, 50, 200], scalingFiles: 500 };
const CORES = availableParallelism();

interface Row {
  readonly name: string;
  readonly fixture: string;
  readonly floor: Stats;
  readonly ours: Stats;
  readonly ratio: number;
  readonly target: string;
  readonly met: boolean;
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
  targetRatio: number,
  floor: () => Promise<unknown>,
  ours: () => Promise<unknown>,
  reset: () => Promise<unknown> = async () => undefined,
): Promise<Row> {
  await reset();
  await floor();
  await reset();
  await ours();
  const floorTimes: number[] = [];
  const ourTimes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await reset();
    floorTimes.push(await time(floor));
    await reset();
    ourTimes.push(await time(ours));
  }
  const floorStats = stats(floorTimes);
  const ourStats = stats(ourTimes);
  const ratio = ourStats.median / floorStats.median;
  const row = { name, fixture, floor: floorStats, ours: ourStats, ratio, target: `≤ ${targetRatio}`, met: ratio <= targetRatio };
  console.log(`${name}: floor ${fmt(floorStats)}, ours ${fmt(ourStats)}, ratio ${ratio.toFixed(2)} (target ≤ ${targetRatio})`);
  return row;
}

function fmt(s: Stats): string {
  return `${s.median.toFixed(1)} ms [${s.min.toFixed(1)}–${s.max.toFixed(1)}]`;
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'agent-worktrees-bench-'));
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
      await writeAgentMetadata(path.join(commonDir, 'worktrees', 'bench-agent'), { ...metadata, keptUpTo: undefined });
    };
    rows.push(
      await compare(
        'keep',
        'the same patch onto a clean target',
        1.2,
        () => run('git', ['apply', '--3way', patchFile], keepTarget),
        () => keep(service, agent.path, { target: keepTarget }),
        resetTarget,
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

  const results = path.join(__dirname, 'results');
  mkdirSync(results, { recursive: true });
  const report = { date: new Date().toISOString(), cores: CORES, rounds: ROUNDS, quick, rows, scaling, peakRssKiB: memory };
  writeFileSync(path.join(results, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log('\n| benchmark | fixture | floor median (min–max) | ours median (min–max) | ours/floor | target |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) {
    console.log(
      `| ${row.name} | ${row.fixture} | ${fmt(row.floor)} | ${fmt(row.ours)} | **${row.ratio.toFixed(2)}** | ${row.target} ${row.met ? '✓' : '✗'} |`,
    );
  }
  console.log(
    `\nScaling (full refresh): ${scaling.map((s) => `${s.worktrees} → ${s.perWorktreeMs.toFixed(2)} ms/worktree`).join(', ')}`,
  );
  console.log(
    `Peak RSS of the bench process: ${Object.entries(memory)
      .map(([k, v]) => `${k} ${(v / 1024).toFixed(0)} MiB`)
      .join(', ')}`,
  );
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
