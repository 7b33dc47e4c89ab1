import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type BatchAnswer, BatchAnswerParser } from './catFileBatch';
import type { GitClient } from './gitClient';

/** One path's entry in a tree or index: mode and object id. */
export interface TreeEntry {
  readonly mode: string;
  readonly oid: string;
}

/** The entries of `paths` in `revision`'s tree (one `ls-tree`); a path absent there has none. */
export async function listTreeEntries(
  client: GitClient,
  cwd: string,
  revision: string,
  paths: readonly string[],
): Promise<Map<string, TreeEntry>> {
  if (paths.length === 0) return new Map();
  const narrowed = narrowByPaths(paths);
  const listed = await client.runner.run(
    [
      'ls-tree',
      '-z',
      '--full-tree',
      ...(narrowed.pathspecs ? [] : ['-r']),
      '--end-of-options',
      revision,
      ...(narrowed.pathspecs ?? []),
    ],
    { cwd, readOnly: true },
  );
  return new Map([...parseTreeEntries(listed.stdout)].filter(([relative]) => narrowed.wanted(relative)));
}

/**
 * How a listing is narrowed to `paths`: by git (the paths as arguments) when there are few, by us
 * (the whole listing, filtered) when there are many — git matches each entry against every path
 * given, which over thousands of paths is where its time goes.
 */
export function narrowByPaths(paths: readonly string[]): {
  readonly pathspecs: readonly string[] | undefined;
  readonly wanted: (relative: string) => boolean;
} {
  if (paths.length <= 64) return { pathspecs: paths, wanted: () => true };
  const wanted = new Set(paths);
  return { pathspecs: undefined, wanted: (relative) => wanted.has(relative) };
}

/** `ls-tree -z`: `<mode> <type> <oid>\t<path>` records. */
export function parseTreeEntries(output: string): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>();
  for (const record of output.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [mode = '', , oid = ''] = record.slice(0, tab).split(' ');
    entries.set(record.slice(tab + 1), { mode, oid });
  }
  return entries;
}

/** The bytes of these blobs (one `cat-file --batch`); a missing or non-blob id is an error. */
export async function readBlobs(client: GitClient, cwd: string, oids: readonly string[]): Promise<Map<string, Buffer>> {
  const found = await readBlobsNamed(client, cwd, oids);
  for (const [oid, blob] of found) {
    if (!blob || blob.oid !== oid) throw new Error(`git cat-file could not read blob ${oid}`);
  }
  return new Map([...found].map(([oid, blob]) => [oid, (blob as { bytes: Buffer }).bytes]));
}

/**
 * Blobs by any object name (`<commit>:<path>` too; names hold no newline), one `cat-file --batch`:
 * each with its id, or undefined when there is no such blob.
 */
export async function readBlobsNamed(
  client: GitClient,
  cwd: string,
  names: readonly string[],
): Promise<Map<string, { readonly oid: string; readonly bytes: Buffer } | undefined>> {
  const objects = await readObjectsNamed(client, cwd, names);
  return new Map([...objects].map(([name, found]) => [name, found?.type === 'blob' ? found : undefined]));
}

/** Objects of any type by name, one `cat-file --batch`: each with its id and type, or undefined when there is none. */
export async function readObjectsNamed(
  client: GitClient,
  cwd: string,
  names: readonly string[],
): Promise<Map<string, BatchAnswer | undefined>> {
  const objects = new Map<string, BatchAnswer | undefined>();
  const wanted = [...new Set(names)];
  if (wanted.length === 0) return objects;
  if (wanted.some((name) => name.includes('\n'))) throw new Error('an object name holds a newline');
  const result = await client.runner.run(['cat-file', '--batch'], {
    cwd,
    readOnly: true,
    input: Buffer.from(`${wanted.join('\n')}\n`),
  });
  const parser = new BatchAnswerParser(wanted, (name, answer) => objects.set(name, answer));
  parser.push(result.stdoutBytes);
  parser.end();
  return objects;
}

