import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  type IndexSnapshot,
  listTreeEntries,
  type PathEntry,
  type PathSnapshot,
  readBlobs,
  readBlobsNamed,
  type TreeEntry,
  writeBlobs,
  writeTree,
} from '../git';
import type { AgentMetadata } from './agentMetadata';
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

type RecordJson = Omit<KeepRecord, 'ref'> & { readonly version: 1 };

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
      version: 1,
      ...record,
      paths: states.indexBefore.paths,
      missingFolders: states.before.missingFolders,
      beforeModes: Object.fromEntries(
        [...states.before.entries].flatMap(([relative, entry]) => (entry.kind === 'file' ? [[relative, entry.mode]] : [])),
      ),
    };
    const files: Array<{ name: string; mode: string; bytes: Buffer }> = [
      { name: 'record.json', mode: '100644', bytes: Buffer.from(`${JSON.stringify(json, null, 2)}\n`) },
      { name: 'index-before', mode: '100644', bytes: encodeIndex(states.indexBefore) },
      { name: 'index-after', mode: '100644', bytes: encodeIndex(states.indexAfter) },
      ...treeFiles('before', states.before),
      ...treeFiles('after', states.after),
    ];
    // Index entries name blobs the repository has (for clean files, the before side's bytes).
    const stored = new Set([
      ...(states.stored ?? []),
      ...[...states.indexBefore.entries.values(), ...states.indexAfter.entries.values()].map((entry) => entry.oid),
    ]);
    const tree = await writeRecordTree(service, cwd, scratch, files, stored);
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

/** The record behind a ref (its record.json). */
export async function readKeepRecord(service: GitService, cwd: string, ref: string): Promise<KeepRecord> {
  const name = `${ref}:record.json`;
  return parseRecord(ref, (await readBlobsNamed(service, cwd, [name])).get(name)?.bytes);
}

function parseRecord(ref: string, bytes: Buffer | undefined): KeepRecord {
  if (!bytes) throw new Error(`${ref} is not a keep record`);
  const { version, ...json } = JSON.parse(bytes.toString('utf8')) as RecordJson;
  if (version !== 1 || !Array.isArray(json.paths)) throw new Error(`${ref} is a keep record of an unknown format`);
  return { ref, ...json };
}

/**
 * The before and after states of a record: the before side's bytes (what Undo writes back), the
 * after side as tree entries only (Undo compares ids: its bytes need not be read), index entries
 * from its lists.
 */
export async function readRecordStates(
  service: GitService,
  cwd: string,
  record: KeepRecord,
): Promise<{
  before: Map<string, PathEntry>;
  after: Map<string, TreeEntry | undefined>;
  indexBefore: IndexSnapshot;
  indexAfter: IndexSnapshot;
}> {
  const names = [
    'index-before',
    'index-after',
    ...record.paths.flatMap((relative) => [`before/${relative}`, `after/${relative}`]),
  ];
  const entries = await listTreeEntries(service, cwd, record.ref, names);
  const wanted = ['index-before', 'index-after', ...record.paths.map((relative) => `before/${relative}`)];
  const blobs = await readBlobs(
    service,
    cwd,
    wanted.flatMap((name) => entries.get(name)?.oid ?? []),
  );
  const before = new Map(record.paths.map((relative) => [relative, pathEntry(entries.get(`before/${relative}`), blobs)]));
  const after = new Map(record.paths.map((relative) => [relative, entries.get(`after/${relative}`)]));
  const index = (name: string): IndexSnapshot => ({
    paths: record.paths,
    entries: decodeIndex(blobs.get(entries.get(name)?.oid ?? '') ?? Buffer.alloc(0)),
  });
  return { before, after, indexBefore: index('index-before'), indexAfter: index('index-after') };
}

function pathEntry(entry: TreeEntry | undefined, blobs: ReadonlyMap<string, Buffer>): PathEntry {
  if (!entry) return { kind: 'absent' };
  const bytes = blobs.get(entry.oid) as Buffer;
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

/** Blobs for every file (only those the repository lacks are written), then a tree of them. */
async function writeRecordTree(
  service: GitService,
  cwd: string,
  scratch: string,
  files: ReadonlyArray<{ name: string; mode: string; bytes: Buffer }>,
  stored: ReadonlySet<string>,
): Promise<string> {
  const oids = await writeBlobs(
    service,
    cwd,
    scratch,
    files.map((file) => file.bytes),
    stored,
  );
  const entries = files.map((file, index) => ({ path: file.name, mode: file.mode, oid: oids[index] as string }));
  return writeTree(service, cwd, path.join(scratch, 'index'), entries);
}

/** Index entries as `<mode> <oid> <path>\0` records (paths may hold any byte but NUL). */
function encodeIndex(snapshot: IndexSnapshot): Buffer {
  return Buffer.from([...snapshot.entries].map(([relative, { mode, oid }]) => `${mode} ${oid} ${relative}\0`).join(''));
}

function decodeIndex(bytes: Buffer): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>();
  for (const record of bytes.toString('utf8').split('\0')) {
    const [mode, oid, ...rest] = record.split(' ');
    if (mode && oid && rest.length > 0) entries.set(rest.join(' '), { mode, oid });
  }
  return entries;
}
