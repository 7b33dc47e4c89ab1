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
  const missingFolders = new Set<string>();
  for (const relative of paths) {
    entries.set(relative, await readPathEntry(path.join(root, relative)));
    for (let folder = path.dirname(relative); folder !== '.' && folder !== '/'; folder = path.dirname(folder)) {
      if (missingFolders.has(folder)) continue;
      const found = await lstat(path.join(root, folder)).catch(() => undefined);
      if (!found?.isDirectory()) missingFolders.add(folder);
    }
  }
  return { root, entries, missingFolders: [...missingFolders] };
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
  // Deepest first: a file the failed write put inside a new folder goes before that folder.
  const byDepth = [...snapshot.entries].sort(([a], [b]) => b.split('/').length - a.split('/').length);
  for (const [relative, was] of byDepth.filter(([, entry]) => entry.kind === 'absent')) {
    await put(relative, was);
  }
  const folders = [...snapshot.missingFolders].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const folder of folders) {
    // Only an empty folder goes: anything else in it is not ours to remove.
    await rmdir(path.join(snapshot.root, folder)).catch(() => undefined);
  }
  for (const [relative, was] of byDepth.filter(([, entry]) => entry.kind !== 'absent').reverse()) {
    await put(relative, was);
  }
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
