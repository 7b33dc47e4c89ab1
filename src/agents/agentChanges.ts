import { copyFile, mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RepositoryDiscovery } from '../git';
import { GitError } from '../git';
import { type AgentMetadata, readAgentMetadata } from './agentMetadata';
import { countSection, splitPatch } from './hunks';
import { WorktreeOperationError } from './operationErrors';
import type { GitService } from './service';

export type ChangeStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed';

export interface ChangedFile {
  readonly status: ChangeStatus;
  /** Path after the change (for a deletion: the deleted path). */
  readonly path: string;
  /** Path before a rename or copy. */
  readonly oldPath: string | undefined;
  readonly additions: number;
  readonly deletions: number;
  readonly binary: boolean;
  readonly oldMode: string;
  readonly newMode: string;
  /** Size in bytes of the file now, when it exists. */
  readonly size: number | undefined;
}

export interface AgentChanges {
  readonly worktreePath: string;
  /** The commit the agent started from. */
  readonly baseCommit: string;
  /** What the diff starts from: the base commit, or the kept-up-to commit after a Keep. */
  readonly from: string;
  /** A tree of everything in the agent worktree now (committed, staged, unstaged, untracked). */
  readonly tree: string;
  /** `git diff --binary` bytes, exactly as `git apply` takes them. */
  readonly patch: Buffer;
  readonly files: readonly ChangedFile[];
  readonly totals: { readonly files: number; readonly additions: number; readonly deletions: number };
}

/** A patch that carries the real bytes (no external diff or textconv), renames found, full hashes. */
export const PATCH_FLAGS = ['--no-color', '--no-ext-diff', '--no-textconv', '-M', '--full-index', '--binary'];

/**
 * Everything an agent did against its base (or since the last Keep), without touching the agent's
 * index, HEAD or files: its current state is snapshotted through a temporary copy of its index
 * (`add --all` there, `write-tree`), then that tree is diffed against the starting point.
 */
export async function getAgentChanges(
  service: GitService,
  worktreePath: string,
  options: { since?: 'kept' | 'base' } = {},
): Promise<AgentChanges> {
  const found = await locateAgentWorktree(service, worktreePath);
  return captureAgentChanges(service, found, await requireAgentMetadata(found), options);
}

/** A linked worktree (an agent worktree is never the main one), or a clear error. */
export async function locateAgentWorktree(service: GitService, worktreePath: string): Promise<AgentWorktreeLocation> {
  const found = await service.discover(worktreePath);
  if (found.kind === 'missing') {
    throw new WorktreeOperationError(
      'invalid',
      `${worktreePath} is missing (its folder was deleted or moved): there is nothing there to review or keep.`,
    );
  }
  if (found.kind !== 'worktree' || !found.isLinkedWorktree) {
    throw new WorktreeOperationError('invalid', `${worktreePath} is not an agent worktree.`);
  }
  return found;
}

export type AgentWorktreeLocation = Extract<RepositoryDiscovery, { kind: 'worktree' }>;

/** Its agent metadata; read it afresh inside a mutation (a keep moves `keptUpTo`). */
export async function requireAgentMetadata(found: AgentWorktreeLocation): Promise<AgentMetadata> {
  const metadata = await readAgentMetadata(found.gitDir).catch((error: Error) => {
    throw new WorktreeOperationError('invalid', `${found.topLevel}: ${error.message}.`);
  });
  if (!metadata) {
    throw new WorktreeOperationError('invalid', `${found.topLevel} was not created as an agent worktree (no metadata).`);
  }
  return metadata;
}

/** The capture of an already located agent worktree (no second discovery). */
export async function captureAgentChanges(
  service: GitService,
  found: AgentWorktreeLocation,
  metadata: AgentMetadata,
  options: { since?: 'kept' | 'base' } = {},
): Promise<AgentChanges> {
  const cwd = found.topLevel;
  const tree = await snapshotTree(service, cwd, found.gitDir);
  const from = options.since === 'base' ? metadata.baseCommit : (metadata.keptUpTo ?? metadata.baseCommit);
  const git = (args: string[]) => service.runner.run(args, { cwd, readOnly: true });
  // Two diffs in parallel: the patch (for keeping) and a -z listing (exact paths, status, modes);
  // line counts come from the patch's own sections, so rename detection runs twice, not three times.
  const [patch, raw] = await Promise.all([
    git(['diff', ...PATCH_FLAGS, '--end-of-options', from, tree, '--']),
    git(['diff', '--no-color', '-M', '--raw', '-z', '--end-of-options', from, tree, '--']),
  ]);
  const sections = splitPatch(patch.stdoutBytes);
  const listed = parseRaw(raw.stdout);
  // A type change (file ↔ symlink) is two sections for one listed file: then ask git for the counts.
  const counts =
    sections.length === listed.length
      ? sections.map((section) => countSection(section))
      : await numstatCounts(service, cwd, from, tree, listed.length);
  const files = await withSizes(
    cwd,
    listed.map((file, index) => ({ ...file, ...(counts[index] ?? { additions: 0, deletions: 0, binary: false }) })),
  );
  return {
    worktreePath: cwd,
    baseCommit: metadata.baseCommit,
    from,
    tree,
    patch: patch.stdoutBytes,
    files,
    totals: {
      files: files.length,
      additions: files.reduce((sum, file) => sum + file.additions, 0),
      deletions: files.reduce((sum, file) => sum + file.deletions, 0),
    },
  };
}

