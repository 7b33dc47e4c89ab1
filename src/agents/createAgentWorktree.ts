import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { failureReason, parseWorktreeList, pathExists, realOrResolved, samePath } from '../git';
import { type AgentMetadata, writeAgentMetadata } from './agentMetadata';
import { WorktreeOperationError } from './operationErrors';
import { allocatePortBlock, type PortBlock, type PortBlockSettings, releasePortBlock } from './portBlocks';
import type { GitService } from './service';
import { generateSlug, slugify, slugProblem } from './slug';
import {
  applyUncommittedState,
  copyIncludedIgnoredFiles,
  type Git,
  readUncommittedState,
  type UncommittedState,
} from './startingState';

/** Where new agent worktrees go (setting `agentWorktrees.location`). */
export type WorktreeLocation = 'sibling' | 'inside' | { readonly folder: string };

export interface CreateAgentWorktreeOptions {
  /** Any folder inside the worktree the command is invoked from: it provides the base (its HEAD). */
  readonly repoPath: string;
  readonly task?: string;
  /** Exact slug; validated, never rewritten. Without it the slug comes from the task, else is generated. */
  readonly name?: string;
  /** Defaults to the invoking worktree's HEAD. */
  readonly baseRef?: string;
  /** Bring the invoking worktree's staged, unstaged and untracked changes along (it stays untouched). */
  readonly includeUncommitted?: boolean;
  readonly branchPrefix?: string;
  readonly location?: WorktreeLocation;
  /** Extra gitignore-style patterns of ignored files to copy, on top of `.worktreeinclude`. */
  readonly copyIncludes?: readonly string[];
  readonly agentCommand?: string;
  /** Give the worktree a block of ports (machine-wide registry); without it, none. */
  readonly ports?: PortBlockSettings;
  readonly now?: () => Date;
}

export interface CreatedAgentWorktree {
  readonly path: string;
  readonly branch: string;
  readonly slug: string;
  readonly commonDir: string;
  readonly metadata: AgentMetadata;
  /** Ignored files copied in because `.worktreeinclude` or the setting asked for them. */
  readonly copiedFiles: readonly string[];
}

const BRANCH_PREFIX_PATTERN = /^([a-z0-9][a-z0-9._-]*\/)*$/i;
export const INSIDE_FOLDER = '.worktrees';

/**
 * Creates an isolated worktree for an agent in one step. Every check runs before anything is
 * written; once `git worktree add` has run, any failure removes exactly what this call created
 * (the worktree, its branch, the folders made for it) and reports why.
 */
export async function createAgentWorktree(
  service: GitService,
  options: CreateAgentWorktreeOptions,
): Promise<CreatedAgentWorktree> {
  const repository = await invokingWorktree(service, options.repoPath);
  return service.mutate(repository.commonDir, async () => {
    const git = gitIn(service, repository.invoking);
    const planned = await planAgentWorktree(git, options, repository.commonDir, chooseSlug(options));
    const base = await chooseBase(git, options);
    // Read before anything is written: a refusal here leaves nothing to undo.
    const uncommitted = options.includeUncommitted
      ? await readUncommittedState(service, git, repository.invoking, repository.gitDir)
      : undefined;
    return makeAgentWorktree(git, options, repository, { ...planned, base, uncommitted });
  });
}

/** The worktree a create is invoked from; a missing folder, no repository or a bare one is refused. */
export async function invokingWorktree(
  service: GitService,
  repoPath: string,
): Promise<{ readonly invoking: string; readonly commonDir: string; readonly gitDir: string }> {
  const discovery = await service.discover(repoPath);
  if (discovery.kind === 'missing') throw new WorktreeOperationError('invalid', `Folder does not exist: ${repoPath}`);
  if (discovery.kind === 'not-a-repository') {
    throw new WorktreeOperationError('invalid', `Not in a git repository: ${repoPath} (${discovery.reason})`);
  }
  if (discovery.kind === 'bare') {
    throw new WorktreeOperationError('invalid', `${repoPath} is a bare repository: run this from one of its worktrees.`);
  }
  return { invoking: discovery.topLevel, commonDir: discovery.commonDir, gitDir: discovery.gitDir };
}

export function gitIn(service: GitService, cwd: string): Git {
  return (args, extra = {}) =>
    service.runner.run(args, { cwd: extra.cwd ?? cwd, acceptExitCodes: extra.accept ?? [0], env: extra.env });
}

/** What one agent worktree will be: its slug, branch and folder, all checked free (nothing written). */
export interface PlannedAgentWorktree {
  readonly slug: string;
  readonly branch: string;
  readonly target: string;
}

