import { lstat } from 'node:fs/promises';
import * as path from 'node:path';
import { failureReason, firstMeaningfulLine } from '../git';
import { type AgentChanges, locateAgentWorktree, requireAgentMetadata } from './agentChanges';
import type { AgentMetadata } from './agentMetadata';
import type { MergedFile } from './dirtyMerge';
import { WorktreeOperationError } from './operationErrors';
import type { GitService } from './service';

// Keep and Commit: the kept paths, and only those, become one commit in the target, under the
// user's own identity and hooks. Nothing of the user's own is ever committed with them.

/**
 * The commit message offered: the task as the subject, the agent's own commit subjects (since what
 * was kept before) as the body.
 */
export async function defaultCommitMessage(
  service: GitService,
  agentPath: string,
  metadata: AgentMetadata,
  changes: Pick<AgentChanges, 'from'>,
): Promise<string> {
  return messageFrom(metadata, await commitSubjects(service, agentPath, changes.from));
}

function messageFrom(metadata: AgentMetadata, subjects: readonly string[]): string {
  const subject = metadata.task?.split('\n')[0]?.trim() || subjects[0] || 'Keep the agent’s changes';
  const body = subjects.filter((line) => line !== subject).map((line) => `- ${line}`);
  return body.length > 0 ? `${subject}\n\n${body.join('\n')}\n` : `${subject}\n`;
}

/** The subjects of the agent's commits after `from`, oldest first. */
async function commitSubjects(service: GitService, agentPath: string, from: string): Promise<string[]> {
  const log = await service.runner.run(['log', '--no-color', '--format=%s', '--end-of-options', `${from}..HEAD`, '--'], {
    cwd: agentPath,
    readOnly: true,
  });
  return log.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .reverse();
}

/** The message Keep and Commit would offer for this agent worktree now (for a prompt to prefill). */
export async function suggestCommitMessage(service: GitService, worktreePath: string): Promise<string> {
  const found = await locateAgentWorktree(service, worktreePath);
  return (await landingChoices(service, found.topLevel, await requireAgentMetadata(found))).commitMessage;
}

/**
 * What the review panel says before any click: Keep and Commit's message, and the commits
 * Cherry-pick would bring (none once part of the work was kept: its commits no longer land as
 * they are, and `cherryPickAgentCommits` refuses). From the metadata the caller has (the panel's
 * worktree listing): one `git log`, no discovery.
 */
export async function landingChoices(
  service: GitService,
  agentPath: string,
  metadata: AgentMetadata,
): Promise<{ commitMessage: string; pickable: string[] }> {
  const subjects = await commitSubjects(service, agentPath, metadata.keptUpTo ?? metadata.baseCommit);
  return { commitMessage: messageFrom(metadata, subjects), pickable: metadata.keptUpTo ? [] : subjects };
}

/**
 * Keep and Commit refuses, before anything is written, when a kept file holds uncommitted content
 * in the target: the user's own edits (they would be committed too), or what an earlier keep put
 * there and nobody committed (the commit would replace it, and a commit is undone by reverting it,
 * which does not bring that back: it may have been the user's own file all along).
 */
export function refuseCommittingUncommitted(plan: { merged: readonly MergedFile[]; uncommitted: readonly string[] }): void {
  if (plan.merged.length > 0) {
    throw new WorktreeOperationError(
      'blocked',
      `Nothing was kept: committing would also commit your own uncommitted edits in ${plan.merged.map((file) => file.path).join(', ')}. Keep without committing, or commit or stash your edits first.`,
    );
  }
  if (plan.uncommitted.length > 0) {
    throw new WorktreeOperationError(
      'blocked',
      `Nothing was kept: ${plan.uncommitted.join(', ')} ${plan.uncommitted.length === 1 ? 'has' : 'have'} uncommitted changes in your checkout (an earlier keep's, or your own), which a commit over ${plan.uncommitted.length === 1 ? 'it' : 'them'} could not bring back. Commit or undo them first, or keep without committing.`,
    );
  }
}

/**
 * Commits exactly `paths` (as the keep left them in the working tree) on the target's branch, with
 * the user's identity and hooks; other staged changes of the user stay staged and uncommitted.
 * Returns the new commit and a way to take it back (HEAD back where it was) if a later step fails.
 */
export async function commitKeptPaths(
  service: GitService,
  target: string,
  paths: readonly string[],
  message: string,
): Promise<{ commit: string; takeBack: () => Promise<void> }> {
  const git = (args: string[], accept = [0]) => service.runner.run(args, { cwd: target, acceptExitCodes: accept });
  const before = (await git(['rev-parse', '--verify', '--quiet', 'HEAD'], [0, 1])).stdout.trim();
  // A path that is a folder now (the agent replaced a file with one) is named by its files; named
  // itself, git would take the folder for a submodule. Its file's removal comes with them.
  const named: string[] = [];
  for (const relative of paths) if (!(await isFolder(path.join(target, relative)))) named.push(relative);
  // New files must be known to git before `commit --only` takes them; only the kept paths are added.
  await git(['add', '--all', '--', ...named]);
  const committed = await git(
    ['commit', '--quiet', '--only', '--cleanup=whitespace', '-m', message, '--', ...named],
    [0, 1, 128],
  );
  if (committed.exitCode !== 0) {
    throw new WorktreeOperationError(
      'failed',
      `git did not commit the kept changes: ${firstMeaningfulLine(committed.stderr || committed.stdout) || 'a hook refused'}`,
    );
  }
  const commit = (await git(['rev-parse', '--verify', 'HEAD'])).stdout.trim();
  return {
    commit,
    takeBack: async () => {
      const back = before ? ['update-ref', 'HEAD', before, commit] : ['update-ref', '-d', 'HEAD', commit];
      await git(back).catch((error: unknown) => {
        throw new Error(`the commit ${commit.slice(0, 8)} could not be taken back (${failureReason(error)})`);
      });
    },
  };
}

async function isFolder(file: string): Promise<boolean> {
  return (await lstat(file).catch(() => undefined))?.isDirectory() === true;
}
