// Landed work is not lost work: commits whose change is already in the branch they were meant for
// (cherry-picked, squash-merged, or kept and committed) do not count as "found nowhere else".
import { failureReason } from '../git';
import type { GitService } from './service';

export interface Landed {
  /** How many of the commits already landed. */
  readonly count: number;
  /** The branch they landed in. */
  readonly into: string | undefined;
  /** Why it could not be checked (then none counts as landed: fail closed). */
  readonly problem: string | undefined;
}

/** The target-side history searched for a squash of the whole branch. */
const SQUASH_SEARCH_DEPTH = 1000;

const DIFF_FLAGS = ['--no-color', '--no-ext-diff', '--no-textconv', '--binary', '--full-index'];

/**
 * How many of `unique` (commits reachable from `tip` only) landed in one of the `targets` branches:
 * each by patch-id (`git cherry`), or all of them when the branch's whole change since the
 * merge base is one commit's patch there (a squash merge). Errors count nothing as landed.
 */
export async function findLandedCommits(
  service: GitService,
  commonDir: string,
  tip: string,
  unique: readonly string[],
  targets: readonly string[],
): Promise<Landed> {
  if (unique.length === 0 || targets.length === 0) return { count: 0, into: undefined, problem: undefined };
  try {
    let best: Landed = { count: 0, into: undefined, problem: undefined };
    for (const target of new Set(targets)) {
      const count = await landedIn(service, commonDir, tip, unique, `refs/heads/${target}`);
      if (count > best.count) best = { count, into: target, problem: undefined };
      if (count === unique.length) break;
    }
    return best;
  } catch (error) {
    return { count: 0, into: undefined, problem: failureReason(error) };
  }
}

async function landedIn(service: GitService, commonDir: string, tip: string, unique: readonly string[], target: string) {
  const git = (args: string[], acceptExitCodes = [0], input?: Buffer) =>
    service.runner.run(args, { cwd: commonDir, readOnly: true, acceptExitCodes, input });
  const exists = await git(['rev-parse', '--verify', '--quiet', target], [0, 1]);
  if (exists.exitCode !== 0) return 0;
  const cherry = await git(['cherry', '--end-of-options', target, tip]);
  const equivalent = new Set(
    cherry.stdout
      .split('\n')
      .filter((line) => line.startsWith('- '))
      .map((line) => line.slice(2).trim()),
  );
  const picked = unique.filter((commit) => equivalent.has(commit)).length;
  if (picked === unique.length) return picked;
  const base = await git(['merge-base', '--end-of-options', target, tip], [0, 1]);
  if (base.exitCode !== 0) return picked;
  const mergeBase = base.stdout.trim();
  const whole = await git(['diff-tree', '-p', ...DIFF_FLAGS, '--end-of-options', mergeBase, tip]);
  if (whole.stdoutBytes.length === 0) return picked;
  const [squash] = await patchIds(git, whole.stdoutBytes);
  const history = await git([
    'log',
    '-p',
    ...DIFF_FLAGS,
    '--no-merges',
    `--max-count=${SQUASH_SEARCH_DEPTH}`,
    '--end-of-options',
    `${mergeBase}..${target}`,
  ]);
  const landed = await patchIds(git, history.stdoutBytes);
  return squash !== undefined && landed.includes(squash) ? unique.length : picked;
}

/** `git patch-id --stable` of a diff or a log with patches: one id per commit (or one for a bare diff). */
async function patchIds(
  git: (args: string[], accept?: number[], input?: Buffer) => Promise<{ stdout: string }>,
  patches: Buffer,
): Promise<string[]> {
  if (patches.length === 0) return [];
  const ids = await git(['patch-id', '--stable'], [0], patches);
  return ids.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[0] as string);
}
