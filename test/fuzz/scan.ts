import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';
import { git } from '../unit/helpers/gitFixture';

/**
 * The fuzzer's oracle: where every token of work physically is, read with plain git and fs calls
 * (never through the service under test). A token is `tk<n>x`; user and agent content is made of
 * them, text or binary, so "this piece of work still exists" is "this token is found somewhere".
 */
export const TOKEN = /tk\d+x/g;

/** Sources a token can be found in. `files`, `index` and `tree` are a worktree's current state. */
export type Source =
  | `files:${string}` // its working files (regular files' bytes, symlinks' targets)
  | `index:${string}` // its staged blobs
  | `tree:${string}` // the tree of its HEAD commit
  | `head:${string}` // anything reachable from its HEAD (history)
  | `ref:${string}` // anything reachable from a ref (branches, tags, stash)
  | `trash:${string}`; // anything reachable from a trash item (what a confirmed removal saved)

export interface ListedWorktree {
  readonly path: string;
  readonly head: string | undefined;
  readonly branch: string | undefined;
  readonly locked: boolean;
  readonly gone: boolean;
}

export interface Scan {
  readonly worktrees: readonly ListedWorktree[];
  readonly tokens: ReadonlyMap<string, ReadonlySet<Source>>;
  /** Everything a refused operation must leave as it was: files and index entries of every worktree, every ref, the list. */
  readonly fingerprint: string;
}

/** Git objects never change: what a blob holds and what a commit reaches is read once. */
export class Scanner {
  private readonly blobTokens = new Map<string, readonly string[]>();
  private readonly reachable = new Map<string, readonly string[]>();
  private readonly treeBlobs = new Map<string, readonly string[]>();

  constructor(readonly mainPath: string) {}

  scan(): Scan {
    const worktrees = listWorktrees(this.mainPath);
    const tokens = new Map<string, Set<Source>>();
    const add = (found: Iterable<string>, source: Source) => {
      for (const token of found) {
        const sources = tokens.get(token) ?? new Set<Source>();
        tokens.set(token, sources);
        sources.add(source);
      }
    };
    const fingerprint: string[] = [];
    const refs = git(this.mainPath, 'for-each-ref', '--format=%(objectname) %(objecttype) %(refname)')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ') as [string, string, string]);
    for (const [sha, type, ref] of refs) {
      fingerprint.push(`ref ${ref} ${sha}`);
      // The trash is where a confirmed removal saves what it would lose: recoverable, so present.
      if (ref.startsWith('refs/agent-worktrees/trash/')) add(this.reachableTokens(sha), `trash:${ref}`);
      // The kept-up-to refs record what Keep applied elsewhere: work must not survive only there.
      if (ref.startsWith('refs/agent-worktrees/')) continue;
      if (type === 'commit' || type === 'tag') add(this.reachableTokens(sha), `ref:${ref}`);
    }
    for (const worktree of worktrees) {
      fingerprint.push(`worktree ${worktree.path} ${worktree.head} ${worktree.branch} ${worktree.locked} ${worktree.gone}`);
      if (worktree.head && !/^0+$/.test(worktree.head)) {
        add(this.reachableTokens(worktree.head), `head:${worktree.path}`);
        add(this.tokensOfBlobs(this.blobsOfTree(worktree.head)), `tree:${worktree.path}`);
      }
      if (worktree.gone) continue;
      const indexEntries = git(worktree.path, 'ls-files', '-s', '-z').split('\0').filter(Boolean);
      // Mode, blob, stage and path of every entry: a refused keep must leave the index as it was too.
      for (const entry of indexEntries) fingerprint.push(`index ${worktree.path} ${entry}`);
      const indexBlobs = indexEntries
        .filter((entry) => !entry.startsWith('160000'))
        .map((entry) => entry.split(' ')[1] as string);
      add(this.tokensOfBlobs(indexBlobs), `index:${worktree.path}`);
      for (const [relative, bytes, kind] of workingFiles(worktree.path)) {
        add(tokensIn(bytes), `files:${worktree.path}`);
        fingerprint.push(`file ${worktree.path} ${relative} ${kind} ${createHash('sha1').update(bytes).digest('hex')}`);
      }
    }
    return { worktrees, tokens, fingerprint: fingerprint.sort().join('\n') };
  }

