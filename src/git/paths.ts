import { lstat, realpath } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * The one place file-system paths are compared. `===` on paths is wrong twice over: `/a/b/` and
 * `/a/b` are one folder, and on macOS and Windows (case-insensitive by default) so are `/A/b` and
 * `/a/b`. Hand-rolled `relative.startsWith('..')` is wrong too: a folder named `..foo` is inside.
 */
const CASE_INSENSITIVE = process.platform === 'win32' || process.platform === 'darwin';

/** A path in the form used for comparing: resolved, no trailing separator, case-folded where the OS folds case. */
export function comparablePath(target: string, caseInsensitive = CASE_INSENSITIVE): string {
  const resolved = path.resolve(target);
  return caseInsensitive ? resolved.toLowerCase() : resolved;
}

export function samePath(a: string, b: string, caseInsensitive = CASE_INSENSITIVE): boolean {
  return comparablePath(a, caseInsensitive) === comparablePath(b, caseInsensitive);
}

/**
 * The path of `file` relative to `folder` when it is inside (or is) it, else undefined.
 * `<folder>/..foo` is inside; `<folder>/../foo` and `<folder>foo` are not.
 */
export function relativeInside(folder: string, file: string, caseInsensitive = CASE_INSENSITIVE): string | undefined {
  const from = comparablePath(folder, caseInsensitive);
  const to = comparablePath(file, caseInsensitive);
  const relative = path.relative(from, to);
  if (relative === '') return '';
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return undefined;
  // Case-folded for the test; the answer keeps the file's own spelling where lengths allow.
  const original = path.resolve(file);
  return original.length === to.length ? original.slice(original.length - relative.length) : relative;
}

/** `folder` is `other` or contains it. */
export function isInsideOrSame(folder: string, other: string, caseInsensitive = CASE_INSENSITIVE): boolean {
  return relativeInside(folder, other, caseInsensitive) !== undefined;
}

/**
 * A path with its symlinks resolved (git lists real paths; a window may have opened a link). A
 * part that does not exist (yet) is kept as written below its nearest existing folder.
 */
export async function realOrResolved(target: string): Promise<string> {
  const resolved = path.resolve(target);
  const real = await realpath(resolved).catch(() => undefined);
  if (real !== undefined) return real;
  const parent = path.dirname(resolved);
  return parent === resolved ? resolved : path.join(await realOrResolved(parent), path.basename(resolved));
}

/** Whether anything (a file, folder or dangling symlink) is at this path; other errors are thrown. */
export async function pathExists(target: string): Promise<boolean> {
  try {
    await lstat(target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
