// How the bench measures: floor and ours alternately in the same run, and the runner rows (the
// runner against a direct spawn of the same git command).
import { spawn } from 'node:child_process';
import { GitRunner } from '../src/git/runner';
import { git } from './fixtures';
import { fmt, makeRow, type Row } from './stats';

/** Runs a command line or a process and resolves when it exits 0 (anything else fails the bench). */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
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

export async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Floor and ours alternately, after one warm-up of each; optional untimed reset before each run. */
export async function compare(
  name: string,
  fixture: string,
  targetRatio: number | undefined,
  floor: () => Promise<unknown>,
  ours: () => Promise<unknown>,
  reset: () => Promise<unknown> = async () => undefined,
  rounds: number,
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
  const row = makeRow(name, fixture, floorTimes, ourTimes, targetRatio);
  console.log(`${name}: floor ${fmt(row.floor)}, ours ${fmt(row.ours)}, ratio ${row.ratio.toFixed(2)} (target ${row.target})`);
  return row;
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
export async function runnerVsDirectSpawn(repo: string, calls: number): Promise<Row[]> {
  const runner = new GitRunner();
  const env = { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_LITERAL_PATHSPECS: '1', GIT_OPTIONAL_LOCKS: '0' };
  const status = ['status', '--porcelain=v2', '-z'];
  const silent = ['diff', '--cached', '--quiet'];
  const files = Number(git(repo, ['ls-files', '-z']).split('\0').length - 1).toLocaleString('en');
  return [
    await compare(
      'runner vs direct spawn: status',
      `\`git ${status.join(' ')}\`, ${files} files, ${calls} calls each`,
      1.1,
      () => spawnGit(status, repo, env),
      () => runner.run(status, { cwd: repo, readOnly: true }),
      undefined,
      calls,
    ),
    await compare(
      'runner vs direct spawn: silent',
      `\`git ${silent.join(' ')}\` (prints nothing), same repository, ${calls} calls each`,
      1.25,
      () => spawnGit(silent, repo, env),
      () => runner.run(silent, { cwd: repo, readOnly: true }),
      undefined,
      calls,
    ),
  ];
}
