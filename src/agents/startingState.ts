import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { firstMeaningfulLine, pathExists } from '../git';
import { snapshotTree, temporaryIndex } from './agentChanges';
import { WorktreeOperationError } from './operationErrors';
import type { GitService } from './service';

// What a new agent worktree starts with besides its branch: the invoking worktree's uncommitted
// changes (when asked) and the ignored files `.worktreeinclude` names. Read before anything is
// written; applied after `git worktree add`.

const INCLUDE_FILE = '.worktreeinclude';

/** git in one worktree: the creating call's runner, bound to the invoking worktree by default. */
export type Git = (
  args: string[],
  extra?: { cwd?: string; accept?: number[]; env?: Record<string, string> },
) => ReturnType<GitService['runner']['run']>;

/** The invoking worktree's uncommitted state as trees: what is staged, and everything. */
export interface UncommittedState {
  readonly staged: string;
  readonly full: string;
}

/**
 * Reads the invoking worktree's uncommitted state without writing any of its git files: the
 * staged tree from a temporary copy of its index (`write-tree` on the real one would take
 * index.lock and rewrite it), the full tree from another copy with everything added. Undefined
 * when nothing is uncommitted.
 */
export async function readUncommittedState(
  service: GitService,
  git: Git,
  invoking: string,
  invokingGitDir: string,
): Promise<UncommittedState | undefined> {
  const lock = path.join(invokingGitDir, 'index.lock');
  if (await pathExists(lock)) {
    throw new WorktreeOperationError(
      'blocked',
      `Another git process is using the index of ${invoking} (${lock} exists), so its uncommitted changes are in flux. Wait for it to finish (or, if no git is running, delete that file) and try again.`,
    );
  }
  const staged = await stagedTree(service, invoking, invokingGitDir);
  const full = await snapshotTree(service, invoking, invokingGitDir);
  const head = (await git(['rev-parse', '--verify', 'HEAD^{tree}'])).stdout.trim();
  return full === head && staged === head ? undefined : { staged, full };
}

async function stagedTree(service: GitService, invoking: string, invokingGitDir: string): Promise<string> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'agent-worktrees-staged-'));
  try {
    const env = { GIT_INDEX_FILE: await temporaryIndex(service, invoking, invokingGitDir, scratch) };
    const written = await service.runner.run(['write-tree'], { cwd: invoking, env, acceptExitCodes: [0, 128] });
    if (written.exitCode === 0) return written.stdout.trim();
    if (/unmerged/i.test(written.stderr)) {
      throw new WorktreeOperationError(
        'invalid',
        'The invoking worktree has unresolved conflicts: resolve them before bringing its changes along.',
      );
    }
    throw new WorktreeOperationError(
      'failed',
      `Reading the staged changes of ${invoking} failed: ${firstMeaningfulLine(written.stderr)}`,
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The new worktree gets the full tree in its files and the staged tree in its index. */
export async function applyUncommittedState(git: Git, target: string, state: UncommittedState): Promise<void> {
  await git(['read-tree', '-m', '-u', '--end-of-options', 'HEAD', state.full], { cwd: target });
  await git(['read-tree', '--end-of-options', state.staged], { cwd: target });
}

/**
 * Copies ignored files that `.worktreeinclude` (gitignore syntax, at the invoking worktree's root)
 * or the setting names, e.g. `.env`. Only files git ignores; never over a file the checkout has.
 */
export async function copyIncludedIgnoredFiles(
  git: Git,
  invoking: string,
  target: string,
  extraPatterns: readonly string[],
): Promise<string[]> {
  let patterns = [...extraPatterns];
  try {
    patterns = [...(await readFile(path.join(invoking, INCLUDE_FILE), 'utf8')).split(/\r?\n/), ...patterns];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  patterns = patterns.map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  if (patterns.length === 0) return [];
  const scratch = await mkdtemp(path.join(tmpdir(), 'agent-worktrees-include-'));
  try {
    const patternFile = path.join(scratch, 'patterns');
    await writeFile(patternFile, `${patterns.join('\n')}\n`);
    const matching = splitNul((await git(['ls-files', '-z', '--others', '--ignored', `--exclude-from=${patternFile}`])).stdout);
    const notIgnored = new Set(splitNul((await git(['ls-files', '-z', '--others', '--exclude-standard'])).stdout));
    const copied: string[] = [];
    for (const relative of matching) {
      if (notIgnored.has(relative)) continue; // untracked but not ignored: not ours to copy
      const destination = path.join(target, relative);
      if (await pathExists(destination)) continue; // the checkout has it: never overwrite
      await mkdir(path.dirname(destination), { recursive: true });
      await cp(path.join(invoking, relative), destination, {
        preserveTimestamps: true,
        verbatimSymlinks: true,
        errorOnExist: true,
        force: false,
      });
      copied.push(relative);
    }
    return copied;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function splitNul(output: string): string[] {
  return output.split('\0').filter(Boolean);
}
