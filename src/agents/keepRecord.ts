import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  blobId,
  type IndexSnapshot,
  objectFormat,
  type PathEntry,
  type PathSnapshot,
  readBlobs,
  readBlobsNamed,
  readObjectsNamed,
  type TreeEntry,
  writeBlobs,
  writeTree,
} from '../git';
import type { AgentMetadata } from './agentMetadata';
import { BUNDLE_FILE, type BundleSlices, bundleFiles, fromBundle } from './beforeBundle';
import { WorktreeOperationError } from './operationErrors';
import { ownValue } from './ownValue';
import type { GitService } from './service';

// What Undo Keep needs, kept in git so it survives a reload: for every path a keep touched, its
// exact bytes (or absence) and index entry before and after the keep, and the agent's kept-up-to
// bookkeeping before it. One commit per keep, on no branch, under refs/agent-worktrees/keeps/.

export const KEEPS_REF_PREFIX = 'refs/agent-worktrees/keeps/';
export const UNDONE_REF_PREFIX = 'refs/agent-worktrees/undone/';

/** The agent's keep bookkeeping a keep changed (restored by Undo). */
export type KeptFields = Pick<AgentMetadata, 'keptUpTo' | 'keptInto' | 'keptAtHead' | 'keptAt'>;

/** One keep as recorded: what Undo restores and checks. */
export interface KeepRecord {
  readonly ref: string;
  readonly target: string;
  readonly agentWorktree: string;
  /** The agent worktree's admin dir name (its kept-up-to ref is named after it). */
  readonly agentId: string;
  readonly task: string | undefined;
  readonly at: string;
  /** Paths written, in the target (relative). */
  readonly paths: readonly string[];
  /** Parent folders that did not exist before the keep (removed again when empty). */
  readonly missingFolders: readonly string[];
  /** The exact mode bits of the files before the keep (git trees keep only the exec bit). */
  readonly beforeModes: Readonly<Record<string, number>>;
  /** The agent's bookkeeping before this keep, and the kept-up-to commit it set. */
  readonly keptBefore: KeptFields;
  readonly keptUpToAfter: string;
}

type RecordJson = Omit<KeepRecord, 'ref'> & { readonly version: 1 | 2 };

/** The touched paths of the target and their index entries, before and after the keep wrote them. */
export interface KeepStates {
  readonly before: PathSnapshot;
  readonly indexBefore: IndexSnapshot;
  readonly after: PathSnapshot;
  readonly indexAfter: IndexSnapshot;
  /** Blob ids known to be stored (the kept tree's): the record does not ask git about them. */
  readonly stored?: ReadonlySet<string>;
}

/** The identity of bookkeeping commits: works where the user has none configured. */
export const BOOKKEEPING_IDENTITY = {
  GIT_AUTHOR_NAME: 'Agent Worktrees',
  GIT_AUTHOR_EMAIL: 'agent-worktrees@localhost',
  GIT_COMMITTER_NAME: 'Agent Worktrees',
  GIT_COMMITTER_EMAIL: 'agent-worktrees@localhost',
};

/** The ref of a new record: per target (so "the last N per target" is one listing), newest last. */
export function newRecordRef(target: { gitDir: string; commonDir: string }, now: Date): string {
  return `${KEEPS_REF_PREFIX}${targetKey(target)}/${now.getTime().toString().padStart(15, '0')}-${process.pid}`;
}

