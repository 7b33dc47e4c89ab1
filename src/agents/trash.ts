// The trash: what a confirmed removal would have lost, saved inside the repository first, so that
// even a confirmed discard can be taken back for a while (issue 15). Saving, listing and deleting
// items are here; bringing one back is in restoreTrash.ts.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { failureReason, GitError } from '../git';
import { snapshotTree, temporaryIndex } from './agentChanges';
import type { AgentMetadata } from './agentMetadata';
import { BOOKKEEPING_IDENTITY } from './keepRecord';
import { WorktreeOperationError } from './operationErrors';
import type { GitService } from './service';
import { withRawBytes } from './trashBytes';
import { readTrashMessage, type TrashRecord, trashMessage } from './trashRecord';
import type { Worktree } from './worktrees';

export const TRASH_REF_PREFIX = 'refs/agent-worktrees/trash/';

/** One saved worktree, as `listTrash` shows it. */
export interface TrashItem extends TrashRecord {
  /** Unique in its repository; with `commonDir`, names the item. */
  readonly id: string;
  readonly commonDir: string;
  /** The trash commit: its tree is the worktree's files, its parents HEAD, the index, and the kept-up-to commit. */
  readonly commit: string;
}

/** A ref under the trash prefix that could not be read as an item: listed, so the user can delete it. */
export interface UnreadableTrashItem {
  readonly id: string;
  readonly commonDir: string;
  readonly commit: string;
  readonly problem: string;
}

/** What is saved of a worktree about to be removed. */
export interface TrashSource {
  readonly path: string;
  readonly commonDir: string;
  readonly worktree: Worktree;
  /** Its HEAD commit (undefined when unborn or unreadable). */
  readonly head: string | undefined;
  /** The whole-state tree the removal's plan counted, when it read one (saves reading it again). */
  readonly plannedState: string | undefined;
  readonly uncommittedFiles: number;
  readonly uniqueCommits: number;
}

/**
 * Saves a worktree entirely inside the repository: one commit whose tree is its working tree
 * (tracked and untracked files, ignored ones not), whose parents are its HEAD, a commit of its
 * index, and the agent's kept-up-to commit, under `refs/agent-worktrees/trash/<id>`. Nothing of the
 * worktree, its index or any stash is touched. Throws (having created no ref) when any step fails.
 */
export async function saveToTrash(service: GitService, source: TrashSource, now = new Date()): Promise<TrashItem> {
  const { worktree } = source;
  const readable = !worktree.gone && worktree.gitDir !== undefined;
  const git: TrashGit = (args, extra = {}) => service.runner.run(args, { cwd: source.commonDir, ...extra });
  const headTree = source.head ? `${source.head}^{tree}` : undefined;
  const emptyTree = async () =>
    (await git(['hash-object', '-t', 'tree', '-w', '--stdin'], { input: Buffer.alloc(0) })).stdout.trim();
  // The files and the index are read from copies of its index, in parallel (neither waits for the other).
  const [files, index] = readable
    ? await Promise.all([
        source.plannedState ?? snapshotTree(service, source.path, worktree.gitDir as string),
        indexTree(service, source.path, worktree.gitDir as string),
      ])
    : await Promise.all([
        resolveTree(git, headTree, emptyTree),
        resolveTree(git, headTree, emptyTree).then((tree) => ({ tree, conflicted: [] as string[] })),
      ]);
  if (!worktree.gone && !worktree.gitDir) {
    throw new WorktreeOperationError('failed', `git did not say where ${source.path}'s index is, so it cannot be saved.`);
  }
  if (readable) await refuseNestedRepositories(git, files, headTree);
  // The bytes on disk, not what a clean filter or line-ending conversion made of them.
  const savedFiles = readable ? await withRawBytes(service, source.path, source.head, files) : files;
  const env = { ...BOOKKEEPING_IDENTITY, GIT_AUTHOR_DATE: now.toISOString(), GIT_COMMITTER_DATE: now.toISOString() };
  const headParent = source.head ? ['-p', source.head] : [];
  const indexCommit = (
    await git(['commit-tree', ...headParent, '-m', 'index', '--end-of-options', index.tree], { env })
  ).stdout.trim();
  const keptUpTo = await existingCommit(git, worktree.agent?.keptUpTo);
  const record: TrashRecord = {
    version: 1,
    path: source.path,
    branch: worktree.branch,
    head: source.head,
    index: indexCommit,
    keptUpTo,
    savedAt: now.toISOString(),
    files: source.uncommittedFiles,
    commits: source.uniqueCommits,
    conflicted: index.conflicted,
    locked: worktree.locked ? (worktree.lockReason ?? '') : undefined,
    agent: worktree.agent ? withoutHousekeeping(worktree.agent) : undefined,
  };
  const parents = [...headParent, '-p', indexCommit, ...(keptUpTo ? ['-p', keptUpTo] : [])];
  const commit = (
    await git(['commit-tree', ...parents, '-F', '-', '--end-of-options', savedFiles], {
      env,
      input: Buffer.from(trashMessage(record)),
    })
  ).stdout.trim();
  const id = trashId(source.path, now);
  // The empty old value: the ref must not exist yet (git refuses, atomically, if it does).
  await git(['update-ref', '-m', 'agent-worktrees: save to trash', '--end-of-options', `${TRASH_REF_PREFIX}${id}`, commit, '']);
  return { ...record, id, commonDir: source.commonDir, commit };
}

