// The trash: what a confirmed removal would have lost, saved inside the repository first, so that
// even a confirmed discard can be taken back for a while (issue 15). Saving, listing and deleting
// items are here; bringing one back is in restoreTrash.ts.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { failureReason, GitError, readObjectsNamed } from '../git';
import { temporaryIndex } from './agentChanges';
import type { AgentMetadata } from './agentMetadata';
import { BOOKKEEPING_IDENTITY } from './keepRecord';
import { WorktreeOperationError } from './operationErrors';
import type { GitService } from './service';
import { conversionSettings, savedFilesTree } from './trashBytes';
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
  if (!worktree.gone && !worktree.gitDir) {
    throw new WorktreeOperationError('failed', `git did not say where ${source.path}'s index is, so it cannot be saved.`);
  }
  const readable = !worktree.gone;
  const git: TrashGit = (args, extra = {}) => service.runner.run(args, { cwd: source.commonDir, ...extra });
  const headTree = source.head ? `${source.head}^{tree}` : undefined;
  // What makes git convert bytes is asked while git reads the files (it depends on nothing).
  const settings = readable ? conversionSettings(service, source.path) : undefined;
  settings?.catch(() => undefined); // awaited below
  const env = { ...BOOKKEEPING_IDENTITY, GIT_AUTHOR_DATE: now.toISOString(), GIT_COMMITTER_DATE: now.toISOString() };
  const headParent = source.head ? ['-p', source.head] : [];
  const commitIndex = async (tree: string) =>
    (await git(['commit-tree', ...headParent, '-m', 'index', '--end-of-options', tree], { env })).stdout.trim();
  const keptCommit = existingCommit(git, worktree.agent?.keptUpTo);
  keptCommit.catch(() => undefined); // awaited below
  // The index's commit is made while git reads the files.
  const { files, index, indexCommit } = readable
    ? await readTrees(service, { cwd: source.path, gitDir: worktree.gitDir as string, planned: source.plannedState }, commitIndex)
    : await headTrees(git, headTree, commitIndex);
  // The saved files' tree (raw bytes; refused for nested repositories) is worked out while the
  // trash commit is made; it is made again in the rare case raw bytes replace some.
  const inspected = settings
    ? savedFilesTree(service, { cwd: source.path, commonDir: source.commonDir, head: source.head }, files, await settings)
    : Promise.resolve(files);
  inspected.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  const keptUpTo = await keptCommit;
  const record = trashRecord(source, { index: indexCommit, conflicted: index.conflicted, keptUpTo }, now);
  const parents = [...headParent, '-p', indexCommit, ...(keptUpTo ? ['-p', keptUpTo] : [])];
  const commitOf = async (tree: string) =>
    (
      await git(['commit-tree', ...parents, '-F', '-', '--end-of-options', tree], {
        env,
        input: Buffer.from(trashMessage(record)),
      })
    ).stdout.trim();
  const [savedFiles, optimistic] = await Promise.all([inspected, commitOf(files)]);
  const commit = savedFiles === files ? optimistic : await commitOf(savedFiles);
  const id = trashId(source.path, now);
  // The empty old value: the ref must not exist yet (git refuses, atomically, if it does).
  await git(['update-ref', '-m', 'agent-worktrees: save to trash', '--end-of-options', `${TRASH_REF_PREFIX}${id}`, commit, '']);
  return { ...record, id, commonDir: source.commonDir, commit };
}

function trashRecord(
  source: TrashSource,
  saved: { readonly index: string; readonly conflicted: string[]; readonly keptUpTo: string | undefined },
  now: Date,
): TrashRecord {
  const { worktree } = source;
  return {
    version: 1,
    path: source.path,
    branch: worktree.branch,
    head: source.head,
    index: saved.index,
    keptUpTo: saved.keptUpTo,
    savedAt: now.toISOString(),
    files: source.uncommittedFiles,
    commits: source.uniqueCommits,
    conflicted: saved.conflicted,
    locked: worktree.locked ? (worktree.lockReason ?? '') : undefined,
    agent: worktree.agent ? withoutHousekeeping(worktree.agent) : undefined,
  };
}

type TrashGit = (
  args: string[],
  extra?: { env?: Record<string, string>; input?: Buffer; acceptExitCodes?: number[] },
) => Promise<{ stdout: string; exitCode: number }>;

/** A gone worktree's files and index, as far as they can be known: its HEAD's tree (or the empty tree). */
async function headTrees(git: TrashGit, headTree: string | undefined, commitIndex: (tree: string) => Promise<string>) {
  const tree = headTree
    ? (await git(['rev-parse', '--verify', '--end-of-options', headTree])).stdout.trim()
    : (await git(['hash-object', '-t', 'tree', '-w', '--stdin'], { input: Buffer.alloc(0) })).stdout.trim();
  return { files: tree, index: { tree, conflicted: [] as string[] }, indexCommit: await commitIndex(tree) };
}

/**
 * The worktree's index and files as trees, from one copy of its index (its own is only read): the
 * index as it is, then everything (`add --all`) on top. `files` when the removal's plan read them.
 * Conflicted paths have no single staged version: they are staged as HEAD has them (their files,
 * with the markers, are in the files tree) and listed, so a restore can say which were in conflict.
 */
