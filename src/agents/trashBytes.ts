// The trash keeps bytes, not what git's filters make of them: `git add` runs clean filters and
// line-ending conversion (an nbstripout-style filter drops a notebook's outputs; core.autocrlf turns
// CRLF into LF), and `git checkout-index` runs the other way. Where either may apply, the changed
// files are saved and written back raw.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inChunks, type PathEntry, readBlobs, restorePaths, writeBlobs, writeTree } from '../git';
import type { GitService } from './service';

/** A file (not a link, not a gitlink) that differs between two trees: its path, mode and blob. */
interface ChangedBlob {
  readonly path: string;
  readonly mode: string;
  readonly oid: string;
}

const CONVERTING_ATTRIBUTES = ['text', 'eol', 'filter', 'ident', 'working-tree-encoding'];

/** The regular files added or changed from `from` (a tree-ish; the empty tree when none) to `files`. */
export async function changedFiles(
  service: GitService,
  cwd: string,
  from: string | undefined,
  files: string,
): Promise<ChangedBlob[]> {
  const base = from ?? (await emptyTree(service, cwd));
  const listed = await service.runner.run(
    ['diff-tree', '-r', '-z', '--no-renames', '--diff-filter=AMT', '--end-of-options', base, files],
    {
      cwd,
      readOnly: true,
    },
  );
  const fields = listed.stdout.split('\0');
  const changed: ChangedBlob[] = [];
  for (let at = 0; at + 1 < fields.length; at += 2) {
    const [, mode = '', , oid = ''] = (fields[at] as string).slice(1).split(' ');
    if (mode === '100644' || mode === '100755') changed.push({ path: fields[at + 1] as string, mode, oid });
  }
  return changed;
}

async function emptyTree(service: GitService, cwd: string): Promise<string> {
  return (
    await service.runner.run(['hash-object', '-t', 'tree', '--stdin'], { cwd, readOnly: true, input: Buffer.alloc(0) })
  ).stdout.trim();
}

/** Which of `paths` git may convert in `cwd`: all with core.autocrlf on, else those an attribute names. */
export async function convertedPaths(service: GitService, cwd: string, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0 || paths.some((relative) => relative.includes('\0'))) return new Set();
  const [autocrlf, attributes] = await Promise.all([
    service.runner.run(['config', '--get', 'core.autocrlf'], { cwd, readOnly: true, acceptExitCodes: [0, 1] }),
    service.runner.run(['check-attr', '-z', '--stdin', ...CONVERTING_ATTRIBUTES], {
      cwd,
      readOnly: true,
      input: Buffer.from(`${paths.join('\0')}\0`),
    }),
  ]);
  if (/^(true|input)$/i.test(autocrlf.stdout.trim())) return new Set(paths);
  const converted = new Set<string>();
  const fields = attributes.stdout.split('\0');
  for (let at = 0; at + 2 < fields.length; at += 3) {
    const [relative = '', attribute, value] = [fields[at], fields[at + 1], fields[at + 2]];
    if (value === 'unspecified' || (attribute === 'text' && value === 'unset')) continue;
    converted.add(relative);
  }
  return converted;
}

/**
 * The files tree with the bytes of every changed file git may convert stored as they are on disk
 * (`files` itself when there is none): the trash then holds what the user had, not a cleaned copy.
 */
export async function withRawBytes(service: GitService, cwd: string, head: string | undefined, files: string): Promise<string> {
  const changed = await changedFiles(service, cwd, head, files);
  const converted = await convertedPaths(
    service,
    cwd,
    changed.map((file) => file.path),
  );
  if (converted.size === 0) return files;
  const raw = changed.filter((file) => converted.has(file.path));
  const scratch = await mkdtemp(path.join(tmpdir(), 'agent-worktrees-raw-'));
  try {
    const contents: Buffer[] = [];
    await inChunks(raw, (file) => contents.push(readFileSync(path.join(cwd, file.path))));
    const ids = await writeBlobs(service, cwd, scratch, contents);
    const index = path.join(scratch, 'index');
    await service.runner.run(['read-tree', '--end-of-options', files], { cwd, env: { GIT_INDEX_FILE: index } });
    return await writeTree(
      service,
      cwd,
      index,
      raw.map((file, at) => ({ path: file.path, mode: file.mode, oid: ids[at] as string })),
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** After git wrote the restored files: those git may have converted get their saved bytes back. */
export async function writeRawBytes(service: GitService, target: string, head: string | undefined, files: string): Promise<void> {
  const changed = await changedFiles(service, target, head, files);
  const converted = await convertedPaths(
    service,
    target,
    changed.map((file) => file.path),
  );
  const raw = changed.filter((file) => converted.has(file.path));
  if (raw.length === 0) return;
  const blobs = await readBlobs(
    service,
    target,
    raw.map((file) => file.oid),
  );
  const entries = new Map<string, PathEntry>(
    raw.map((file) => [
      file.path,
      { kind: 'file', bytes: blobs.get(file.oid) as Buffer, mode: file.mode === '100755' ? 0o755 : 0o644 },
    ]),
  );
  const { problems } = await restorePaths({ root: target, entries, missingFolders: [] });
  if (problems.length > 0) throw new Error(`could not write ${problems.join('; ')}`);
}
