import { realpath } from 'node:fs/promises';
import * as path from 'node:path';
import { GitError } from './errors';
import type { GitRunner } from './runner';
import type { RepositoryDiscovery } from './types';

const LINE_BREAK_REASON =
  'a path of this repository contains a line break; git answers with one path per line, so Agent Worktrees cannot tell its paths apart and leaves it alone';

/**
 * Finds the repository a folder belongs to, in one git call. `--show-cdup` instead of
 * `--show-toplevel` because the latter fails outright in a bare repository.
 * Relative answers are resolved against the folder git ran in (what git means by them).
 */
export async function discoverRepository(runner: GitRunner, folder: string, signal?: AbortSignal): Promise<RepositoryDiscovery> {
  let cwd: string;
  try {
    cwd = await realpath(folder);
  } catch {
    return { kind: 'missing', folder };
  }
  if (cwd.includes('\n')) return { kind: 'not-a-repository', folder, reason: LINE_BREAK_REASON };
  let stdout: string;
  try {
    const result = await runner.run(
      ['rev-parse', '--is-bare-repository', '--is-inside-work-tree', '--absolute-git-dir', '--git-common-dir', '--show-cdup'],
      { cwd, readOnly: true, signal },
    );
    stdout = result.stdout;
  } catch (error) {
    if (error instanceof GitError) {
      if (error.code === 'WorkingDirectoryMissing') return { kind: 'missing', folder };
      if (error.code === 'NotARepository' || error.code === 'DubiousOwnership') {
        return { kind: 'not-a-repository', folder, reason: error.gitReason };
      }
    }
    throw error;
  }

  const lines = stdout.replace(/\n$/, '').split('\n');
  // One line per answer (a bare repository has no --show-cdup line): more means a path held a
  // line break, and then no split of the answer is known to be right.
  if (lines.length !== (lines[0] === 'true' ? 4 : 5)) return { kind: 'not-a-repository', folder, reason: LINE_BREAK_REASON };
  const [isBare, insideWorkTree, gitDir, commonDirRaw, cdup = ''] = lines;
  if (gitDir === undefined || commonDirRaw === undefined) {
    throw new GitError('Could not parse git rev-parse output', { code: 'ParseError', args: ['rev-parse'], cwd, stderr: stdout });
  }
  const commonDir = path.resolve(cwd, commonDirRaw);
  if (isBare === 'true') return { kind: 'bare', folder, gitDir, commonDir };
  if (insideWorkTree !== 'true') {
    return { kind: 'not-a-repository', folder, reason: 'The folder is inside a .git directory, not in a working tree.' };
  }
  const topLevel = path.resolve(cwd, cdup);
  return {
    kind: 'worktree',
    folder,
    topLevel,
    gitDir,
    commonDir,
    isLinkedWorktree: path.resolve(gitDir) !== commonDir,
  };
}
