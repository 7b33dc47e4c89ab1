import * as path from 'node:path';
import { failureReason, firstMeaningfulLine, parseStatusV2 } from '../git';
import { type AgentWorktreeLocation, captureAgentChanges, locateAgentWorktree, requireAgentMetadata } from './agentChanges';
import { type AgentMetadata, keptIntoWith, keptRefName, writeAgentMetadata } from './agentMetadata';
import { resolveTarget } from './keep';
import { keptCommit } from './keepBookkeeping';
import { WorktreeOperationError } from './operationErrors';
import type { GitService } from './service';

export interface CherryPickResult {
  readonly target: string;
  /** The agent's commits, as picked onto the target's branch (new ids, same messages and authors). */
  readonly picked: readonly string[];
  /** The kept-up-to commit now: the agent's committed work counts as kept (unchanged when stopped). */
  readonly keptUpTo: string | undefined;
  /** Whether the agent has uncommitted work left to review and keep. */
  readonly uncommittedLeft: boolean;
  /**
   * With `resolveConflicts`, a pick that conflicted: git stopped there (a cherry-pick in progress in
   * the target) with these files to resolve, and this many commits still to pick after it
   * (`git cherry-pick --continue` picks them, `--abort` puts the target back). Nothing is counted
   * as kept.
   */
  readonly stopped?: { readonly conflicted: readonly string[]; readonly remaining: number };
}

/**
 * Brings the agent's commits, with their messages and authorship, onto the target's branch
 * (`git cherry-pick`), then records the agent's committed work as kept. Refused, changing nothing,
 * when some of its work was kept already (keep the rest instead) or when the target has uncommitted
 * changes on files those commits touch. A pick that conflicts is aborted (nothing changed) and
 * asks consent (`needs-confirmation`, consent `pick-conflicts`); with `resolveConflicts`, git stops
 * there instead, for the user to resolve in the merge editor. The agent's uncommitted work is left
 * to review and keep.
 */
export async function cherryPickAgentCommits(
  service: GitService,
  worktreePath: string,
  options: { readonly target?: string; readonly resolveConflicts?: boolean } = {},
): Promise<CherryPickResult> {
  const found = await locateAgentWorktree(service, worktreePath);
  return service.mutate(found.commonDir, async () => {
    const metadata = await requireAgentMetadata(found);
    if (metadata.keptUpTo) {
      throw new WorktreeOperationError(
        'blocked',
        'Nothing was picked: some of this agent’s work was kept already, so its commits no longer land as they are. Keep the rest instead.',
      );
    }
    const target = await targetOf(service, options.target ?? metadata.createdFrom, found.commonDir, found.topLevel);
    const agentGit = (args: string[]) => service.runner.run(args, { cwd: found.topLevel, readOnly: true });
    const head = (await agentGit(['rev-parse', '--verify', 'HEAD^{commit}'])).stdout.trim();
    const commits = (
      await agentGit(['rev-list', '--reverse', '--end-of-options', `${metadata.baseCommit}..${head}`, '--'])
    ).stdout
      .split('\n')
      .filter((line) => /^[0-9a-f]{40,64}$/.test(line));
    if (commits.length === 0) throw new WorktreeOperationError('invalid', 'The agent has no commits to pick.');
    await refuseDirtyOverlap(service, target, found.topLevel, metadata.baseCommit, head);
    const picked = await pick(service, target, commits, options.resolveConflicts === true);
    if (picked.stopped) {
      const left = await captureAgentChanges(service, found, metadata);
      return {
        target,
        picked: picked.commits,
        keptUpTo: metadata.keptUpTo,
        uncommittedLeft: left.files.length > 0,
        stopped: picked.stopped,
      };
    }
    const keptUpTo = await recordPicked(service, found, metadata, { target, head, picked });
    const left = await captureAgentChanges(service, found, { ...metadata, keptUpTo });
    return { target, picked: picked.commits, keptUpTo, uncommittedLeft: left.files.length > 0 };
  });
}

/**
 * The agent's committed work counts as kept: the kept-up-to ref and the metadata. A failure takes
 * both back and the picked commits out of the target, and says what could not be undone.
 */
async function recordPicked(
  service: GitService,
  found: AgentWorktreeLocation,
  metadata: AgentMetadata,
  done: { readonly target: string; readonly head: string; readonly picked: { takeBack: () => Promise<void> } },
): Promise<string> {
  const { target, head, picked } = done;
  const ref = keptRefName(found.gitDir);
  const keptInto = keptIntoWith(metadata, target);
  let keptUpTo = '';
  let refMoved = false;
  try {
    keptUpTo = await keptCommit(service, found.topLevel, metadata.baseCommit, `${head}^{tree}`);
    await service.runner.run(['update-ref', ref, keptUpTo], { cwd: found.topLevel });
    refMoved = true;
    await writeAgentMetadata(found.gitDir, {
      ...metadata,
      keptUpTo,
      keptInto,
      keptAtHead: head,
      keptAt: new Date().toISOString(),
    });
  } catch (error) {
    const problems: string[] = [];
    const step = (what: string, undo: Promise<unknown>) =>
      undo.catch((failed: unknown) => problems.push(`${what}: ${failureReason(failed)}`));
    if (refMoved) {
      await step('the kept-up-to ref', service.runner.run(['update-ref', '-d', ref], { cwd: found.topLevel }));
      await step('the agent metadata', writeAgentMetadata(found.gitDir, metadata));
    }
    await step(`the picked commits in ${target}`, picked.takeBack());
    const left = problems.length > 0 ? `; could not undo ${problems.join('; ')}` : '';
    throw new WorktreeOperationError(
      'failed',
      `Nothing was picked: recording it failed (${failureReason(error)}), so the picked commits were taken back${left}.`,
      { cause: error },
    );
  }
  return keptUpTo;
}

