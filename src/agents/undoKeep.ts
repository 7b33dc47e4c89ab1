import { existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  blobId,
  failureReason,
  type IndexSnapshot,
  objectFormat,
  type PathEntry,
  type PathSnapshot,
  restoreIndex,
  restorePaths,
  samePath,
  snapshotIndex,
  snapshotPaths,
  type TreeEntry,
} from '../git';
import { type AgentMetadata, keptRefName, METADATA_FILE, readAgentMetadata, writeAgentMetadata } from './agentMetadata';
import {
  KEEPS_REF_PREFIX,
  type KeepRecord,
  listKeepRecords,
  type RecordEntries,
  readBeforeEntries,
  readUndoRecord,
  UNDONE_REF_PREFIX,
} from './keepRecord';
import { WorktreeOperationError } from './operationErrors';
import { type GitService, requireRepository } from './service';

/** A keep as the user sees it in "Undo Keep…", newest first. */
export interface KeepSummary {
  /** What `undoKeep` takes. */
  readonly id: string;
  readonly target: string;
  readonly agentWorktree: string;
  readonly task: string | undefined;
  readonly at: string;
  readonly paths: readonly string[];
}

export interface UndoResult {
  readonly target: string;
  /** Paths put back as they were before the keep. */
  readonly restored: readonly string[];
  /** The agent worktree's kept-up-to commit now (undefined: its next review starts from its base). */
  readonly keptUpTo: string | undefined;
}

const RECORD_ID = /^refs\/agent-worktrees\/keeps\/[A-Za-z0-9._-]+\/\d{15}-\d+$/;

/** The undoable keeps of the repository containing `repoPath`, newest first. */
export async function listKeeps(service: GitService, repoPath: string): Promise<KeepSummary[]> {
  const commonDir = await commonDirOf(service, repoPath);
  const records = await listKeepRecords(service, commonDir);
  return records.map(({ ref, target, agentWorktree, task, at, paths }) => ({ id: ref, target, agentWorktree, task, at, paths }));
}

/**
 * Puts every path a keep wrote back byte for byte (and its index entry), and moves the agent's
 * kept-up-to record back so its next review shows the work again. Refuses, changing nothing, when
 * any of those paths changed since the keep (named), when a later keep of the same agent worktree
 * came after it, or — without `force` — when its agent worktree is gone (the target held the last
 * copy; the record stays under refs/agent-worktrees/undone/). All or nothing.
 */
export async function undoKeep(
  service: GitService,
  repoPath: string,
  id: string,
  options: { readonly force?: boolean } = {},
): Promise<UndoResult> {
  if (typeof id !== 'string' || !RECORD_ID.test(id)) throw new WorktreeOperationError('invalid', `Not a keep to undo: ${id}`);
  const repository = await requireRepository(service, repoPath);
  const commonDir = repository.commonDir;
  return service.mutate(commonDir, async () => {
    const { record, commit, entries } = await readUndoRecord(service, commonDir, id).catch(async (error: unknown) => {
      if (error instanceof WorktreeOperationError) throw error;
      // An Undo button of a keep undone since (its notification stays on screen): say so plainly.
      if (await undoneAlready(service, commonDir, id)) {
        throw new WorktreeOperationError('invalid', 'That keep was undone already.', { cause: error });
      }
      throw new WorktreeOperationError('invalid', `No such keep to undo (${failureReason(error)}).`, { cause: error });
    });
    await requireTarget(service, record, commonDir, repository);
    const agent = await agentOf(record, commonDir, options.force === true);
    // The paths as they are now, read once: checked against the record, then what a failure puts
    // back. Read while git reads the saved bytes (another process: the two overlap).
    const [before, paths, index] = await Promise.all([
      readBeforeEntries(service, commonDir, record, entries),
      snapshotPaths(record.target, record.paths),
      snapshotIndex(service, record.target, record.paths),
    ]);
    const current = { paths, index };
    await refuseChangedSince(service, record, entries, current);
    const refs = refMoves(record, commit, agent);
    let refsMoved = false;
    try {
      const restorePlan = { root: record.target, entries: before, missingFolders: record.missingFolders };
      await restoreState(service, record.target, restorePlan, entries.indexBefore, current);
      // The refs move while git refreshes the index's stat cache (neither waits for the other).
      const [refreshed, moved] = await Promise.allSettled([
        refreshIndex(service, record.target),
        refTransaction(service, commonDir, refs.forward),
      ]);
      refsMoved = moved.status === 'fulfilled';
      for (const outcome of [refreshed, moved]) if (outcome.status === 'rejected') throw outcome.reason;
      if (agent) await writeAgentMetadata(agent.gitDir, keptFieldsBack(agent.metadata, record));
    } catch (error) {
      const problems: string[] = [];
      if (refsMoved) {
        await refTransaction(service, commonDir, refs.back).catch((failure: unknown) =>
          problems.push(`the keep's refs: ${failureReason(failure)}`),
        );
      }
      problems.push(...(await putBack(service, record.target, current.paths, current.index)));
      const left = problems.length > 0 ? ` and ${record.target} could not be fully put back: ${problems.join('; ')}` : '';
      throw new WorktreeOperationError('failed', `Nothing was undone: ${failureReason(error)}${left}.`, { cause: error });
    }
    return { target: record.target, restored: record.paths, keptUpTo: agent ? record.keptBefore.keptUpTo : undefined };
  });
}

