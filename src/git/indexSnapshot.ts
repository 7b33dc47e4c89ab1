import type { GitClient } from './gitClient';
import { narrowByPaths, objectFormat } from './objects';

/**
 * The index entries (mode and object id) some paths of a worktree have now; absent paths have none.
 * Entries under a path are kept too: a path that is a folder in the index (its files) can become a
 * file, which drops them from the index, and they must come back with it.
 */
export interface IndexSnapshot {
  readonly paths: readonly string[];
  readonly entries: ReadonlyMap<string, { readonly mode: string; readonly oid: string }>;
}

/**
 * Reads the index entries of `paths`. A keep restores them exactly on failure: they are not always
 * HEAD's (a kept file the user staged, or a keep into a target whose copy is the last keep's).
 */
export async function snapshotIndex(service: GitClient, cwd: string, paths: readonly string[]): Promise<IndexSnapshot> {
  const entries = new Map<string, { mode: string; oid: string }>();
  if (paths.length === 0) return { paths, entries };
  const narrowed = narrowByPaths(paths);
  const wanted = new Set(paths);
  const pathspecs = narrowed.pathspecs ? ['--', ...narrowed.pathspecs] : [];
  const listed = await service.runner.run(['ls-files', '-s', '-z', ...pathspecs], { cwd, readOnly: true });
  for (const record of listed.stdout.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [mode = '', oid = '', stage = ''] = record.slice(0, tab).split(' ');
    const relative = record.slice(tab + 1);
    // Conflicted paths never reach a keep (the overlap guard refuses them): stage 0 is all there is.
    if (stage === '0' && (narrowed.wanted(relative) || underOneOf(wanted, relative))) entries.set(relative, { mode, oid });
  }
  return { paths, entries };
}

/** Whether a folder of `relative` (`a/b` for `a/b/c.txt`) is one of `paths`. */
function underOneOf(paths: ReadonlySet<string>, relative: string): boolean {
  for (let slash = relative.lastIndexOf('/'); slash > 0; slash = relative.lastIndexOf('/', slash - 1)) {
    if (paths.has(relative.slice(0, slash))) return true;
  }
  return false;
}

/**
 * Puts the entries back exactly: paths that had none are dropped, the others (and the entries that
 * were under them) get theirs again; drops first, so a file dropped makes room for the folder's
 * entries it had replaced. One `update-index --index-info` on stdin (mode 0 drops a path), however
 * many paths: as arguments, thousands of them were slow and could pass the system's limit on a
 * command line.
 */
export async function restoreIndex(client: GitClient, cwd: string, snapshot: IndexSnapshot): Promise<void> {
  if (snapshot.paths.length === 0) return;
  const zero = '0'.repeat((await objectFormat(client, cwd)) === 'sha256' ? 64 : 40);
  const drops = snapshot.paths
    .filter((relative) => !snapshot.entries.has(relative))
    .map((relative) => `0 ${zero}\t${relative}\0`);
  const puts = [...snapshot.entries].map(([relative, entry]) => `${entry.mode} ${entry.oid}\t${relative}\0`);
  const records = [...drops, ...puts];
  await client.runner.run(['update-index', '-z', '--index-info'], { cwd, input: Buffer.from(records.join('')) });
}
