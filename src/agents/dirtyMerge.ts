import { chmod, lstat, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { listTreeEntries, readBlobs, type TreeEntry } from '../git';
import type { ChangedFile } from './agentChanges';
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
  const blobs = await readBlobs(
    service,
    cwd,
    [...originals.values(), ...kept.values()].map((entry) => entry.oid),
  );
  const bytesOf = (entry: TreeEntry | undefined) => (entry ? (blobs.get(entry.oid) as Buffer) : Buffer.alloc(0));
  const scratch = await mkdtemp(path.join(scratchRoot, 'merge-'));
  const merged: MergedFile[] = [];
  const unmergeable: Unmergeable[] = [];
  try {
    for (const [index, relative] of paths.entries()) {
      const [yours = '', base = '', agent = ''] = ['yours', 'base', 'agent'].map((side) =>
        path.join(scratch, `${index}.${side}`),
      );
      const ours = await lstat(path.join(target, relative));
      await Promise.all([
        writeFile(yours, await readFile(path.join(target, relative))),
        writeFile(base, bytesOf(originals.get(relative))),
        writeFile(agent, bytesOf(kept.get(relative))),
      ]);
      // Exit code: the number of conflicts (at most 127), or 255 when git refuses (binary content).
      const result = await service.runner.run(['merge-file', '-p', ...LABELS, '--', yours, base, agent], {
        cwd,
        readOnly: true,
        acceptExitCodes: [...Array.from({ length: 128 }, (_, count) => count), 255],
      });
      const conflictLines = result.exitCode > 0 && result.exitCode < 128 ? conflictBlocks(result.stdoutBytes) : [];
      if (result.exitCode > 0 && conflictLines.length === 0) {
        unmergeable.push({ path: relative, reason: result.stderr.trim() || 'git could not merge it' });
        continue;
      }
      const mode = mergedMode(ours.mode & 0o777, originals.get(relative)?.mode, kept.get(relative)?.mode);
      merged.push({ path: relative, bytes: result.stdoutBytes, mode, conflictLines });
    }
    return { merged, unmergeable };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Writes a merged file over the target's copy (same inode kept; mode set as merged). */
export async function writeMerged(target: string, file: MergedFile): Promise<void> {
  const destination = path.join(target, file.path);
  await writeFile(destination, file.bytes);
  await chmod(destination, file.mode);
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