export async function planAgentWorktree(
  git: Git,
  options: CreateAgentWorktreeOptions,
  commonDir: string,
  slug: string,
): Promise<PlannedAgentWorktree> {
  const [planned] = await planAgentWorktrees(git, options, commonDir, [slug]);
  return planned as PlannedAgentWorktree;
}

/**
 * Several at once (attempts: `<slug>-1…N`) with three git processes in all, not three each: one
 * name check (valid slugs under one valid prefix are all valid or all not), one look for any of
 * the branches, one worktree list for the folders.
 */
export async function planAgentWorktrees(
  git: Git,
  options: CreateAgentWorktreeOptions,
  commonDir: string,
  slugs: readonly string[],
): Promise<PlannedAgentWorktree[]> {
  const branches = await chooseBranches(git, options, slugs);
  const targets = await chooseTargets(git, options, commonDir, slugs);
  return slugs.map((slug, index) => ({ slug, branch: branches[index] as string, target: targets[index] as string }));
}

/**
 * Creates one planned agent worktree (under the repository's mutation lock). `extra` is added to
 * its metadata (an attempt group). On failure it has removed what it made, and says so.
 */
export async function makeAgentWorktree(
  git: Git,
  options: CreateAgentWorktreeOptions,
  repository: { readonly invoking: string; readonly commonDir: string },
  planned: PlannedAgentWorktree & {
    readonly base: { readonly commit: string; readonly branch: string | undefined };
    readonly uncommitted: UncommittedState | undefined;
    readonly extra?: Partial<AgentMetadata>;
  },
): Promise<CreatedAgentWorktree> {
  const { slug, branch, target, base } = planned;
  const { invoking, commonDir } = repository;
  if (options.location === 'inside') await excludeInsideFolder(commonDir);
  const metadata: AgentMetadata = {
    version: 1,
    baseCommit: base.commit,
    branch,
    baseBranch: base.branch,
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    task: options.task?.trim() || undefined,
    createdFrom: invoking,
    agentCommand: options.agentCommand,
    ...planned.extra,
  };
  const ports = options.ports ? await portBlockFor(options.ports, target) : undefined;
  const withPorts: AgentMetadata = ports ? { ...metadata, ports } : metadata;
  try {
    const copiedFiles = await addWorktree(git, {
      target,
      branch,
      metadata: withPorts,
      uncommitted: planned.uncommitted,
      invoking,
      copyIncludes: options.copyIncludes,
    });
    return { path: target, branch, slug, commonDir, metadata: withPorts, copiedFiles };
  } catch (error) {
    if (ports) await releasePortBlock(target, options.ports?.registry).catch(() => undefined);
    throw error;
  }
}

/**
 * The worktree's block of ports, held before its folder exists (a block is claimed by path). No
 * block is no reason to refuse an agent its worktree: created without one (the tooltip says so).
 */
async function portBlockFor(settings: PortBlockSettings, target: string): Promise<PortBlock | undefined> {
  try {
    return await allocatePortBlock(settings, target);
  } catch {
    return undefined;
  }
}

/** 1. Name and branch, validated before anything else; an existing branch is never reused. */
async function chooseBranches(git: Git, options: CreateAgentWorktreeOptions, slugs: readonly string[]): Promise<string[]> {
  const prefix = options.branchPrefix ?? 'agent/';
  if (!BRANCH_PREFIX_PATTERN.test(prefix)) {
    throw new WorktreeOperationError(
      'invalid',
      `Branch prefix "${prefix}" must be empty or folder names ending in "/", like "agent/".`,
    );
  }
  const branches = slugs.map((slug) => `${prefix}${slug}`);
  const problem = slugs.map(slugProblem).find(Boolean);
  if (problem) throw new WorktreeOperationError('invalid', problem);
  // Every slug passed slugProblem: what git could still refuse is the prefix, the same for all.
  const refCheck = await git(['check-ref-format', '--branch', branches[0] as string], { accept: [0, 1, 128] });
  if (refCheck.exitCode !== 0) throw new WorktreeOperationError('invalid', `"${branches[0]}" is not a valid branch name.`);
  const wanted = new Set(branches.map((branch) => `refs/heads/${branch}`));
  const listed = await git(['for-each-ref', '--format=%(refname)', '--', ...wanted]);
  // The patterns also list branches under one (`agent/fix-2/old`): git could not create the name.
  const listedRefs = listed.stdout.split('\n').filter(Boolean);
  const taken = [...wanted].find((ref) => listedRefs.some((other) => other === ref || other.startsWith(`${ref}/`)));
  if (taken) {
    const name = taken.slice('refs/heads/'.length);
    const under = listedRefs.find((other) => other.startsWith(`${taken}/`));
    throw new WorktreeOperationError(
      'exists',
      under && !listedRefs.includes(taken)
        ? `Branch "${name}" cannot be made: "${under.slice('refs/heads/'.length)}" exists under that name. Choose another name.`
        : `Branch "${name}" already exists. Choose another name; an existing branch is never reused.`,
    );
  }
  return branches;
}

