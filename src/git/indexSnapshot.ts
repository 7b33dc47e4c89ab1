import type { GitClient } from './gitClient';

/** The index entries (mode and object id) some paths of a worktree have now; absent paths have none. */
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
  // Many paths: the whole index, filtered here (git matches each entry against every pathspec).
  const many = paths.length > 64;
  const listed = await service.runner.run(['ls-files', '-s', '-z', ...(many ? [] : ['--', ...paths])], { cwd, readOnly: true });
  const wanted = many ? new Set(paths) : undefined;
  for (const record of listed.stdout.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [mode = '', oid = '', stage = ''] = record.slice(0, tab).split(' ');
    const relative = record.slice(tab + 1);
    // Conflicted paths never reach a keep (the overlap guard refuses them): stage 0 is all there is.
    if (stage === '0' && (!wanted || wanted.has(relative))) entries.set(relative, { mode, oid });
  }
  return { paths, entries };
}

/** Puts the entries back exactly: paths that had none are dropped, the others get theirs again. */
export async function restoreIndex(service: GitClient, cwd: string, snapshot: IndexSnapshot): Promise<void> {
  const git = (args: string[]) => service.runner.run(args, { cwd });
  const absent = snapshot.paths.filter((relative) => !snapshot.entries.has(relative));
  if (absent.length > 0) await git(['update-index', '--force-remove', '--', ...absent]);
  // `--cacheinfo <mode>,<oid>,<path>`: the path is everything after the second comma.
  const cacheinfo = [...snapshot.entries].flatMap(([relative, { mode, oid }]) => ['--cacheinfo', `${mode},${oid},${relative}`]);
  if (cacheinfo.length > 0) await git(['update-index', '--add', ...cacheinfo]);
}