type TrashGit = (
  args: string[],
  extra?: { env?: Record<string, string>; input?: Buffer; acceptExitCodes?: number[] },
) => Promise<{ stdout: string; exitCode: number }>;

async function resolveTree(git: TrashGit, revision: string | undefined, fallback: () => Promise<string>): Promise<string> {
  if (!revision) return fallback();
  return (await git(['rev-parse', '--verify', '--end-of-options', revision])).stdout.trim();
}

/**
 * A nested repository (a submodule, or a repository an agent cloned or initialised inside) is a
 * gitlink in the saved tree: its own history and files would go with the folder, unsaved. Such a
 * worktree is not removed at a loss: the user moves that work out first.
 */
async function refuseNestedRepositories(git: TrashGit, files: string, headTree: string | undefined): Promise<void> {
  const submodules = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${files}:.gitmodules`], {
    acceptExitCodes: [0, 1, 128],
  });
  const changed = headTree
    ? await git(['diff-tree', '-r', '-z', '--no-renames', '--diff-filter=AMT', '--end-of-options', headTree, files])
    : undefined;
  const nested = (changed?.stdout.split('\0') ?? [])
    .map((field, index, fields) => (/^:\d{6} 160000 /.test(field) ? fields[index + 1] : undefined))
    .filter((entry): entry is string => entry !== undefined);
  if (submodules.exitCode !== 0 && nested.length === 0) return;
  const what = nested.length > 0 ? `nested repositories (${nested.slice(0, 3).join(', ')})` : 'submodules';
  throw new WorktreeOperationError(
    'blocked',
    `it holds ${what}, whose own commits and files cannot be saved to the trash: move that work out (or commit and push it) first.`,
  );
}

/**
 * A tree of the worktree's index (staged state), written from a copy so its own index is only read.
 * Conflicted paths have no single staged version: they are staged as HEAD has them (their files,
 * with the markers, are in the files tree) and listed, so a restore can say which were in conflict.
 */
async function indexTree(service: GitService, cwd: string, gitDir: string): Promise<{ tree: string; conflicted: string[] }> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'agent-worktrees-trash-'));
  try {
    const env = { GIT_INDEX_FILE: await temporaryIndex(service, cwd, gitDir, scratch) };
    const written = await service.runner.run(['write-tree'], { cwd, env, acceptExitCodes: [0, 128] });
    if (written.exitCode === 0) return { tree: written.stdout.trim(), conflicted: [] };
    // write-tree refuses an index with unmerged entries (and only then fails here): list them.
    const unmerged = await service.runner.run(['ls-files', '--unmerged', '-z'], { cwd, env, readOnly: true });
    const conflicted = [
      ...new Set(
        unmerged.stdout
          .split('\0')
          .filter(Boolean)
          .map((entry) => entry.slice(entry.indexOf('\t') + 1)),
      ),
    ];
    if (conflicted.length === 0) throw new Error(`git write-tree failed: ${written.stderr.trim()}`);
    // Staged as they were before the conflict (HEAD's version): the markers come back unstaged.
    const head = await service.runner.run(['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd, acceptExitCodes: [0, 1] });
    const unstage = head.exitCode === 0 ? ['reset', '-q', 'HEAD', '--'] : ['update-index', '--force-remove', '--'];
    await service.runner.run([...unstage, ...conflicted], { cwd, env });
    return { tree: (await service.runner.run(['write-tree'], { cwd, env })).stdout.trim(), conflicted };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The commit, when it still exists (a kept-up-to commit whose ref was deleted may be gone). */
async function existingCommit(git: TrashGit, commit: string | undefined): Promise<string | undefined> {
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
  const found = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${commit}^{commit}`], {
    acceptExitCodes: [0, 1],
  });
  return found.exitCode === 0 ? commit : undefined;
}