/** 2. Base: the invoking worktree's HEAD unless a ref was given. */
export async function chooseBase(
  git: Git,
  options: CreateAgentWorktreeOptions,
): Promise<{ commit: string; branch: string | undefined }> {
  const baseRef = options.baseRef ?? 'HEAD';
  if (baseRef.startsWith('-')) throw new WorktreeOperationError('invalid', `"${baseRef}" is not a revision.`);
  const resolved = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${baseRef}^{commit}`], {
    accept: [0, 1, 128],
  });
  if (resolved.exitCode !== 0) {
    const why =
      baseRef === 'HEAD' ? 'The repository has no commits yet: commit something first.' : `No commit named "${baseRef}".`;
    throw new WorktreeOperationError('invalid', why);
  }
  const commit = resolved.stdout.trim();
  if (options.includeUncommitted && options.baseRef !== undefined) {
    const head = (await git(['rev-parse', '--verify', 'HEAD^{commit}'])).stdout.trim();
    if (head !== commit) {
      throw new WorktreeOperationError(
        'invalid',
        'Uncommitted changes can only be brought along onto the invoking worktree’s own HEAD.',
      );
    }
  }
  return { commit, branch: await baseBranchName(git, options.baseRef) };
}

/** 3. Where: next to the main worktree (never nested in an agent worktree), never an existing folder. */
async function chooseTargets(
  git: Git,
  options: CreateAgentWorktreeOptions,
  commonDir: string,
  slugs: readonly string[],
): Promise<string[]> {
  const list = parseWorktreeList((await git(['worktree', 'list', '--porcelain', '-z'])).stdout);
  const main = list[0];
  if (!main) throw new WorktreeOperationError('failed', 'git listed no worktrees for this repository.');
  const targets: string[] = [];
  for (const slug of slugs) {
    const target = targetPath(options.location ?? 'sibling', main.bare ? commonDir : main.path, main.bare, slug);
    if (await pathExists(target)) {
      throw new WorktreeOperationError('exists', `${target} already exists. A folder is never reused for a new worktree.`);
    }
    targets.push(target);
  }
  return targets;
}

/**
 * 4. Create. What this call made, and only that, is undone on failure: another window may be
 * creating the same branch or folder at the same moment, and its worktree is not ours to remove.
 */
async function addWorktree(
  git: Git,
  plan: {
    readonly target: string;
    readonly branch: string;
    readonly metadata: AgentMetadata;
    readonly uncommitted: UncommittedState | undefined;
    readonly invoking: string;
    readonly copyIncludes: readonly string[] | undefined;
  },
): Promise<string[]> {
  const { target, branch } = plan;
  const createdFolder = await mkdir(path.dirname(target), { recursive: true });
  let branchCreated = false;
  let worktreeAdded = false;
  let hookFailed = false;
  try {
    // `git branch` refuses a branch that exists (also one made by another window since the check).
    await git(['branch', '--no-track', branch, plan.metadata.baseCommit]);
    branchCreated = true;
    try {
      await git(['worktree', 'add', '--quiet', '--', target, branch]);
    } catch (error) {
      // A post-checkout hook that fails makes git exit non-zero after the worktree was made: then
      // it is this call's (on the branch this call created) and goes with the rest.
      worktreeAdded = hookFailed = await holdsBranch(git, target, branch);
      throw error;
    }
    worktreeAdded = true;
    await writeAgentMetadata(await adminDirOf(target), plan.metadata);
    if (plan.uncommitted) await applyUncommittedState(git, target, plan.uncommitted);
    return await copyIncludedIgnoredFiles(git, plan.invoking, target, plan.copyIncludes ?? []);
  } catch (error) {
    const leftovers = await rollback(git, { target, branch, branchCreated, worktreeAdded, createdFolder });
    const reason = hookFailed
      ? `git made the worktree, but a hook of the repository failed (${failureReason(error).replace(/\.$/, '')}), so it was removed again`
      : failureReason(error).replace(/\.$/, '');
    throw new CreationFailed(reason, leftovers, error);
  }
}

/**
 * Creating one agent worktree failed, and what this call made was undone (but `leftovers`): the
 * reason and the leftovers apart, so that creating several attempts says them once for all.
 */
export class CreationFailed extends WorktreeOperationError {
  constructor(
    readonly reason: string,
    readonly leftovers: readonly string[],
    cause: unknown,
  ) {
    const tail = leftovers.length > 0 ? ` Could not undo: ${leftovers.join('; ')}.` : ' Nothing was left behind.';
    super('failed', `Creating the agent worktree failed: ${reason}.${tail}`, { cause });
  }
}

/** Whether git lists a worktree at `target` on `branch` (one the failed `worktree add` made). */
async function holdsBranch(git: Git, target: string, branch: string): Promise<boolean> {
  const listed = await git(['worktree', 'list', '--porcelain', '-z']).catch(() => undefined);
  if (!listed) return false;
  const real = await realOrResolved(target);
  return parseWorktreeList(listed.stdout).some(
    (record) => record.branchRef === `refs/heads/${branch}` && (samePath(record.path, target) || samePath(record.path, real)),
  );
}

export function chooseSlug(options: Pick<CreateAgentWorktreeOptions, 'name' | 'task'>): string {
  if (options.name !== undefined) {
    const problem = slugProblem(options.name);
    if (problem) throw new WorktreeOperationError('invalid', `Invalid worktree name "${options.name}": ${problem}`);
    return options.name;
  }
  const fromTask = options.task ? slugify(options.task) : '';
  return fromTask && !slugProblem(fromTask) ? fromTask : generateSlug();
}

async function baseBranchName(git: Git, baseRef: string | undefined): Promise<string | undefined> {
  if (baseRef === undefined) {
    const symbolic = await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], { accept: [0, 1] });
    return symbolic.exitCode === 0 ? symbolic.stdout.trim() || undefined : undefined;
  }
  const full = await git(['rev-parse', '--symbolic-full-name', '--end-of-options', baseRef], { accept: [0, 128] });
  const name = full.stdout.trim();
  return name.startsWith('refs/heads/') ? name.slice('refs/heads/'.length) : undefined;
}

export function targetPath(location: WorktreeLocation, anchor: string, anchorIsBare: boolean, slug: string): string {
  if (location === 'sibling') {
    const name = path.basename(anchor).replace(/\.git$/, '') || 'repo';
    return path.join(path.dirname(anchor), `${name}.worktrees`, slug);
  }
  if (location === 'inside') {
    if (anchorIsBare) throw new WorktreeOperationError('invalid', 'A bare repository has no folder to put worktrees inside.');
    return path.join(anchor, INSIDE_FOLDER, slug);
  }
  if (!path.isAbsolute(location.folder)) {
    throw new WorktreeOperationError('invalid', `The worktree location must be an absolute folder, not "${location.folder}".`);
  }
  return path.join(location.folder, slug);
}

/** `.worktrees/` goes into `<common-dir>/info/exclude`, the only exclude file git reads for all worktrees. */
async function excludeInsideFolder(commonDir: string): Promise<void> {
  const file = path.join(commonDir, 'info', 'exclude');
  let current = '';
  try {
    current = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const line = `/${INSIDE_FOLDER}/`;
  if (current.split(/\r?\n/).includes(line)) return;
  await mkdir(path.dirname(file), { recursive: true });
  const separator = current.length > 0 && !current.endsWith('\n') ? '\n' : '';
  await writeFile(file, `${current}${separator}# agent worktrees (Agent Worktrees extension)\n${line}\n`);
}

