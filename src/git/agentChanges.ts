import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readAgentMetadata } from './agentMetadata';
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

const DIFF_FLAGS = ['--no-color', '--no-ext-diff', '--no-textconv', '-M', '--full-index'];

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
  const found = await service.discover(worktreePath);
  if (found.kind !== 'worktree' || !found.isLinkedWorktree) {
    throw new WorktreeOperationError('invalid', `${worktreePath} is not an agent worktree.`);
  }
  const metadata = await readAgentMetadata(found.gitDir);
  if (!metadata)
    throw new WorktreeOperationError('invalid', `${worktreePath} was not created as an agent worktree (no metadata).`);
  const cwd = found.topLevel;
  const tree = await snapshotTree(service, cwd, found.gitDir);
  const from = options.since === 'base' ? metadata.baseCommit : (metadata.keptUpTo ?? metadata.baseCommit);
  const git = (args: string[]) => service.runner.run(args, { cwd, readOnly: true });
  const [patch, raw, numstat] = await Promise.all([
    git(['diff', ...DIFF_FLAGS, '--binary', from, tree, '--']),
    git(['diff', '--no-color', '-M', '--raw', '-z', from, tree, '--']),
    git(['diff', '--no-color', '-M', '--numstat', '-z', from, tree, '--']),
  ]);
  const files = await withSizes(cwd, mergeRawAndNumstat(raw.stdout, numstat.stdout));
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
    const index = path.join(scratch, 'index');
    try {
      await copyFile(path.join(gitDir, 'index'), index); // its stat cache makes `add --all` fast
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await service.runner.run(['read-tree', 'HEAD'], { cwd, env: { GIT_INDEX_FILE: index } });
    }
    const env = { GIT_INDEX_FILE: index };
    await service.runner.run(['add', '--all', '--', '.'], { cwd, env });
    return (await service.runner.run(['write-tree'], { cwd, env })).stdout.trim();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const STATUS_NAMES: Record<string, ChangeStatus> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'type-changed',
};

/** `--raw -z` gives status, modes and paths; `--numstat -z` gives line counts (`-` for binary). */
export function mergeRawAndNumstat(raw: string, numstat: string): Omit<ChangedFile, 'size'>[] {
  const counts = new Map<string, { additions: number; deletions: number; binary: boolean }>();
  const numFields = numstat.split('\0');
  for (let i = 0; i < numFields.length; i++) {
    const field = numFields[i] as string;
    if (!field) continue;
    const [added = '', deleted = '', pathPart = ''] = field.split('\t');
    let key = pathPart;
    if (pathPart === '') {
      // rename/copy: the paths follow as two more fields (old, new)
      key = numFields[i + 2] ?? '';
      i += 2;
    }
    counts.set(key, {
      additions: added === '-' ? 0 : Number(added),
      deletions: deleted === '-' ? 0 : Number(deleted),
      binary: added === '-',
    });
  }
  const files: Omit<ChangedFile, 'size'>[] = [];
  const rawFields = raw.split('\0');
  for (let i = 0; i < rawFields.length; i++) {
    const header = rawFields[i] as string;
    if (!header.startsWith(':')) continue;
    const [oldMode = '', newMode = '', , , statusField = ''] = header.slice(1).split(' ');
    const letter = statusField[0] ?? '';
    const status = STATUS_NAMES[letter];
    if (!status) continue;
    const twoPaths = letter === 'R' || letter === 'C';
    const first = rawFields[i + 1] ?? '';
    const second = twoPaths ? (rawFields[i + 2] ?? '') : undefined;
    i += twoPaths ? 2 : 1;
    const filePath = second ?? first;
    const count = counts.get(filePath) ?? { additions: 0, deletions: 0, binary: false };
    files.push({ status, path: filePath, oldPath: twoPaths ? first : undefined, oldMode, newMode, ...count });
  }
  return files;
}

async function withSizes(cwd: string, files: Omit<ChangedFile, 'size'>[]): Promise<ChangedFile[]> {
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