/** The agent's metadata as it was, without what belongs to the removed worktree alone (its ports). */
function withoutHousekeeping(agent: AgentMetadata): AgentMetadata {
  const { ports: _ports, ...kept } = agent;
  return kept;
}

/** `20261122T170102Z-fix-login-3fa9`: sortable by time, readable, and a valid ref name component. */
export function trashId(worktreePath: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const name =
    path
      .basename(worktreePath)
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'worktree';
  return `${stamp}-${name}-${randomBytes(2).toString('hex')}`;
}

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Every item in a repository's trash, newest first; refs that are no trash item are listed as unreadable. */
export async function listTrash(
  service: GitService,
  commonDir: string,
): Promise<{ items: TrashItem[]; unreadable: UnreadableTrashItem[] }> {
  const listed = await service.runner.run(
    [
      'for-each-ref',
      '--format=%(refname)%00%(objectname)%00%(objecttype)%00%(contents)%00',
      '--end-of-options',
      TRASH_REF_PREFIX,
    ],
    { cwd: commonDir, readOnly: true },
  );
  const items: TrashItem[] = [];
  const unreadable: UnreadableTrashItem[] = [];
  const fields = listed.stdout.split('\0');
  for (let at = 0; at + 3 < fields.length; at += 4) {
    const id = (fields[at] as string).replace(/^\n/, '').slice(TRASH_REF_PREFIX.length);
    const commit = fields[at + 1] as string;
    const problem = (fields[at + 2] as string) !== 'commit' ? 'it is not a commit' : undefined;
    const record = problem ? { problem } : readTrashMessage(fields[at + 3] as string);
    if ('problem' in record) unreadable.push({ id, commonDir, commit, problem: record.problem });
    else items.push({ ...record, id, commonDir, commit });
  }
  items.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
  return { items, unreadable };
}

/** One item by id, or a clear refusal. */
export async function findTrashItem(service: GitService, commonDir: string, id: string): Promise<TrashItem> {
  if (!ID_PATTERN.test(id)) throw new WorktreeOperationError('invalid', `"${id}" is not the id of an item in the trash.`);
  const { items, unreadable } = await listTrash(service, commonDir);
  const item = items.find((candidate) => candidate.id === id);
  if (item) return item;
  const broken = unreadable.find((candidate) => candidate.id === id);
  throw new WorktreeOperationError(
    'invalid',
    broken
      ? `Trash item ${id} cannot be read: ${broken.problem}.`
      : `There is no item ${id} in the trash (restored or deleted already?).`,
  );
}

/**
 * Deletes items for good (the user confirmed it), each only while it still is the commit that was
 * listed, all in one ref transaction: either every one goes or none.
 */
export async function deleteTrash(
  service: GitService,
  commonDir: string,
  items: readonly Pick<TrashItem, 'id' | 'commit'>[],
): Promise<void> {
  await service.mutate(commonDir, () => deleteTrashRefs(service, commonDir, items));
}

/** `deleteTrash` for a caller that holds the repository's mutation lock already. */
export async function deleteTrashRefs(
  service: GitService,
  commonDir: string,
  items: readonly Pick<TrashItem, 'id' | 'commit'>[],
): Promise<void> {
  if (items.length === 0) return;
  for (const item of items) {
    if (!ID_PATTERN.test(item.id))
      throw new WorktreeOperationError('invalid', `"${item.id}" is not the id of an item in the trash.`);
  }
  const input = items.map((item) => `delete ${TRASH_REF_PREFIX}${item.id}\0${item.commit}\0`).join('');
  try {
    await service.runner.run(['update-ref', '-z', '--stdin'], { cwd: commonDir, input: Buffer.from(input) });
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    throw new WorktreeOperationError('failed', `Nothing was deleted from the trash: ${failureReason(error)}`, { cause: error });
  }
}

/** Items saved more than `days` days before `now`: what retention offers to delete (never silently). */
export function expiredTrash<T extends Pick<TrashItem, 'savedAt'>>(items: readonly T[], days: number, now = Date.now()): T[] {
  const cutoff = now - days * 24 * 60 * 60 * 1000;
  return items.filter((item) => Date.parse(item.savedAt) < cutoff);
}
