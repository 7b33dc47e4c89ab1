import { chmod, lstat, mkdir, readFile, readlink, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

/** One path as it is on disk: absent, a file (bytes and mode bits) or a symbolic link. */
export type PathEntry =
  | { readonly kind: 'absent' }
  | { readonly kind: 'file'; readonly bytes: Buffer; readonly mode: number }
  | { readonly kind: 'link'; readonly target: string };

/** The exact bytes of some paths of a worktree, and which of their parent folders existed. */
export interface PathSnapshot {
  readonly root: string;
  readonly entries: ReadonlyMap<string, PathEntry>;
  readonly missingFolders: readonly string[];
}

/**
 * Reads `paths` (relative to `root`) as they are now. `git apply` checks a whole patch before
 * writing, but a write can still fail half-way (a new file under what is a file here, a read-only
 * folder): the snapshot lets the caller put every path back as it was.
 */
export async function snapshotPaths(root: string, paths: readonly string[]): Promise<PathSnapshot> {
  const entries = new Map<string, PathEntry>();
  const folders = new Map<string, Promise<boolean>>();
  const isFolder = (folder: string) => {
    let known = folders.get(folder);
    if (!known) {
      known = lstat(path.join(root, folder)).then(
        (found) => found.isDirectory(),
        () => false,
      );
      folders.set(folder, known);
    }
    return known;
  };
  const missingFolders = new Set<string>();
  // Many paths at once (a keep writes thousands): one at a time, each await is a thread-pool trip.
  await inParallel(paths, async (relative) => {
    entries.set(relative, await readPathEntry(path.join(root, relative)));
    for (let folder = path.dirname(relative); folder !== '.' && folder !== '/'; folder = path.dirname(folder)) {
      if (!(await isFolder(folder))) missingFolders.add(folder);
    }
  });
  return {
    root,
    entries: new Map(paths.map((relative) => [relative, entries.get(relative) as PathEntry])),
    missingFolders: [...missingFolders],
  };
}

const PARALLEL_FILES = 32;

/** Runs `each` over the items, at most PARALLEL_FILES at a time; rejects with the first failure. */
export async function inParallel<T>(items: readonly T[], each: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await each(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_FILES, items.length) }, worker));
}

/**
 * Puts every snapshotted path back: files and links rewritten where they differ, paths that were
 * absent removed, folders that did not exist removed when empty. Returns what could not be restored.
 */
export async function restorePaths(snapshot: PathSnapshot): Promise<{ problems: string[]; rewritten: number }> {
  const problems: string[] = [];
  let rewritten = 0;
  const put = (relative: string, was: PathEntry) =>
    restoreEntry(path.join(snapshot.root, relative), was).then(
      (changed) => {
        if (changed) rewritten++;
      },
      (error: Error) => problems.push(`${relative}: ${error.message}`),
    );
  // Files and links first (any order: none is inside another), then the folders that did not
  // exist, deepest first (only when empty), then what was there, each after its folders exist.
  const absent = [...snapshot.entries].filter(([, entry]) => entry.kind === 'absent');
  await inParallel(absent, ([relative, was]) => put(relative, was));
  const folders = [...snapshot.missingFolders].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const folder of folders) {
    // Only an empty folder goes: anything else in it is not ours to remove.
    await rmdir(path.join(snapshot.root, folder)).catch(() => undefined);
  }
  const present = [...snapshot.entries].filter(([, entry]) => entry.kind !== 'absent');
  await inParallel(present, ([relative, was]) => put(relative, was));
  return { problems, rewritten };
}

/** A path as it is now (a folder counts as absent: only files and links are snapshotted). */
export async function readPathEntry(file: string): Promise<PathEntry> {
  const found = await lstat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
  if (!found) return { kind: 'absent' };
  if (found.isSymbolicLink()) return { kind: 'link', target: await readlink(file) };
  if (found.isFile()) return { kind: 'file', bytes: await readFile(file), mode: found.mode & 0o777 };
  // A folder where the patch names a file: git apply refuses that before writing anything.
  return { kind: 'absent' };
}

/** Puts one path back; true when it had to be changed. */
async function restoreEntry(file: string, was: PathEntry): Promise<boolean> {
  const now = await readPathEntry(file);
  if (sameEntry(now, was)) return false;
  if (now.kind !== 'absent') await rm(file);
  if (was.kind === 'absent') return true;
  await mkdir(path.dirname(file), { recursive: true });
  if (was.kind === 'link') {
    await symlink(was.target, file);
  } else {
    await writeFile(file, was.bytes);
    await chmod(file, was.mode);
  }
  return true;
}

function sameEntry(a: PathEntry, b: PathEntry): boolean {
  if (a.kind === 'absent' || b.kind === 'absent') return a.kind === b.kind;
  if (a.kind === 'link' || b.kind === 'link') return a.kind === 'link' && b.kind === 'link' && a.target === b.target;
  return a.mode === b.mode && a.bytes.equals(b.bytes);
}