/** A keep's target, on a branch (a pick makes commits). */
async function targetOf(service: GitService, target: string, commonDir: string, agentPath: string): Promise<string> {
  const found = await resolveTarget(service, target, commonDir, agentPath);
  const branch = await service.runner.run(['symbolic-ref', '--quiet', 'HEAD'], {
    cwd: found.topLevel,
    readOnly: true,
    acceptExitCodes: [0, 1],
  });
  if (branch.exitCode !== 0)
    throw new WorktreeOperationError('invalid', `${found.topLevel} is on a detached HEAD: pick onto a branch.`);
  return found.topLevel;
}

/** The files the commits touch must hold no uncommitted work of the target's: git would stop half-way. */
async function refuseDirtyOverlap(
  service: GitService,
  target: string,
  agentPath: string,
  base: string,
  head: string,
): Promise<void> {
  const [touched, status] = await Promise.all([
    service.runner.run(['diff', '--name-only', '-z', '--no-renames', '--end-of-options', base, head, '--'], {
      cwd: agentPath,
      readOnly: true,
    }),
    service.runner.run(['status', '--porcelain=v2', '-z', '--untracked-files=all'], { cwd: target, readOnly: true }),
  ]);
  const paths = new Set(touched.stdout.split('\0').filter(Boolean));
  const report = parseStatusV2(status.stdout);
  const dirty = [...new Set([...report.changedPaths, ...report.renamedFromPaths])].filter((relative) => paths.has(relative));
  if (report.conflicted > 0 || dirty.length > 0) {
    const why =
      dirty.length > 0 ? `uncommitted changes on files the agent's commits change: ${dirty.join(', ')}` : 'unresolved conflicts';
    throw new WorktreeOperationError(
      'blocked',
      `Nothing was picked: ${target} has ${why}. Commit or stash them first, or keep instead.`,
    );
  }
}

/**
 * `git cherry-pick` of the commits. A conflict is aborted (nothing changed) and asks consent; with
 * `resolve`, git's stop is left as it is: the conflicted files and how many commits are still to go.
 */
async function pick(
  service: GitService,
  target: string,
  commits: readonly string[],
  resolve: boolean,
): Promise<{
  commits: string[];
  takeBack: () => Promise<void>;
  stopped?: { conflicted: string[]; remaining: number };
}> {
  const git = (args: string[], accept = [0]) => service.runner.run(args, { cwd: target, acceptExitCodes: accept });
  const before = (await git(['rev-parse', '--verify', 'HEAD'])).stdout.trim();
  const pickedSince = async () =>
    (await git(['rev-list', '--reverse', '--end-of-options', `${before}..HEAD`, '--'])).stdout.split('\n').filter(Boolean);
  const result = await git(['cherry-pick', '--allow-empty', ...commits], [0, 1, 128]);
  if (result.exitCode !== 0) {
    const inProgress = (await git(['rev-parse', '--verify', '--quiet', 'CHERRY_PICK_HEAD'], [0, 1])).exitCode === 0;
    const conflicted = inProgress ? await service.conflictedFiles(target) : [];
    if (resolve && conflicted.length > 0) {
      const picked = await pickedSince();
      return {
        commits: picked,
        takeBack: async () => {},
        stopped: { conflicted, remaining: commits.length - picked.length - 1 },
      };
    }
    if (inProgress) await git(['cherry-pick', '--abort']);
    await git(['reset', '--quiet', '--keep', before]);
    const why = `the agent's commits conflict with ${path.basename(target)}${conflicted.length > 0 ? ` (${conflicted.join(', ')})` : ''}: ${firstMeaningfulLine(result.stderr || result.stdout)}`;
    if (conflicted.length > 0) {
      throw new WorktreeOperationError(
        'needs-confirmation',
        `Nothing was picked: ${why}. Resolve them in the merge editor instead? (Or keep, which merges per file.)`,
        { consent: { kind: 'pick-conflicts', files: conflicted } },
      );
    }
    throw new WorktreeOperationError('blocked', `Nothing was picked: ${why}. Keep instead, which merges per file.`);
  }
  const after = await pickedSince();
  return { commits: after, takeBack: async () => void (await git(['reset', '--quiet', '--keep', before])) };
}
