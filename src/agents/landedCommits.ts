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

/** How much of the target's history since the merge base is searched (newest first). */
const SEARCH_DEPTH = 1000;

const DIFF_FLAGS = ['--no-color', '--no-ext-diff', '--no-textconv', '--binary', '--full-index'];

/**
 * How many of `unique` (commits reachable from `tip` only) landed in one of the `targets` branches:
 * each by its patch-id (whitespace included), or all of them when the branch's whole change since
 * the merge base is one commit's change there (a squash merge). A commit that changes nothing never
 * counts as landed. Plumbing only (no `git log`/`cherry`: the user's log format cannot leak into
 * the patches). Errors count nothing as landed.
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
  const base = await git(['merge-base', '--end-of-options', target, tip], [0, 1]);
  if (base.exitCode !== 0) return 0;
  const mergeBase = base.stdout.trim();
  const sinceBase = await git([
    'rev-list',
    '--no-merges',
    `--max-count=${SEARCH_DEPTH}`,
    '--end-of-options',
    `${mergeBase}..${target}`,
  ]);
  const [theirs, ours] = await Promise.all([
    commitPatchIds(git, sinceBase.stdout.split('\n').filter(Boolean)),
    commitPatchIds(git, unique),
  ]);
  const landed = new Set(theirs.values());
  const picked = unique.filter((commit) => landed.has(ours.get(commit) ?? '')).length;
  if (picked === unique.length) return picked;
  // A squash merge: the branch's whole change since the merge base is one commit's change there.
  const whole = await git(['diff-tree', '-p', ...DIFF_FLAGS, '--end-of-options', mergeBase, tip]);
  const [squash] = (await patchIds(git, whole.stdoutBytes)).values();
  return squash !== undefined && landed.has(squash) ? unique.length : picked;
}

/** Each commit's patch-id (a commit that changes nothing, or a merge, has none): one diff-tree, one patch-id. */
async function commitPatchIds(git: Git, commits: readonly string[]): Promise<Map<string, string>> {
  if (commits.length === 0) return new Map();
  const patches = await git(['diff-tree', '--stdin', '-p', ...DIFF_FLAGS], [0], Buffer.from(`${commits.join('\n')}\n`));
  return patchIds(git, patches.stdoutBytes);
}

/**
 * `git patch-id --verbatim` (whitespace counts: a re-indented line is another change) of
 * `diff-tree` output: commit id → patch-id; a bare diff's id is under the all-zero commit id.
 */
async function patchIds(git: Git, patches: Buffer): Promise<Map<string, string>> {
  if (patches.length === 0) return new Map();
  const ids = await git(['patch-id', '--verbatim'], [0], patches);
  return new Map(
    ids.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [patchId = '', commit = ''] = line.split(' ');
        return [commit, patchId] as const;
      }),
  );
}

type Git = (args: string[], accept?: number[], input?: Buffer) => Promise<{ stdout: string; stdoutBytes: Buffer }>;
