import { chmodSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { inChunks, listTreeEntries, readBlobs, type TreeEntry, writeBlobs, writeTree } from '../git';
import type { ChangedFile } from './agentChanges';
import { BOOKKEEPING_IDENTITY } from './keepRecord';
import type { GitService } from './service';

// Keeping into a target whose own uncommitted edits touch the same files: per file, a three-way
// merge of base (the file where the agent's delta starts), ours (the target's working-tree bytes,
// the user's edits included) and theirs (the kept version). Everything here reads; the caller
// writes the results inside its all-or-nothing block.

/** A file the merge cannot take, and why (said to the user, who may keep the rest without it). */
export interface Unmergeable {
  readonly path: string;
  readonly reason: string;
}

/** One merged file, ready to be written over the target's copy. */
export interface MergedFile {
  readonly path: string;
  readonly bytes: Buffer;
  /** The file's mode after the keep (the agent's exec-bit change, when the user made none). */
  readonly mode: number;
  /** Conflict blocks, as line ranges of the merged file (markers included); empty when clean. */
  readonly conflictLines: readonly (readonly [number, number])[];
}

const LABELS = ['-L', 'yours', '-L', 'base', '-L', 'agent'];

/**
 * Why a dirty path cannot be merged, or undefined when it can: the merge takes regular text files
 * the agent modified or added in place, which the user still has as a file.
 */
export async function whyNotMergeable(
  target: string,
  relative: string,
  file: ChangedFile | undefined,
  conflictedInTarget: ReadonlySet<string>,
): Promise<string | undefined> {
  if (!file || (file.path !== relative && file.oldPath !== relative)) return 'the agent replaced a folder there';
  if (conflictedInTarget.has(relative)) return 'it has unresolved conflicts in your checkout';
  if (file.binary) return 'it is a binary file';
  if (file.status === 'deleted') return 'the agent deleted it and you changed it';
  if (file.status === 'renamed' || file.status === 'copied') return `the agent ${file.status} it and you changed it`;
  if (file.status === 'type-changed' || !file.newMode.startsWith('100')) return 'the agent made it a link or a submodule';
  const found = await lstat(path.join(target, relative)).catch(() => undefined);
  if (!found) return 'you deleted or renamed it';
  if (!found.isFile()) return 'it is not a regular file in your checkout';
  return undefined;
}

/**
 * Chosen files the agent writes where the target has a folder the keep would not empty: one with
 * files that were not there at the agent's base (the user's branch added them, or they are
 * untracked or ignored). git cannot write the file there, and must not try. Files of the folder
 * that were at the base go with it (the patch deletes them); the user's edits to those are found
 * as uncommitted work like any other.
 */
export async function foldersInTheWay(
  service: GitService,
  changes: { readonly worktreePath: string; readonly from: string },
  target: string,
  selected: readonly ChangedFile[],
): Promise<Unmergeable[]> {
  // Only paths that were no file at the base (added, renamed or copied to) are looked at, all at
  // once: a keep of thousands of modified files costs nothing here. (A file the user's branch
  // turned into a folder since is left to git, which refuses it; the keep then puts all back.)
  const isNew = (file: ChangedFile) => file.status === 'added' || file.status === 'renamed' || file.status === 'copied';
  const atFolders = await Promise.all(
    selected.map(async (file) =>
      isNew(file) && (await lstat(path.join(target, file.path)).catch(() => undefined))?.isDirectory() ? file : undefined,
    ),
  );
  const found: Unmergeable[] = [];
  for (const file of atFolders) {
    if (!file) continue;
    const inside = (await readdir(path.join(target, file.path), { recursive: true, withFileTypes: true }))
      .filter((entry) => !entry.isDirectory())
      .map((entry) => path.relative(target, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
    const atBase = await listTreeEntries(service, changes.worktreePath, changes.from, inside);
    if (inside.some((relative) => !atBase.has(relative))) found.push({ path: file.path, reason: 'you have a folder there' });
  }
  return found;
}

/**
 * Merges each path: base from `from` (absent for a file the agent added: an empty base), theirs
 * from `keptTree`. Returns the merged files, and those git could not merge (with its reason).
 */
export async function mergeDirtyFiles(
  service: GitService,
  cwd: string,
  target: string,
  paths: readonly string[],
  revisions: { readonly from: string; readonly keptTree: string },
  scratchRoot: string,
): Promise<{ merged: MergedFile[]; unmergeable: Unmergeable[] }> {
  const [originals, kept] = await Promise.all([
    listTreeEntries(service, cwd, revisions.from, paths),
    listTreeEntries(service, cwd, revisions.keptTree, paths),
  ]);
  const yours = new Map<string, Buffer>();
  await inChunks(paths, (relative) => yours.set(relative, readFileSync(path.join(target, relative))));
  const trees: MergeTrees = { originals, kept, yours };
  const scratch = await mkdtemp(path.join(scratchRoot, 'merge-'));
  const merged: MergedFile[] = [];
  const unmergeable: Unmergeable[] = [];
  try {
    const cleanly = await mergeInOneProcess(service, cwd, scratch, paths, trees);
    // Only the files git merge-tree did not merge cleanly need their base and agent bytes here.
    const again = paths.filter((relative) => !cleanly?.has(relative));
    const blobs = await readBlobs(
      service,
      cwd,
      again.flatMap((relative) => [originals.get(relative)?.oid, kept.get(relative)?.oid].filter((oid) => oid !== undefined)),
    );
    for (const [index, relative] of paths.entries()) {
      const mode = mergedMode(
        lstatSync(path.join(target, relative)).mode & 0o777,
        originals.get(relative)?.mode,
        kept.get(relative)?.mode,
      );
      const bytes = cleanly?.get(relative);
      if (bytes) {
        merged.push({ path: relative, bytes, mode, conflictLines: [] });
        continue;
      }
      const result = await mergeOneFile(service, cwd, path.join(scratch, String(index)), relative, { ...trees, blobs });
      if ('reason' in result) unmergeable.push({ path: relative, reason: result.reason });
      else merged.push({ path: relative, mode, ...result });
    }
    return { merged, unmergeable };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const bytesOf = (entry: TreeEntry | undefined, blobs: ReadonlyMap<string, Buffer>) =>
  entry ? (blobs.get(entry.oid) as Buffer) : Buffer.alloc(0);

/**
 * git's own merge (ort, what `git merge` does, merge attributes included) of every path in one
 * process, instead of one `git merge-file` per path (~7 ms each through the runner: 1.4 s for 200
 * files). Used for one file too, so every keep merges the same way. Three trees
 * holding only these paths (base, yours, agent; every file as 100644: modes are merged apart), two
 * commits on a common parent, one `git merge-tree --write-tree`. Returns the merged bytes of the
 * paths that merged cleanly; conflicted ones are merged again one by one (`git merge-file`, for
 * markers labelled yours / agent). Undefined when this git has no `merge-tree --write-tree` (< 2.38).
 */
async function mergeInOneProcess(
  service: GitService,
  cwd: string,
  scratch: string,
  paths: readonly string[],
  sides: MergeTrees,
): Promise<Map<string, Buffer> | undefined> {
  const [yoursCommit, agentCommit] = await sideCommits(service, cwd, scratch, paths, sides);
  // Exit 1: conflicts (listed after the tree). 129: a git before 2.38 (usage of the old merge-tree).
  const result = await service.runner.run(
    ['merge-tree', '--write-tree', '--name-only', '-z', '--no-messages', yoursCommit, agentCommit],
    { cwd, acceptExitCodes: [0, 1, 129] },
  );
  if (result.exitCode === 129) return undefined;
  const [tree = '', ...conflicted] = result.stdout.split('\0').filter(Boolean);
  const conflicts = new Set(conflicted);
  const clean = paths.filter((relative) => !conflicts.has(relative));
  const mergedEntries = await listTreeEntries(service, cwd, tree, clean);
  const mergedBlobs = await readBlobs(
    service,
    cwd,
    [...mergedEntries.values()].map((entry) => entry.oid),
  );
  return new Map(clean.map((relative) => [relative, bytesOf(mergedEntries.get(relative), mergedBlobs)]));
}

/** The three sides of each file: base and agent as tree entries, yours as the bytes in the target. */
interface MergeTrees {
  readonly originals: ReadonlyMap<string, TreeEntry>;
  readonly kept: ReadonlyMap<string, TreeEntry>;
  readonly yours: ReadonlyMap<string, Buffer>;
}

/** "yours" and "agent" as two commits on one "base" commit, each tree holding only these paths. */
async function sideCommits(
  service: GitService,
  cwd: string,
  scratch: string,
  paths: readonly string[],
  sides: MergeTrees,
): Promise<[string, string]> {
  const yours = await writeBlobs(
    service,
    cwd,
    scratch,
    paths.map((relative) => sides.yours.get(relative) as Buffer),
  );
  const treeOf = (name: string, oidOf: (relative: string, index: number) => string | undefined) =>
    writeTree(
      service,
      cwd,
      path.join(scratch, `${name}-index`),
      paths.flatMap((relative, index) => {
        const oid = oidOf(relative, index);
        return oid ? [{ path: relative, mode: '100644', oid }] : [];
      }),
    );
  const [baseTree, yoursTree, agentTree] = await Promise.all([
    treeOf('base', (relative) => sides.originals.get(relative)?.oid),
    treeOf('yours', (_, index) => yours[index]),
    treeOf('agent', (relative) => sides.kept.get(relative)?.oid),
  ]);
  const commit = async (tree: string, parent?: string) =>
    (
      await service.runner.run(['commit-tree', ...(parent ? ['-p', parent] : []), '-m', 'merge side', '--end-of-options', tree], {
        cwd,
        env: BOOKKEEPING_IDENTITY,
      })
    ).stdout.trim();
  const base = await commit(baseTree);
  return Promise.all([commit(yoursTree, base), commit(agentTree, base)]);
}

/** One file through `git merge-file` (markers labelled yours / base / agent); a reason when git refuses. */
async function mergeOneFile(
  service: GitService,
  cwd: string,
  scratchPrefix: string,
  relative: string,
  sides: MergeTrees & { readonly blobs: ReadonlyMap<string, Buffer> },
): Promise<{ bytes: Buffer; conflictLines: Array<[number, number]> } | { reason: string }> {
  const [yours = '', base = '', agent = ''] = ['yours', 'base', 'agent'].map((side) => `${scratchPrefix}.${side}`);
  writeFileSync(yours, sides.yours.get(relative) as Buffer);
  writeFileSync(base, bytesOf(sides.originals.get(relative), sides.blobs));
  writeFileSync(agent, bytesOf(sides.kept.get(relative), sides.blobs));
  // Exit code: the number of conflicts (at most 127), or 255 when git refuses (binary content).
  const result = await service.runner.run(['merge-file', '-p', ...LABELS, '--', yours, base, agent], {
    cwd,
    readOnly: true,
    acceptExitCodes: [...Array.from({ length: 128 }, (_, count) => count), 255],
  });
  const conflictLines = result.exitCode > 0 && result.exitCode < 128 ? conflictBlocks(result.stdoutBytes) : [];
  if (result.exitCode > 0 && conflictLines.length === 0) return { reason: result.stderr.trim() || 'git could not merge it' };
  return { bytes: result.stdoutBytes, conflictLines };
}

/** Writes a merged file over the target's copy (same inode kept; mode set as merged). */
export function writeMerged(target: string, file: MergedFile): void {
  const destination = path.join(target, file.path);
  writeFileSync(destination, file.bytes);
  chmodSync(destination, file.mode);
}

/** Where each conflict block sits in the merged text: [first line, last line], 1-based. */
export function conflictBlocks(merged: Buffer): Array<[number, number]> {
  const blocks: Array<[number, number]> = [];
  let start: number | undefined;
  merged
    .toString('latin1')
    .split('\n')
    .forEach((line, index) => {
      if (line.startsWith('<<<<<<< yours')) start = index + 1;
      else if (line.startsWith('>>>>>>> agent') && start !== undefined) {
        blocks.push([start, index + 1]);
        start = undefined;
      }
    });
  return blocks;
}

/** The agent's exec-bit change applies when the user left the mode as it was; else the user's stays. */
function mergedMode(ours: number, base: string | undefined, theirs: string | undefined): number {
  const executable = (mode: string | undefined) => mode === '100755';
  const oursExecutable = (ours & 0o111) !== 0;
  if (theirs === undefined || base === theirs || oursExecutable !== executable(base)) return ours;
  return executable(theirs) ? ours | 0o111 : ours & ~0o111;
}