/** The agent's whole current state as a tree object; its real index is only read (copied). */
export async function snapshotTree(service: GitService, cwd: string, gitDir: string): Promise<string> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'agent-worktrees-capture-'));
  try {
    const env = { GIT_INDEX_FILE: await temporaryIndex(service, cwd, gitDir, scratch) }; // its stat cache makes `add --all` fast
    await service.runner.run(['add', '--all', '--', '.'], { cwd, env });
    return (await service.runner.run(['write-tree'], { cwd, env })).stdout.trim();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * A copy of a worktree's index in `scratch` (HEAD's tree when it has none yet), for git to work on
 * with `GIT_INDEX_FILE` while the worktree's own index is only read.
 */
export async function temporaryIndex(service: GitService, cwd: string, gitDir: string, scratch: string): Promise<string> {
  const index = path.join(scratch, 'index');
  try {
    await copyIndex(path.join(gitDir, 'index'), index);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await service.runner.run(['read-tree', 'HEAD'], { cwd, env: { GIT_INDEX_FILE: index } });
  }
  return index;
}

/**
 * Copies an index file with its modification time. Git trusts an entry's cached stat data only
 * when the entry is older than the index file ("racy git"): a copy with a new time would make a
 * file edited in the same second as the index was written (same size) look unchanged, and the
 * capture would miss the edit.
 */
async function copyIndex(from: string, to: string): Promise<void> {
  await copyFile(from, to);
  const { atime, mtime } = await stat(from);
  await utimes(to, atime, mtime);
}

const STATUS_NAMES: Record<string, ChangeStatus> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'type-changed',
};

/** Line counts from `git diff --numstat -z`, in the same order as `--raw` lists the files. */
async function numstatCounts(
  service: GitService,
  cwd: string,
  from: string,
  tree: string,
  expected: number,
): Promise<Array<{ additions: number; deletions: number; binary: boolean }>> {
  const result = await service.runner.run(['diff', '--no-color', '-M', '--numstat', '-z', '--end-of-options', from, tree, '--'], {
    cwd,
    readOnly: true,
  });
  const counts: Array<{ additions: number; deletions: number; binary: boolean }> = [];
  const fields = result.stdout.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as string;
    if (!field) continue;
    const [added = '', deleted = '', pathPart] = field.split('\t');
    if (pathPart === '') i += 2; // rename or copy: the two paths follow as fields of their own
    counts.push({
      additions: added === '-' ? 0 : Number(added),
      deletions: deleted === '-' ? 0 : Number(deleted),
      binary: added === '-',
    });
  }
  if (counts.length !== expected) {
    throw new GitError(`git listed ${expected} changed files but counted ${counts.length}`, {
      code: 'ParseError',
      args: result.args,
      cwd,
    });
  }
  return counts;
}

/** `git diff --raw -z`: status, modes and exact paths (old and new for renames and copies). */
export function parseRaw(raw: string): Array<Pick<ChangedFile, 'status' | 'path' | 'oldPath' | 'oldMode' | 'newMode'>> {
  const files: Array<Pick<ChangedFile, 'status' | 'path' | 'oldPath' | 'oldMode' | 'newMode'>> = [];
  const fields = raw.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const header = fields[i] as string;
    if (!header.startsWith(':')) continue;
    const [oldMode = '', newMode = '', , , statusField = ''] = header.slice(1).split(' ');
    const letter = statusField[0] ?? '';
    const status = STATUS_NAMES[letter];
    if (!status) throw new GitError(`Unknown diff status "${statusField}"`, { code: 'ParseError', args: [] });
    const twoPaths = letter === 'R' || letter === 'C';
    const first = fields[i + 1] ?? '';
    const second = twoPaths ? (fields[i + 2] ?? '') : undefined;
    i += twoPaths ? 2 : 1;
    files.push({ status, path: second ?? first, oldPath: twoPaths ? first : undefined, oldMode, newMode });
  }
  return files;
}

async function withSizes(cwd: string, files: Array<Omit<ChangedFile, 'size'>>): Promise<ChangedFile[]> {
  return Promise.all(
    files.map(async (file) => {
      if (file.status === 'deleted') return { ...file, size: undefined };
      const size = await stat(path.join(cwd, file.path)).then(
        (info) => info.size,
        () => undefined,
      );
      return { ...file, size };
    }),
  );
}