async function commonDirOf(service: GitService, repoPath: string): Promise<string> {
  return (await requireRepository(service, repoPath)).commonDir;
}

/** The target must still be a worktree of this repository (`known`: its discovery, when the caller has it). */
async function requireTarget(
  service: GitService,
  record: KeepRecord,
  commonDir: string,
  known: Awaited<ReturnType<typeof requireRepository>>,
): Promise<void> {
  const found =
    known.kind === 'worktree' && samePath(known.topLevel, record.target) ? known : await service.discover(record.target);
  if (found.kind !== 'worktree' || found.commonDir !== commonDir) {
    throw new WorktreeOperationError(
      'blocked',
      `Nothing was undone: ${record.target}, where the keep wrote, is no worktree of this repository any more.`,
    );
  }
}

/**
 * The agent worktree's metadata when it is still there. Its latest keep must be this one (an
 * earlier keep cannot move the kept-up-to record back past a later one). When it is gone, the
 * target held the last copy of the work: only with `force`.
 */
async function agentOf(
  record: KeepRecord,
  commonDir: string,
  force: boolean,
): Promise<{ gitDir: string; metadata: AgentMetadata } | undefined> {
  const gitDir = path.join(commonDir, 'worktrees', record.agentId);
  const metadata = existsSync(path.join(gitDir, METADATA_FILE)) ? await readAgentMetadata(gitDir) : undefined;
  // Its folder counts, not only its admin dir: a folder deleted by hand leaves the admin dir behind.
  const folderThere = existsSync(path.join(record.agentWorktree, '.git'));
  if (!metadata || !folderThere) {
    if (!force) {
      throw new WorktreeOperationError(
        'needs-confirmation',
        `The agent worktree ${record.agentWorktree} ${metadata ? 'has no folder any more' : 'was removed'}, so ${record.target} holds the last copy of this keep's work. Undo anyway? (It stays recoverable: ${UNDONE_REF_PREFIX}…)`,
      );
    }
    // Its bookkeeping still moves back when it is there and this was its latest keep.
    return metadata?.keptUpTo === record.keptUpToAfter ? { gitDir, metadata } : undefined;
  }
  if (metadata.keptUpTo !== record.keptUpToAfter) {
    throw new WorktreeOperationError(
      'blocked',
      `Nothing was undone: a later keep from ${record.agentWorktree} came after this one. Undo that one first.`,
    );
  }
  return { gitDir, metadata };
}

/** Every path must still be exactly as the keep left it (bytes, exec bit, link, index entry). */
async function refuseChangedSince(
  service: GitService,
  record: KeepRecord,
  states: Pick<RecordEntries, 'after' | 'indexAfter'>,
  current: { paths: PathSnapshot; index: IndexSnapshot },
): Promise<void> {
  const format = await objectFormat(service, record.target);
  const changed = record.paths.filter(
    (relative) =>
      !sameIndexEntry(current.index, states.indexAfter, relative) ||
      !asRecorded(current.paths.entries.get(relative), states.after.get(relative), format),
  );
  if (changed.length > 0) {
    throw new WorktreeOperationError(
      'blocked',
      `Nothing was undone: ${changed.length === 1 ? 'this file was' : 'these files were'} changed after the keep: ${changed.join(', ')}.`,
    );
  }
}

/** Whether a path is as the record's tree entry says: absent, or the same blob id and exec bit or link. */
function asRecorded(now: PathEntry | undefined, recorded: TreeEntry | undefined, format: 'sha1' | 'sha256'): boolean {
  if (!now || now.kind === 'absent' || !recorded) return (!now || now.kind === 'absent') && !recorded;
  if (now.kind === 'link') return recorded.mode === '120000' && blobId(Buffer.from(now.target), format) === recorded.oid;
  const mode = now.mode & 0o111 ? '100755' : '100644';
  return recorded.mode === mode && blobId(now.bytes, format) === recorded.oid;
}

