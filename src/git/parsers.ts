import { GitError } from './errors';
import type { StatusReport, WorktreeRecord } from './types';

/**
 * Parses `git worktree list --porcelain -z`: attribute lines end in NUL, records end in an extra NUL.
 * With -z, paths and lock reasons are verbatim (spaces, unicode and even newlines survive).
 */
export function parseWorktreeList(output: string): WorktreeRecord[] {
  const records: WorktreeRecord[] = [];
  let current: Partial<Mutable<WorktreeRecord>> | undefined;

  const flush = () => {
    if (!current) return;
    if (current.path === undefined) throw parseError('worktree record without a "worktree" line', output);
    records.push({
      path: current.path,
      head: current.head,
      branchRef: current.branchRef,
      detached: current.detached ?? false,
      bare: current.bare ?? false,
      isMain: records.length === 0,
      locked: current.locked ?? false,
      lockReason: current.lockReason,
      prunable: current.prunable ?? false,
      prunableReason: current.prunableReason,
    });
    current = undefined;
  };

  for (const field of output.split('\0')) {
    if (field === '') {
      flush();
      continue;
    }
    const space = field.indexOf(' ');
    const key = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? undefined : field.slice(space + 1);
    if (key === 'worktree') {
      flush();
      current = { path: value ?? '' };
      continue;
    }
    if (!current) throw parseError(`"${key}" before any "worktree" line`, output);
    switch (key) {
      case 'HEAD':
        current.head = value;
        break;
      case 'branch':
        current.branchRef = value;
        break;
      case 'detached':
        current.detached = true;
        break;
      case 'bare':
        current.bare = true;
        break;
      case 'locked':
        current.locked = true;
        current.lockReason = value || undefined;
        break;
      case 'prunable':
        current.prunable = true;
        current.prunableReason = value || undefined;
        break;
      default:
        // Newer git may add attributes; ignoring unknown ones keeps us forward compatible.
        break;
    }
  }
  flush();
  return records;
}

const ORDINARY_FIELDS_BEFORE_PATH = 8;
const RENAME_FIELDS_BEFORE_PATH = 9;
const UNMERGED_FIELDS_BEFORE_PATH = 10;

/** Parses `git status --porcelain=v2 -z --branch` into counts, branch and upstream information. */
export function parseStatusV2(output: string): StatusReport {
  let headOid: string | undefined;
  let branch: string | undefined;
  let upstream: string | undefined;
  let ahead: number | undefined;
  let behind: number | undefined;
  let staged = 0;
  let unstaged = 0;
  let untracked = 0;
  let conflicted = 0;
  const changedPaths: string[] = [];
  const conflictedPaths: string[] = [];
  const renamedFromPaths: string[] = [];

  const fields = output.split('\0');
  for (let index = 0; index < fields.length; index++) {
    const field = fields[index] as string;
    if (field === '') continue;
    switch (field[0]) {
      case '#': {
        const [, key, ...rest] = field.split(' ');
        const value = rest.join(' ');
        if (key === 'branch.oid') headOid = value === '(initial)' ? undefined : value;
        else if (key === 'branch.head') branch = value === '(detached)' ? undefined : value;
        else if (key === 'branch.upstream') upstream = value;
        else if (key === 'branch.ab') {
          const match = /^\+(\d+) -(\d+)$/.exec(value);
          if (!match) throw parseError(`bad branch.ab "${value}"`, output);
          ahead = Number(match[1]);
          behind = Number(match[2]);
        }
        break;
      }
      case '1':
      case '2': {
        const isRename = field[0] === '2';
        const { head, path } = splitBeforePath(field, isRename ? RENAME_FIELDS_BEFORE_PATH : ORDINARY_FIELDS_BEFORE_PATH, output);
        const xy = head[1] ?? '';
        if (xy.length !== 2) throw parseError(`bad XY "${xy}"`, output);
        if (xy[0] !== '.') staged++;
        if (xy[1] !== '.') unstaged++;
        changedPaths.push(path);
        if (isRename) {
          index++; // the original path follows in its own NUL-terminated field
          renamedFromPaths.push(fields[index] ?? '');
        }
        break;
      }
      case 'u': {
        const { path } = splitBeforePath(field, UNMERGED_FIELDS_BEFORE_PATH, output);
        conflicted++;
        changedPaths.push(path);
        conflictedPaths.push(path);
        break;
      }
      case '?':
        untracked++;
        changedPaths.push(field.slice(2));
        break;
      case '!':
        break; // ignored files are not asked for; tolerate them if a user config adds them
      default:
        throw parseError(`unknown status record "${field.slice(0, 20)}"`, output);
    }
  }
  return {
    headOid,
    branch,
    upstream,
    ahead,
    behind,
    staged,
    unstaged,
    untracked,
    conflicted,
    changedPaths,
    conflictedPaths,
    renamedFromPaths,
  };
}

function splitBeforePath(field: string, count: number, output: string): { head: string[]; path: string } {
  const head: string[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const space = field.indexOf(' ', start);
    if (space === -1) throw parseError(`status record with too few fields: "${field.slice(0, 40)}"`, output);
    head.push(field.slice(start, space));
    start = space + 1;
  }
  return { head, path: field.slice(start) };
}

function parseError(what: string, output: string): GitError {
  return new GitError(`Could not parse git output: ${what}`, {
    code: 'ParseError',
    args: [],
    stderr: output.slice(0, 500),
  });
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
