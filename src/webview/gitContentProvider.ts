import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { GitService } from '../agents';
import type { Logger } from '../git';
import { samePath } from '../git';

export const GIT_CONTENT_SCHEME = 'agent-worktrees-git';

/** What an `agent-worktrees-git:` URI names: one file at one commit, read in one worktree. */
export interface GitContentRequest {
  /** Absolute path of the worktree git runs in. */
  readonly cwd: string;
  /** A full object id (SHA-1 or SHA-256): never a ref or an option. */
  readonly revision: string;
  /** Relative to the worktree, `/`-separated, no `..` segment. */
  readonly path: string;
}

/** The left side of "Open in Diff Editor": the file at the review's starting point. */
export function gitContentUri(Uri: typeof vscode.Uri, request: GitContentRequest): vscode.Uri {
  return Uri.from({
    scheme: GIT_CONTENT_SCHEME,
    path: `/${request.path}`,
    query: JSON.stringify({ cwd: request.cwd, revision: request.revision }),
  });
}

/**
 * The URI is untrusted (any extension, link or command can open one): its query and path are
 * checked against the one shape `gitContentUri` produces, or the reason is returned.
 */
export function parseGitContentRequest(query: string, uriPath: string): GitContentRequest | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(query);
  } catch {
    return 'its query is not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'its query is not an object';
  const { cwd, revision, ...rest } = parsed as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `its query has unknown fields (${Object.keys(rest).join(', ')})`;
  if (typeof cwd !== 'string' || cwd.includes('\0') || !path.isAbsolute(cwd)) return 'its cwd is not an absolute path';
  if (typeof revision !== 'string' || !/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(revision)) {
    return 'its revision is not a full object id';
  }
  const relative = uriPath.startsWith('/') ? uriPath.slice(1) : uriPath;
  const segments = relative.split('/');
  if (
    relative === '' ||
    relative.includes('\0') ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..')
  ) {
    return 'its path is not a relative path inside the worktree';
  }
  return { cwd, revision, path: relative };
}

/**
 * `git show <id>:<path>` in a worktree the extension knows (a worktree of a workspace repository,
 * or one with a review panel open): empty when the file did not exist at that commit. Anything
 * else is refused with the reason logged, and git never runs for it.
 */
export async function readGitContent(
  deps: { readonly service: GitService; readonly logger: Logger; readonly knownWorktrees: () => readonly string[] },
  query: string,
  uriPath: string,
): Promise<string> {
  const request = parseGitContentRequest(query, uriPath);
  const refuse = (reason: string) => {
    const preview = JSON.stringify({ query: query.slice(0, 300), path: uriPath.slice(0, 300) });
    deps.logger.error(`Refused to open a ${GIT_CONTENT_SCHEME}: URI: ${reason}: ${preview}`);
    return new Error(`This ${GIT_CONTENT_SCHEME}: URI was refused: ${reason}.`);
  };
  if (typeof request === 'string') throw refuse(request);
  if (!deps.knownWorktrees().some((known) => samePath(known, request.cwd))) {
    throw refuse('its cwd is not a worktree of a workspace repository or of an open review');
  }
  // `--end-of-options`: whatever the revision holds, git reads it as a revision, never an option.
  const result = await deps.service.runner.run(['show', '--end-of-options', `${request.revision}:${request.path}`], {
    cwd: request.cwd,
    readOnly: true,
    acceptExitCodes: [0, 128],
  });
  return result.exitCode === 0 ? result.stdout : '';
}

export class GitContentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly deps: Parameters<typeof readGitContent>[0]) {}

  provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    return readGitContent(this.deps, uri.query, uri.path);
  }
}
