// What `agent-worktrees list --json` prints: stable field names, documented in the README.
import { baseBranchGained, type GitService, hasUnkeptWork, type RepositorySnapshot, type WorktreeSnapshot } from '../agents';

export interface ListedWorktree {
  readonly path: string;
  readonly branch: string | null;
  readonly head: string | null;
  readonly main: boolean;
  readonly locked: boolean;
  /** Its folder is missing. */
  readonly gone: boolean;
  readonly dirty: boolean;
  readonly staged: number;
  readonly unstaged: number;
  readonly untracked: number;
  readonly conflicted: number;
  /** Why git status could not be read (the counts are then 0, not "clean"). */
  readonly statusError: string | null;
  readonly agent: {
    readonly task: string | null;
    readonly branch: string | null;
    readonly baseBranch: string | null;
    readonly baseCommit: string;
    readonly createdAt: string;
    readonly agentCommand: string | null;
    /** Commits on it since its base. */
    readonly commitsSinceBase: number | null;
    /** Commits its base branch gained since it was made (drift). */
    readonly baseGained: number | null;
    /** The kept-up-to commit after a Keep; null when nothing was kept. */
    readonly keptUpTo: string | null;
    /** It has work not kept yet (what the view's badge counts; `diff` says exactly what). */
    readonly unkeptWork: boolean;
    /** One of several attempts at the same task (`new --attempts`): its group and place in it. */
    readonly attempt: { readonly group: string; readonly index: number; readonly count: number } | null;
  } | null;
}

export interface Listing {
  readonly repository: { readonly commonDir: string; readonly name: string };
  readonly worktrees: readonly ListedWorktree[];
  /** Items in the repository's trash (`agent-worktrees trash`). */
  readonly trash: number;
}

export async function listing(service: GitService, snapshot: RepositorySnapshot): Promise<Listing> {
  return {
    repository: { commonDir: snapshot.commonDir, name: snapshot.name },
    worktrees: await Promise.all(snapshot.worktrees.map((entry) => listed(service, entry))),
    trash: snapshot.trash?.length ?? 0,
  };
}

async function listed(service: GitService, snapshot: WorktreeSnapshot): Promise<ListedWorktree> {
  const { worktree, status, statusError } = snapshot;
  const agent = worktree.agent;
  const head = status?.headOid ?? worktree.head;
  const reachable = agent && !worktree.gone && head !== undefined;
  const [commitsSinceBase, baseGained] = reachable
    ? await Promise.all([
        service.countCommits(worktree.path, `${agent.baseCommit}..${head}`).catch(() => undefined),
        baseBranchGained(service, worktree.path, agent),
      ])
    : [undefined, undefined];
  return {
    path: worktree.path,
    branch: worktree.branch ?? null,
    head: head ?? null,
    main: worktree.isMain,
    locked: worktree.locked,
    gone: worktree.gone,
    dirty: status?.dirty ?? false,
    staged: status?.staged ?? 0,
    unstaged: status?.unstaged ?? 0,
    untracked: status?.untracked ?? 0,
    conflicted: status?.conflicted ?? 0,
    statusError: statusError?.message ?? null,
    agent: agent
      ? {
          task: agent.task ?? null,
          branch: agent.branch ?? null,
          baseBranch: agent.baseBranch ?? null,
          baseCommit: agent.baseCommit,
          createdAt: agent.createdAt,
          agentCommand: agent.agentCommand ?? null,
          commitsSinceBase: commitsSinceBase ?? null,
          baseGained: baseGained ?? null,
          keptUpTo: agent.keptUpTo ?? null,
          unkeptWork: hasUnkeptWork(snapshot),
          attempt: agent.attempt ?? null,
        }
      : null,
  };
}

/** One line per worktree for people: `path  branch  +2 ~1 ?3  agent: task`. */
export function listingLines(list: Listing): string[] {
  return list.worktrees.map((entry) => {
    const counts = [
      entry.staged ? `+${entry.staged}` : '',
      entry.unstaged ? `~${entry.unstaged}` : '',
      entry.untracked ? `?${entry.untracked}` : '',
      entry.conflicted ? `!${entry.conflicted}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    const state = [entry.main ? 'main' : '', entry.locked ? 'locked' : '', entry.gone ? 'folder missing' : '']
      .filter(Boolean)
      .join(', ');
    const agent = entry.agent
      ? `agent${entry.agent.task ? `: ${entry.agent.task}` : ''}${entry.agent.baseGained ? ` (base ↓${entry.agent.baseGained})` : ''}${entry.agent.attempt ? ` · attempt ${entry.agent.attempt.index}/${entry.agent.attempt.count}` : ''}${entry.agent.unkeptWork ? ' · to review' : ''}`
      : '';
    return [entry.path, entry.branch ?? '(detached)', counts || 'clean', state, agent].filter(Boolean).join('  ');
  });
}
