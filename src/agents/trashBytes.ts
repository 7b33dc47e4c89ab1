// The trash keeps bytes, not what git's filters make of them: `git add` runs clean filters and
// line-ending conversion (an nbstripout-style filter drops a notebook's outputs; core.autocrlf turns
// CRLF into LF), and `git checkout-index` runs the other way. Where git may convert anything (a
// filter or autocrlf configured, or an attributes file that applies), each changed file's bytes on
// disk are hashed and compared with the blob git stored: where they differ, the bytes themselves
// are saved, and written back raw on restore.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { blobId, inChunks, objectFormat, type PathEntry, readBlobs, restorePaths, writeBlobs, writeTree } from '../git';
import { WorktreeOperationError } from './operationErrors';
import type { GitService } from './service';

/** A file (not a link, not a gitlink) that differs between two trees: its path, mode and blob. */
interface ChangedBlob {
  readonly path: string;
  readonly mode: string;
  readonly oid: string;
}

/** The settings that make git convert bytes: asked once per save, while git reads the files. */
export interface ConversionSettings {
  /** core.autocrlf is on, or a filter driver is configured (at any level). */
  readonly converts: boolean;
  /** core.attributesFile, or git's default global attributes file. */
  readonly attributesFile: string;
}

export async function conversionSettings(service: GitService, cwd: string): Promise<ConversionSettings> {
  const found = await service.runner.run(
    ['config', '-z', '--get-regexp', '^(core\\.(autocrlf|attributesfile)|filter\\..*\\.(clean|smudge|process))$'],
    { cwd, readOnly: true, acceptExitCodes: [0, 1] },
  );
  const entries = found.stdout
    .split('\0')
    .filter(Boolean)
    .map((entry) => [entry.slice(0, entry.indexOf('\n')).toLowerCase(), entry.slice(entry.indexOf('\n') + 1)] as const);
  const value = (key: string) => entries.filter(([name]) => name === key).at(-1)?.[1];
  const converts = /^(true|input)$/i.test(value('core.autocrlf') ?? '') || entries.some(([name]) => name.startsWith('filter.'));
  const configured = value('core.attributesfile');
  const xdg = process.env.XDG_CONFIG_HOME || path.join(homedir(), '.config');
  const attributesFile = configured ? configured.replace(/^~(?=\/|$)/, homedir()) : path.join(xdg, 'git', 'attributes');
  return { converts, attributesFile };
}

/**
 * Whether git may convert the bytes of any of these paths: a conversion setting, or an attributes
 * file that applies to them (in their folders or above, the repository's, the global or system one).
 */
function conversionPossible(settings: ConversionSettings, cwd: string, commonDir: string, paths: readonly string[]): boolean {
  if (settings.converts) return true;
  const folders = new Set<string>();
  for (const relative of paths) {
    // Each folder once, with its parents: most changed files share a few folders.
    for (let folder = path.posix.dirname(relative); !folders.has(folder); folder = path.posix.dirname(folder)) {
      folders.add(folder);
      if (folder === '.') break;
    }
  }
  const files = [settings.attributesFile, path.join(commonDir, 'info', 'attributes'), '/etc/gitattributes'];
  return [...files, ...[...folders].map((folder) => path.join(cwd, folder, '.gitattributes'))].some((file) => existsSync(file));
}

/** What differs from `from` (a tree-ish; the empty tree when none) to `files`: regular files, and gitlinks. */
export async function changedFiles(
  service: GitService,
  cwd: string,
  from: string | undefined,
  files: string,
): Promise<{ regular: ChangedBlob[]; gitlinks: string[] }> {
  const base = from ?? (await emptyTree(service, cwd));
  const listed = await service.runner.run(
    ['diff-tree', '-r', '-z', '--no-renames', '--diff-filter=AMT', '--end-of-options', base, files],
    {
      cwd,
      readOnly: true,
    },
  );
  const fields = listed.stdout.split('\0');
  const regular: ChangedBlob[] = [];
  const gitlinks: string[] = [];
  for (let at = 0; at + 1 < fields.length; at += 2) {
    const [, mode = '', , oid = ''] = (fields[at] as string).slice(1).split(' ');
    if (mode === '100644' || mode === '100755') regular.push({ path: fields[at + 1] as string, mode, oid });
    if (mode === '160000') gitlinks.push(fields[at + 1] as string);
  }
  return { regular, gitlinks };
}