async function restoreState(
  service: GitService,
  target: string,
  paths: Parameters<typeof restorePaths>[0],
  index: IndexSnapshot,
  current?: { paths: PathSnapshot; index: IndexSnapshot },
): Promise<void> {
  const { problems } = await restorePaths(paths, current?.paths);
  if (problems.length > 0) throw new Error(problems.join('; '));
  // A keep that left the index alone (unstaged, the default) has nothing to put back there.
  if (!current || !sameEntries(index, current.index)) await restoreIndex(service, target, index);
}

/** Rewritten files have new times: the index's stat cache is refreshed, or git would re-hash them later. */
async function refreshIndex(service: GitService, target: string): Promise<void> {
  await service.runner.run(['update-index', '-q', '--refresh'], { cwd: target, acceptExitCodes: [0, 1] });
}

function sameEntries(a: IndexSnapshot, b: IndexSnapshot): boolean {
  return a.paths.every((relative) => sameIndexEntry(a, b, relative));
}

/** Whether a path has the same index entry (or none) in both. */
function sameIndexEntry(a: IndexSnapshot, b: IndexSnapshot, relative: string): boolean {
  const [left, right] = [a.entries.get(relative), b.entries.get(relative)];
  return left?.mode === right?.mode && left?.oid === right?.oid;
}

/** After a failure: the paths and index entries as they were when the undo started. */
async function putBack(
  service: GitService,
  target: string,
  paths: Parameters<typeof restorePaths>[0],
  index: IndexSnapshot,
): Promise<string[]> {
  return restoreState(service, target, paths, index).then(
    () => refreshIndex(service, target).then(() => []),
    (error: unknown) => [failureReason(error)],
  );
}

/** The agent's metadata with its keep bookkeeping as it was before the keep. */
function keptFieldsBack(metadata: AgentMetadata, record: KeepRecord): AgentMetadata {
  const { keptUpTo: _up, keptInto: _into, keptAtHead: _head, keptAt: _at, ...rest } = metadata;
  return { ...rest, ...withoutUndefined(record.keptBefore) };
}

type RefLine = readonly [verb: 'update' | 'create' | 'delete', ref: string, ...values: string[]];

/**
 * The refs an undo moves, in one transaction, and the transaction that moves them back: the
 * record goes to the undone refs (what an undo took out stays recoverable), and the agent's
 * kept-up-to ref goes back to where it was before the keep.
 */
function refMoves(
  record: KeepRecord,
  commit: string,
  agent: { gitDir: string } | undefined,
): { forward: RefLine[]; back: RefLine[] } {
  const undone = `${UNDONE_REF_PREFIX}${record.ref.slice(KEEPS_REF_PREFIX.length)}`;
  const forward: RefLine[] = [
    ['update', undone, commit, ''],
    ['delete', record.ref, commit],
  ];
  const back: RefLine[] = [
    ['delete', undone, commit],
    ['create', record.ref, commit],
  ];
  if (agent) {
    const kept = keptRefName(agent.gitDir);
    const before = record.keptBefore.keptUpTo;
    forward.push(before ? ['update', kept, before, record.keptUpToAfter] : ['delete', kept, record.keptUpToAfter]);
    back.push(before ? ['update', kept, record.keptUpToAfter, before] : ['create', kept, record.keptUpToAfter]);
  }
  return { forward, back };
}

/** One `update-ref --stdin -z` transaction: every line or none. */
async function refTransaction(service: GitService, cwd: string, lines: readonly RefLine[]): Promise<void> {
  const input = lines.map(([verb, ref, ...values]) => `${verb} ${ref}\0${values.map((value) => `${value}\0`).join('')}`).join('');
  await service.runner.run(['update-ref', '--stdin', '-z'], { cwd, input: Buffer.from(input) });
}

/** Whether the keep `id` names was undone (its record moved to the undone refs). */
async function undoneAlready(service: GitService, commonDir: string, id: string): Promise<boolean> {
  const moved = `${UNDONE_REF_PREFIX}${id.slice(KEEPS_REF_PREFIX.length)}`;
  const found = await service.runner.run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${moved}^{commit}`], {
    cwd: commonDir,
    readOnly: true,
    acceptExitCodes: [0, 1],
  });
  return found.exitCode === 0;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
