import { open, readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Facts about worktrees that git keeps in plain files, read without spawning git
 * (a refresh may spawn only `worktree list` + one `status` per worktree).
 */

/** Maps each linked worktree's path to its admin dir `<common>/worktrees/<id>` via the `gitdir` files. */
export async function readLinkedWorktreeAdminDirs(commonDir: string): Promise<Map<string, string>> {
  const adminRoot = path.join(commonDir, 'worktrees');
  const byPath = new Map<string, string>();
  let ids: string[];
  try {
    ids = await readdir(adminRoot);
  } catch (error) {
    if (isNotFound(error)) return byPath; // no linked worktree was ever added
    throw error;
  }
  await Promise.all(
    ids.map(async (id) => {
      const adminDir = path.join(adminRoot, id);
      try {
        // `gitdir` holds the absolute path of the worktree's `.git` file.
        const dotGit = (await readFile(path.join(adminDir, 'gitdir'), 'utf8')).replace(/\r?\n$/, '');
        byPath.set(path.dirname(path.resolve(adminDir, dotGit)), adminDir);
      } catch (error) {
        if (!isNotFound(error)) throw error; // a half-created entry has no gitdir yet
      }
    }),
  );
  return byPath;
}

export async function directoryExists(folder: string): Promise<boolean> {
  try {
    return (await stat(folder)).isDirectory();
  } catch (error) {
    if (isNotFound(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}

const REFLOG_TAIL_BYTES = 4096;

/**
 * When HEAD last moved in a worktree (commit, checkout, reset, merge), from the last line of its
 * `logs/HEAD`. For a commit made in the worktree this is the commit time. undefined without a reflog.
 */
export async function readHeadMovedAt(gitDir: string): Promise<number | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path.join(gitDir, 'logs', 'HEAD'), 'r');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, REFLOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return parseLastReflogTime(buffer.toString('utf8'));
  } finally {
    await handle.close();
  }
}

/** A reflog line is `<old> <new> <name> <<email>> <unix-seconds> <tz>\t<message>`. */
export function parseLastReflogTime(text: string): number | undefined {
  const lines = text.split('\n').filter((line) => line.length > 0);
  const last = lines[lines.length - 1];
  if (!last) return undefined;
  const identity = last.split('\t', 1)[0] ?? '';
  const match = /> (\d+) [+-]\d{4}$/.exec(identity);
  return match ? Number(match[1]) * 1000 : undefined;
}

/** Newest mtime among changed files (deleted ones have none); undefined when none can be read. */
export async function newestModification(root: string, relativePaths: readonly string[]): Promise<number | undefined> {
  let newest: number | undefined;
  await Promise.all(
    relativePaths.map(async (relative) => {
      try {
        const { mtimeMs } = await stat(path.join(root, relative));
        if (newest === undefined || mtimeMs > newest) newest = mtimeMs;
      } catch {
        // deleted or raced away since status ran: it has no modification time to offer
      }
    }),
  );
  return newest === undefined ? undefined : Math.round(newest);
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