async function emptyTree(service: GitService, cwd: string): Promise<string> {
  return (
    await service.runner.run(['hash-object', '-t', 'tree', '--stdin'], { cwd, readOnly: true, input: Buffer.alloc(0) })
  ).stdout.trim();
}

/**
 * The tree the trash saves of a worktree's files: `files`, with the bytes of every changed file git
 * may convert stored as they are on disk (the trash holds what the user had, not a cleaned copy).
 * Refused for nested repositories (submodules, or a repository cloned inside): a gitlink would
 * stand for their own commits and files, which go with the folder unsaved.
 */
export async function savedFilesTree(
  service: GitService,
  where: { readonly cwd: string; readonly commonDir: string; readonly head: string | undefined },
  files: string,
  settings: ConversionSettings,
): Promise<string> {
  const { cwd } = where;
  const changed = await changedFiles(service, cwd, where.head, files);
  // A registered submodule's folder is a gitlink even when unchanged: `.gitmodules` tells (no process).
  if (existsSync(path.join(cwd, '.gitmodules')) || changed.gitlinks.length > 0) {
    const what = changed.gitlinks.length > 0 ? `nested repositories (${changed.gitlinks.slice(0, 3).join(', ')})` : 'submodules';
    throw new WorktreeOperationError(
      'blocked',
      `it holds ${what}, whose own commits and files cannot be saved to the trash: move that work out (or commit and push it) first.`,
    );
  }
  const paths = changed.regular.map((file) => file.path);
  if (!conversionPossible(settings, cwd, where.commonDir, paths)) return files;
  const format = await objectFormat(service, cwd);
  const raw: Array<ChangedBlob & { readonly bytes: Buffer; readonly rawId: string }> = [];
  await inChunks(changed.regular, (file) => {
    const bytes = readFileSync(path.join(cwd, file.path));
    const rawId = blobId(bytes, format);
    if (rawId !== file.oid) raw.push({ ...file, bytes, rawId });
  });
  return raw.length === 0 ? files : rawTree(service, cwd, files, raw);
}

/** `files` with these files' entries pointing at blobs of their bytes on disk. */
async function rawTree(
  service: GitService,
  cwd: string,
  files: string,
  raw: ReadonlyArray<ChangedBlob & { readonly bytes: Buffer; readonly rawId: string }>,
): Promise<string> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'agent-worktrees-raw-'));
  try {
    const ids = await writeBlobs(
      service,
      cwd,
      scratch,
      raw.map((file) => file.bytes),
      { ids: raw.map((file) => file.rawId) },
    );
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

/** After git wrote the restored files: those whose bytes are not the saved blob (a smudge filter, line endings) get it back. */
export async function writeRawBytes(
  service: GitService,
  where: { readonly cwd: string; readonly commonDir: string; readonly head: string | undefined },
  files: string,
): Promise<void> {
  const target = where.cwd;
  const [changed, settings, format] = await Promise.all([
    changedFiles(service, target, where.head, files),
    conversionSettings(service, target),
    objectFormat(service, target),
  ]);
  if (
    !conversionPossible(
      settings,
      target,
      where.commonDir,
      changed.regular.map((file) => file.path),
    )
  )
    return;
  const differing: ChangedBlob[] = [];
  await inChunks(changed.regular, (file) => {
    if (blobId(readFileSync(path.join(target, file.path)), format) !== file.oid) differing.push(file);
  });
  if (differing.length === 0) return;
  const blobs = await readBlobs(
    service,
    target,
    differing.map((file) => file.oid),
  );
  const entries = new Map<string, PathEntry>(
    differing.map((file) => [
      file.path,
      { kind: 'file', bytes: blobs.get(file.oid) as Buffer, mode: file.mode === '100755' ? 0o755 : 0o644 },
    ]),
  );
  const { problems } = await restorePaths({ root: target, entries, missingFolders: [] });
  if (problems.length > 0) throw new Error(`could not write ${problems.join('; ')}`);
}
