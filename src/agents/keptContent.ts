import { lstat } from 'node:fs/promises';
import * as path from 'node:path';
import { parseTreeEntries, snapshotIndex, type TreeEntry } from '../git';
import type { GitService } from './service';

type Entry = TreeEntry;

/**
 * Which of `paths` in the target hold exactly what an earlier Keep put there (the kept-up-to
 * tree's version), not the user's own work. After an uncommitted keep, the target's copy of a kept
 * file is "uncommitted", yet it is the extension's own content, and the agent's next delta applies
 * to it cleanly. A path counts only when its working-tree bytes and executable bit equal the kept
 * version's (or both are absent), and its index entry is HEAD's or the kept one (nothing the user
 * staged of their own). Symlinks and anything unusual are left to the overlap guard.
 */
export async function pathsHoldingKeptContent(
  service: GitService,
  target: string,
  keptUpTo: string,
  paths: readonly string[],
): Promise<Set<string>> {
  const own = new Set<string>();
  if (paths.length === 0) return own;
  const git = (args: string[]) => service.runner.run(args, { cwd: target, readOnly: true });
  // The index's stage-0 entries (a conflicted path has none, so it is never the keep's own).
  const [kept, head, { entries: index }] = await Promise.all([
    git(['ls-tree', '-z', '--full-tree', '--end-of-options', keptUpTo, ...paths]).then((r) => parseTreeEntries(r.stdout)),
    git(['ls-tree', '-z', '--full-tree', '--end-of-options', 'HEAD', ...paths]).then((r) => parseTreeEntries(r.stdout)),
    snapshotIndex(service, target, paths),
  ]);
  const present: string[] = [];
  for (const relative of paths) {
    const found = await lstat(path.join(target, relative)).catch(() => undefined);
    const keptEntry = kept.get(relative);
    if (!sameEntry(index.get(relative), head.get(relative)) && !sameEntry(index.get(relative), keptEntry)) continue;
    if (!found) {
      if (!keptEntry) own.add(relative); // deleted by the keep, still deleted
      continue;
    }
    if (!found.isFile() || !keptEntry?.mode.startsWith('100')) continue;
    const executable = (found.mode & 0o111) !== 0;
    if (executable === (keptEntry.mode === '100755')) present.push(relative);
  }
  if (present.length > 0) {
    // The blob `git add` would make of each file (filters applied), compared with the kept blob.
    const hashes = (await git(['hash-object', '--', ...present])).stdout.split('\n');
    present.forEach((relative, i) => {
      if (hashes[i] === kept.get(relative)?.oid) own.add(relative);
    });
  }
  return own;
}

function sameEntry(a: Entry | undefined, b: Entry | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.mode === b.mode && a.oid === b.oid;
}
