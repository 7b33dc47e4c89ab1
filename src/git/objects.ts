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
  const listed = await client.runner.run(['ls-tree', '-z', '--full-tree', '--end-of-options', revision, ...paths], {
    cwd,
    readOnly: true,
  });
  return parseTreeEntries(listed.stdout);
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

/** The bytes of these blobs, read in one `cat-file --batch`. A missing object is an error. */
export async function readBlobs(client: GitClient, cwd: string, oids: readonly string[]): Promise<Map<string, Buffer>> {
  const blobs = new Map<string, Buffer>();
  const wanted = [...new Set(oids)];
  if (wanted.length === 0) return blobs;
  const result = await client.runner.run(['cat-file', '--batch'], {
    cwd,
    readOnly: true,
    input: Buffer.from(`${wanted.join('\n')}\n`),
  });
  // `<oid> <type> <size>\n<bytes>\n` per object, in the order asked; `<oid> missing\n` when absent.
  const output = result.stdoutBytes;
  let offset = 0;
  for (const oid of wanted) {
    const headerEnd = output.indexOf(0x0a, offset);
    const header = output.subarray(offset, headerEnd).toString('latin1').split(' ');
    if (headerEnd < 0 || header[0] !== oid || header[1] !== 'blob') {
      throw new Error(`git cat-file could not read blob ${oid} (${header.slice(1).join(' ') || 'no output'})`);
    }
    const size = Number(header[2]);
    blobs.set(oid, output.subarray(headerEnd + 1, headerEnd + 1 + size));
    offset = headerEnd + 1 + size + 1;
  }
  return blobs;
}