  private reachableTokens(commit: string): readonly string[] {
    let found = this.reachable.get(commit);
    if (!found) {
      const blobs = git(this.mainPath, 'rev-list', '--objects', '--filter=object:type=blob', commit)
        .split('\n')
        .filter((line) => line.includes(' '))
        .map((line) => line.slice(0, line.indexOf(' ')));
      found = [...new Set(this.tokensOfBlobs(blobs))];
      this.reachable.set(commit, found);
    }
    return found;
  }

  private blobsOfTree(commit: string): readonly string[] {
    let blobs = this.treeBlobs.get(commit);
    if (!blobs) {
      blobs = git(this.mainPath, 'ls-tree', '-r', '-z', commit)
        .split('\0')
        .filter((entry) => / blob /.test(entry))
        .map((entry) => entry.split(' ')[2]?.split('\t')[0] as string);
      this.treeBlobs.set(commit, blobs);
    }
    return blobs;
  }

  private tokensOfBlobs(blobs: readonly string[]): string[] {
    const unknown = [...new Set(blobs)].filter((blob) => !this.blobTokens.has(blob));
    if (unknown.length > 0) {
      const output = execFileSync('git', ['cat-file', '--batch'], {
        cwd: this.mainPath,
        input: `${unknown.join('\n')}\n`,
        maxBuffer: 256 * 1024 * 1024,
      });
      let offset = 0;
      for (const blob of unknown) {
        const headerEnd = output.indexOf(10, offset);
        const header = output.subarray(offset, headerEnd).toString();
        const size = Number(header.split(' ')[2]);
        if (!header.startsWith(blob) || !Number.isInteger(size)) throw new Error(`cat-file: unexpected header ${header}`);
        this.blobTokens.set(blob, tokensIn(output.subarray(headerEnd + 1, headerEnd + 1 + size)));
        offset = headerEnd + 1 + size + 1;
      }
    }
    return blobs.flatMap((blob) => this.blobTokens.get(blob) ?? []);
  }
}

export function tokensIn(bytes: Buffer): string[] {
  return bytes.toString('latin1').match(TOKEN) ?? [];
}

/** `git worktree list --porcelain -z`, read here rather than with the parser under test. */
export function listWorktrees(anyWorktree: string): ListedWorktree[] {
  const records: ListedWorktree[] = [];
  let current: { path?: string; head?: string; branch?: string; locked: boolean } = { locked: false };
  const flush = () => {
    if (current.path) {
      records.push({
        path: current.path,
        head: current.head,
        branch: current.branch,
        locked: current.locked,
        gone: !existsSync(current.path),
      });
    }
    current = { locked: false };
  };
  for (const field of git(anyWorktree, 'worktree', 'list', '--porcelain', '-z').split('\0')) {
    if (field === '') flush();
    else if (field.startsWith('worktree ')) current.path = field.slice('worktree '.length);
    else if (field.startsWith('HEAD ')) current.head = field.slice('HEAD '.length);
    else if (field.startsWith('branch refs/heads/')) current.branch = field.slice('branch refs/heads/'.length);
    else if (field === 'locked' || field.startsWith('locked ')) current.locked = true;
  }
  flush();
  return records;
}

/**
 * Every file of a worktree as [relative path, bytes, kind]: regular files' contents, symlinks'
 * targets. `.git` and nested repositories or worktrees (a folder with its own `.git`) are skipped:
 * they are scanned as worktrees of their own.
 */
export function* workingFiles(root: string, relative = ''): Generator<[string, Buffer, string]> {
  for (const name of readdirSync(path.join(root, relative))) {
    if (name === '.git') continue;
    const child = relative ? `${relative}/${name}` : name;
    const full = path.join(root, child);
    const stat = lstatSync(full);
    if (stat.isSymbolicLink()) yield [child, Buffer.from(readlinkSync(full)), 'link'];
    else if (stat.isFile()) yield [child, readFileSync(full), stat.mode & 0o111 ? 'exec' : 'file'];
    else if (stat.isDirectory() && !existsSync(path.join(full, '.git'))) yield* workingFiles(root, child);
  }
}