async function readTrees(
  service: GitService,
  worktree: { readonly cwd: string; readonly gitDir: string; readonly planned: string | undefined },
  commitIndex: (tree: string) => Promise<string>,
): Promise<{ files: string; index: { tree: string; conflicted: string[] }; indexCommit: string }> {
  const { cwd } = worktree;
  const scratch = await mkdtemp(path.join(tmpdir(), 'agent-worktrees-trash-'));
  try {
    // Two copies of its index: the staged state and everything are read at the same time.
    await Promise.all([mkdir(path.join(scratch, 'files')), mkdir(path.join(scratch, 'index'))]);
    const [filesIndex, stagedIndex] = await Promise.all([
      worktree.planned ? '' : temporaryIndex(service, cwd, worktree.gitDir, path.join(scratch, 'files')),
      temporaryIndex(service, cwd, worktree.gitDir, path.join(scratch, 'index')),
    ]);
    const readFiles = async () => {
      if (worktree.planned) return worktree.planned;
      const env = { GIT_INDEX_FILE: filesIndex };
      await service.runner.run(['add', '--all', '--', '.'], { cwd, env });
      return (await service.runner.run(['write-tree'], { cwd, env })).stdout.trim();
    };
    const readIndex = async () => {
      const index = await indexTree(service, cwd, { GIT_INDEX_FILE: stagedIndex });
      return { index, indexCommit: await commitIndex(index.tree) };
    };
    const [files, { index, indexCommit }] = await Promise.all([readFiles(), readIndex()]);
    return { files, index, indexCommit };
  } finally {
    // In the background: the caller need not wait for the scratch copies to go.
    void rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function indexTree(service: GitService, cwd: string, env: { GIT_INDEX_FILE: string }) {
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
  const head = await service.runner.run(['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd, acceptExitCodes: [0, 1] });
  const unstage = head.exitCode === 0 ? ['reset', '-q', 'HEAD', '--'] : ['update-index', '--force-remove', '--'];
  await service.runner.run([...unstage, ...conflicted], { cwd, env });
  return { tree: (await service.runner.run(['write-tree'], { cwd, env })).stdout.trim(), conflicted };
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

/** One ref under the trash prefix, with what its object is (undefined: missing) and its message. */
interface TrashRef {
  readonly id: string;
  readonly commit: string;
  readonly type: string | undefined;
  readonly message: string;
}

/**
 * Every item in a repository's trash, newest first; refs that are no trash item are listed as
 * unreadable. One `for-each-ref` reads them all (each refresh of the view does this). A ref whose
 * commit is missing (a partly copied repository) makes git fail that listing as a whole: then the
 * refs are listed without their objects and read in one `cat-file --batch`, so that ref is one
 * unreadable item rather than a repository that cannot be read.
 */
export async function listTrash(
  service: GitService,
  commonDir: string,
): Promise<{ items: TrashItem[]; unreadable: UnreadableTrashItem[] }> {
  const refs = await readTrashRefs(service, commonDir).catch((error: unknown) => {
    if (!(error instanceof GitError && /missing object/i.test(error.stderr))) throw error;
    return readTrashRefsSkippingMissing(service, commonDir);
  });
  const items: TrashItem[] = [];
  const unreadable: UnreadableTrashItem[] = [];
  for (const { id, commit, type, message } of refs) {
    const record =
      type === undefined
        ? { problem: 'its commit is missing from the repository' }
        : type !== 'commit'
          ? { problem: 'it is not a commit' }
          : readTrashMessage(message);
    if ('problem' in record) unreadable.push({ id, commonDir, commit, problem: record.problem });
    else items.push({ ...record, id, commonDir, commit });
  }
  items.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
  return { items, unreadable };
}

async function readTrashRefs(service: GitService, commonDir: string): Promise<TrashRef[]> {
  const listed = await service.runner.run(
    [
      'for-each-ref',
      '--format=%(refname)%00%(objectname)%00%(objecttype)%00%(contents)%00',
      '--end-of-options',
      TRASH_REF_PREFIX,
    ],
    { cwd: commonDir, readOnly: true },
  );
  const refs: TrashRef[] = [];
  const fields = listed.stdout.split('\0');
  for (let at = 0; at + 3 < fields.length; at += 4) {
    refs.push({
      id: (fields[at] as string).replace(/^\n/, '').slice(TRASH_REF_PREFIX.length),
      commit: fields[at + 1] as string,
      type: fields[at + 2] as string,
      message: fields[at + 3] as string,
    });
  }
  return refs;
}

/** The refs without their objects, then every object in one `cat-file --batch` that answers "missing". */
async function readTrashRefsSkippingMissing(service: GitService, commonDir: string): Promise<TrashRef[]> {
  const listed = await service.runner.run(
    ['for-each-ref', '--format=%(refname)%00%(objectname)', '--end-of-options', TRASH_REF_PREFIX],
    { cwd: commonDir, readOnly: true },
  );
  const named = listed.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [refname = '', commit = ''] = line.split('\0');
      return { id: refname.slice(TRASH_REF_PREFIX.length), commit };
    });
  const objects = await readObjectsNamed(
    service,
    commonDir,
    named.map((ref) => ref.commit),
  );
  return named.map(({ id, commit }) => {
    const object = objects.get(commit);
    return { id, commit, type: object?.type, message: object ? commitMessage(object.bytes) : '' };
  });
}

/** A raw commit's message: what follows the blank line that ends its headers. */
function commitMessage(bytes: Buffer): string {
  const headersEnd = bytes.indexOf('\n\n');
  return headersEnd < 0 ? '' : bytes.subarray(headersEnd + 2).toString('utf8');
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