const formats = new Map<string, 'sha1' | 'sha256'>();

/** The repository's object id hash (`sha1`, or `sha256` in a SHA-256 repository); asked once per folder. */
export async function objectFormat(client: GitClient, cwd: string): Promise<'sha1' | 'sha256'> {
  const known = formats.get(cwd);
  if (known) return known;
  const format = (await client.runner.run(['rev-parse', '--show-object-format'], { cwd, readOnly: true })).stdout.trim();
  if (format !== 'sha1' && format !== 'sha256') throw new Error(`unknown object format "${format}"`);
  formats.set(cwd, format);
  return format;
}

/** The id git gives these bytes as a blob (no filters): the hash of `blob <size>\0<bytes>`. */
export function blobId(bytes: Buffer, format: 'sha1' | 'sha256'): string {
  return createHash(format).update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/**
 * Stores these byte strings as blobs and returns their ids, in order. Ids are computed here; only
 * blobs the repository does not have yet are written (one `cat-file --batch-check`, one
 * `hash-object -w --stdin-paths` over scratch files), so recording what is mostly there already
 * (a file's version in the index, a kept file's version in the agent's tree) costs two processes.
 * `stored`: ids the caller knows the repository has (index entries): not asked about again.
 * `ids`: the contents' ids when the caller computed them already (`blobId`), in the same order.
 */
export async function writeBlobs(
  client: GitClient,
  cwd: string,
  scratch: string,
  contents: readonly Buffer[],
  known: { readonly stored?: ReadonlySet<string>; readonly ids?: readonly string[] } = {},
): Promise<string[]> {
  const stored = known.stored ?? new Set<string>();
  const format = await objectFormat(client, cwd);
  const ids = known.ids ? [...known.ids] : contents.map((bytes) => blobId(bytes, format));
  if (ids.length !== contents.length) throw new Error('writeBlobs: one id per content');
  const unique = [...new Set(ids)].filter((id) => !stored.has(id));
  if (unique.length === 0) return ids;
  const checked = await client.runner.run(['cat-file', '--batch-check=%(objectname) %(objecttype)'], {
    cwd,
    readOnly: true,
    input: Buffer.from(`${unique.join('\n')}\n`),
  });
  const present = new Set(
    checked.stdout
      .split('\n')
      .filter((line) => line.endsWith(' blob'))
      .map((line) => line.split(' ')[0]),
  );
  const missing = unique.filter((id) => !present.has(id));
  if (missing.length > 0) {
    // Scratch names, not real paths: --stdin-paths takes one path per line.
    const files = missing.map((_, index) => path.join(scratch, `blob-${index}`));
    await Promise.all(missing.map((id, index) => writeFile(files[index] as string, contents[ids.indexOf(id)] as Buffer)));
    const written = await client.runner.run(['hash-object', '-w', '--no-filters', '--stdin-paths'], {
      cwd,
      input: Buffer.from(`${files.join('\n')}\n`),
    });
    const got = written.stdout.split('\n').filter(Boolean);
    if (got.join('\n') !== missing.join('\n')) throw new Error('git stored different blobs than were computed');
  }
  return ids;
}

/**
 * A tree holding exactly these entries (paths with folders; blobs must be stored), built in a
 * scratch index (`indexFile`, which must not exist yet) so the worktree's own index is never touched.
 */
export async function writeTree(
  client: GitClient,
  cwd: string,
  indexFile: string,
  entries: ReadonlyArray<{ readonly path: string; readonly mode: string; readonly oid: string }>,
): Promise<string> {
  const env = { GIT_INDEX_FILE: indexFile };
  const info = entries.map((entry) => `${entry.mode} ${entry.oid}\t${entry.path}\0`).join('');
  await client.runner.run(['update-index', '-z', '--add', '--index-info'], { cwd, env, input: Buffer.from(info) });
  return (await client.runner.run(['write-tree'], { cwd, env })).stdout.trim();
}