/** A ref-safe name for a target worktree: `main` for the main one, else its admin dir's name. */
export function targetKey(target: { gitDir: string; commonDir: string }): string {
  if (path.resolve(target.gitDir) === path.resolve(target.commonDir)) return 'main';
  return path.basename(target.gitDir).replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Writes the record's objects (blobs, trees, a commit on no branch) and returns the commit. No ref
 * is written here: the caller points one at it inside its all-or-nothing bookkeeping.
 */
export async function writeKeepRecord(
  service: GitService,
  cwd: string,
  record: Omit<KeepRecord, 'ref' | 'paths' | 'missingFolders' | 'beforeModes'>,
  states: KeepStates,
): Promise<string> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'agent-worktrees-record-'));
  try {
    const json: RecordJson = {
      version: 2,
      ...record,
      paths: states.indexBefore.paths,
      missingFolders: states.before.missingFolders,
      beforeModes: Object.fromEntries(
        [...states.before.entries].flatMap(([relative, entry]) => (entry.kind === 'file' ? [[relative, entry.mode]] : [])),
      ),
    };
    const format = await objectFormat(service, cwd);
    const sides = [...treeFiles('before', states.before), ...treeFiles('after', states.after)].map((file) => ({
      ...file,
      oid: blobId(file.bytes, format),
    }));
    const bundle = bundleFiles(
      sides.flatMap((file) =>
        file.name.startsWith('before/') ? [[file.name.slice('before/'.length), file.bytes] as const] : [],
      ),
    );
    const ids: RecordIds = { ...recordIds(json.paths, sides, states), bundled: bundle.slices };
    const files = [
      { name: 'record.json', mode: '100644', bytes: Buffer.from(`${JSON.stringify(json, null, 2)}\n`) },
      { name: 'states.json', mode: '100644', bytes: Buffer.from(`${JSON.stringify(ids)}\n`) },
      { name: BUNDLE_FILE, mode: '100644', bytes: bundle.bytes },
    ].map((file) => ({ ...file, oid: blobId(file.bytes, format) }));
    // Index entries name blobs the repository has (for clean files, the before side's bytes).
    const indexOids = [...states.indexBefore.entries.values(), ...states.indexAfter.entries.values()].map((entry) => entry.oid);
    const stored = new Set([...(states.stored ?? []), ...indexOids]);
    const tree = await writeRecordTree(service, cwd, scratch, [...files, ...sides], {
      stored,
      reachable: indexOnlyEntries(states, new Set(sides.map((file) => file.oid)), format),
    });
    const message = `Agent Worktrees: keep of ${json.paths.length} path${json.paths.length === 1 ? '' : 's'} into ${record.target}`;
    const commit = await service.runner.run(['commit-tree', '-m', message, '--end-of-options', tree], {
      cwd,
      env: BOOKKEEPING_IDENTITY,
    });
    return commit.stdout.trim();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The records of one target (or of all), newest first; undone ones with `undone`. */
export async function listKeepRecords(
  service: GitService,
  cwd: string,
  prefix: string = KEEPS_REF_PREFIX,
): Promise<KeepRecord[]> {
  const listed = await service.runner.run(['for-each-ref', '--format=%(refname)%00%(objectname)', '--end-of-options', prefix], {
    cwd,
    readOnly: true,
  });
  const refs = listed.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\0') as [string, string]);
  // Every record.json in one cat-file (by `<commit>:record.json`), not two processes per record.
  const blobs = await readBlobsNamed(
    service,
    cwd,
    refs.map(([, commit]) => `${commit}:record.json`),
  );
  const records = refs.map(([ref, commit]) => parseRecord(ref, blobs.get(`${commit}:record.json`)?.bytes));
  // Newest first across targets (a ref name sorts by time only within its target).
  return records.sort((a, b) => b.at.localeCompare(a.at) || b.ref.localeCompare(a.ref));
}

function parseRecord(ref: string, bytes: Buffer | undefined): KeepRecord {
  if (!bytes) throw new Error(`${ref} is not a keep record`);
  const { version, ...json } = JSON.parse(bytes.toString('utf8')) as RecordJson;
  if ((version !== 1 && version !== 2) || !Array.isArray(json.paths))
    throw new Error(`${ref} is a keep record of an unknown format`);
  return { ref, ...json };
}

/** A record's entries before and after its keep: tree entries of the paths, and their index entries. */
export interface RecordEntries {
  readonly before: ReadonlyMap<string, TreeEntry | undefined>;
  readonly after: ReadonlyMap<string, TreeEntry | undefined>;
  readonly indexBefore: IndexSnapshot;
  readonly indexAfter: IndexSnapshot;
  /** The before side's small files in one blob, and where each is. */
  readonly bundle: { readonly bytes: Buffer | undefined; readonly slices: BundleSlices | undefined };
}

/**
 * A record as Undo needs it, in one `cat-file`: the commit its ref points at, the record, and its
 * entries (states.json: a record of version 1, from before it, has none and is refused).
 */
export async function readUndoRecord(
  service: GitService,
  cwd: string,
  ref: string,
): Promise<{ record: KeepRecord; commit: string; entries: RecordEntries }> {
  const names = [ref, `${ref}:record.json`, `${ref}:states.json`, `${ref}:${BUNDLE_FILE}`] as const;
  const found = await readObjectsNamed(service, cwd, names);
  const commit = found.get(ref);
  if (commit?.type !== 'commit') throw new Error(`${ref} is not a keep record`);
  const record = parseRecord(ref, found.get(names[1])?.bytes);
  const states = found.get(names[2]);
  if (!states) {
    throw new WorktreeOperationError(
      'blocked',
      `This keep was recorded by an earlier development version of Agent Worktrees and cannot be undone by this one. What it saved stays under ${ref}.`,
    );
  }
  const ids = JSON.parse(states.bytes.toString('utf8')) as RecordIds;
  const bundle = { bytes: found.get(names[3])?.bytes, slices: ids.bundled };
  return { record, commit: commit.oid, entries: { ...parseIds(record, ids), bundle } };
}

function parseIds(record: KeepRecord, ids: RecordIds): Omit<RecordEntries, 'bundle'> {
  const entry = (value: string | undefined): TreeEntry | undefined => {
    if (value === undefined) return undefined;
    const [mode = '', oid = ''] = value.split(' ');
    return { mode, oid };
  };
  const side = (map: Record<string, string>) =>
    new Map(record.paths.map((relative) => [relative, entry(ownValue(map, relative))]));
  const index = (map: Record<string, string>): IndexSnapshot => ({
    paths: record.paths,
    entries: new Map(
      record.paths.flatMap((relative) => {
        const found = entry(ownValue(map, relative));
        return found ? [[relative, found]] : [];
      }),
    ),
  });
  return {
    before: side(ids.before),
    after: side(ids.after),
    indexBefore: index(ids.indexBefore),
    indexAfter: index(ids.indexAfter),
  };
}

/**
 * The paths as they were before the keep: the before side's bytes (out of the bundle; larger files
 * as their own blobs), with their exact mode bits.
 */
export async function readBeforeEntries(
  service: GitService,
  cwd: string,
  record: KeepRecord,
  entries: RecordEntries,
): Promise<Map<string, PathEntry>> {
  const format = await objectFormat(service, cwd);
  const bytesOf = new Map<string, Buffer>();
  const unbundled: string[] = [];
  for (const relative of record.paths) {
    const entry = entries.before.get(relative);
    if (!entry) continue;
    const bytes = fromBundle(entries.bundle.bytes, entries.bundle.slices, relative, entry.oid, format);
    if (bytes) bytesOf.set(relative, bytes);
    else unbundled.push(relative);
  }
  const blobs = await readBlobs(
    service,
    cwd,
    unbundled.map((relative) => entries.before.get(relative)?.oid as string),
  );
  for (const relative of unbundled) bytesOf.set(relative, blobs.get(entries.before.get(relative)?.oid as string) as Buffer);
  return new Map(
    record.paths.map((relative) => {
      const entry = pathEntry(entries.before.get(relative), bytesOf.get(relative));
      const mode = entry.kind === 'file' ? ownValue(record.beforeModes, relative) : undefined;
      return [relative, typeof mode !== 'number' || entry.kind !== 'file' ? entry : { ...entry, mode }];
    }),
  );
}

function pathEntry(entry: TreeEntry | undefined, bytes: Buffer | undefined): PathEntry {
  if (!entry) return { kind: 'absent' };
  if (!bytes) throw new Error(`the saved bytes of blob ${entry.oid} were not read`);
  if (entry.mode === '120000') return { kind: 'link', target: bytes.toString('utf8') };
  return { kind: 'file', bytes, mode: entry.mode === '100755' ? 0o755 : 0o644 };
}

/** A snapshot's files as tree entries under `side/`; the exec bit only (git keeps no other mode bits). */
function treeFiles(side: string, snapshot: PathSnapshot): Array<{ name: string; mode: string; bytes: Buffer }> {
  return [...snapshot.entries].flatMap(([relative, entry]) => {
    if (entry.kind === 'absent') return [];
    if (entry.kind === 'link') return [{ name: `${side}/${relative}`, mode: '120000', bytes: Buffer.from(entry.target) }];
    return [{ name: `${side}/${relative}`, mode: entry.mode & 0o111 ? '100755' : '100644', bytes: entry.bytes }];
  });
}

/**
 * Blobs for every file (only those the repository lacks are written), then a tree of them and of
 * `reachable` (entries that only keep objects from garbage collection).
 */
async function writeRecordTree(
  service: GitService,
  cwd: string,
  scratch: string,
  files: ReadonlyArray<{ name: string; mode: string; bytes: Buffer; oid: string }>,
  extra: { stored: ReadonlySet<string>; reachable: ReadonlyArray<{ path: string; mode: string; oid: string }> },
): Promise<string> {
  await writeBlobs(
    service,
    cwd,
    scratch,
    files.map((file) => file.bytes),
    { stored: extra.stored, ids: files.map((file) => file.oid) },
  );
  const entries = files.map((file) => ({ path: file.name, mode: file.mode, oid: file.oid }));
  return writeTree(service, cwd, path.join(scratch, 'index'), [...entries, ...extra.reachable]);
}

/**
 * What Undo reads instead of listing the record's trees (one file, read with record.json): for
 * each path, its tree entry (`<mode> <oid>`) before and after the keep, and its index entry.
 */
interface RecordIds {
  readonly before: Record<string, string>;
  readonly after: Record<string, string>;
  readonly indexBefore: Record<string, string>;
  readonly indexAfter: Record<string, string>;
  /** Where the before side's small files are in before.bundle. */
  readonly bundled?: BundleSlices;
}

function recordIds(
  paths: readonly string[],
  sides: ReadonlyArray<{ name: string; mode: string; oid: string }>,
  states: KeepStates,
): Omit<RecordIds, 'bundled'> {
  const side = (prefix: string) =>
    Object.fromEntries(
      sides
        .filter((file) => file.name.startsWith(prefix))
        .map((file) => [file.name.slice(prefix.length), `${file.mode} ${file.oid}`]),
    );
  const index = (snapshot: IndexSnapshot) =>
    Object.fromEntries(
      paths.flatMap((relative) => {
        const entry = snapshot.entries.get(relative);
        return entry ? [[relative, `${entry.mode} ${entry.oid}`]] : [];
      }),
    );
  return {
    before: side('before/'),
    after: side('after/'),
    indexBefore: index(states.indexBefore),
    indexAfter: index(states.indexAfter),
  };
}

/**
 * Tree entries that keep the index's blobs alive as long as the record (a staged version the keep
 * replaced may be referenced by nothing else, and gc would prune it). Those the sides hold already,
 * submodule commits and the empty blob (git knows it without storing it) are left out.
 */
function indexOnlyEntries(states: KeepStates, held: ReadonlySet<string>, format: 'sha1' | 'sha256') {
  const empty = blobId(Buffer.alloc(0), format);
  const oids = new Set(
    [...states.indexBefore.entries.values(), ...states.indexAfter.entries.values()]
      .filter((entry) => entry.mode !== '160000' && !held.has(entry.oid) && entry.oid !== empty)
      .map((entry) => entry.oid),
  );
  return [...oids].map((oid) => ({ path: `index-objects/${oid}`, mode: '100644', oid }));
}