export async function adminDirOf(worktree: string): Promise<string> {
  const pointer = await readFile(path.join(worktree, '.git'), 'utf8');
  const match = /^gitdir: (.+)$/m.exec(pointer);
  if (!match?.[1]) throw new Error(`${worktree}/.git does not point at an admin dir`);
  return path.resolve(worktree, match[1].trim());
}

/** Undo what this call created, and only that. Returns what could not be undone. */
export async function rollback(
  git: Git,
  created: {
    target: string;
    branch: string;
    branchCreated: boolean;
    worktreeAdded: boolean;
    createdFolder: string | undefined;
  },
): Promise<string[]> {
  const leftovers: string[] = [];
  if (created.worktreeAdded) {
    // A worktree this call just made holds nothing but what it put there: forcing is safe.
    await git(['worktree', 'remove', '--force', '--force', '--', created.target]).catch(() =>
      leftovers.push(`worktree ${created.target}`),
    );
  }
  if (created.branchCreated) {
    await git(['branch', '-D', '--', created.branch]).catch(() => leftovers.push(`branch ${created.branch}`));
  }
  await removeMadeFolders(path.dirname(created.target), created.createdFolder);
  return leftovers;
}

/** The folders `mkdir -p` of `innermost` made (it returned `outermost`), innermost first, only while empty. */
export async function removeMadeFolders(innermost: string, outermost: string | undefined): Promise<void> {
  if (!outermost) return;
  let folder = innermost;
  while (folder.length >= outermost.length) {
    await rmdir(folder).catch(() => undefined);
    if (folder === outermost) break;
    folder = path.dirname(folder);
  }
}
