import * as path from 'node:path';
import type { AttemptGroup, TrashItem, WorktreeSnapshot } from '../agents';
import { programOf } from '../commands/agentProgram';
import type { AgentActivity, AgentState } from './agentActivity';

/**
 * How a worktree reads in the view: pure functions over a snapshot (no `vscode` import),
 * so every label, description and menu key is unit-tested without an editor.
 */

export type WorktreeKind = 'bare' | 'gone' | 'prunable' | 'locked' | 'main' | 'agent' | 'detached' | 'linked';

/** The single most important fact for the icon: a missing folder outranks a lock, etc. */
export function worktreeKind({ worktree }: WorktreeSnapshot): WorktreeKind {
  if (worktree.bare) return 'bare';
  if (worktree.gone) return 'gone';
  if (worktree.prunable) return 'prunable';
  if (worktree.locked) return 'locked';
  if (worktree.isMain) return 'main';
  if (worktree.agent) return 'agent';
  if (worktree.detached || !worktree.branch) return 'detached';
  return 'linked';
}

/**
 * `worktree+main+dirty+locked…`: every true flag, in a fixed order, so `package.json` menus can
 * match with `viewItem =~ /\+dirty\b/` and negate with `!(viewItem =~ /\+gone\b/)`.
 */
export function worktreeContextValue(snapshot: WorktreeSnapshot): string {
  const { worktree, status } = snapshot;
  const flags: Array<[string, boolean]> = [
    ['main', worktree.isMain && !worktree.bare],
    ['linked', !worktree.isMain],
    ['agent', worktree.agent !== undefined],
    ['attempt', worktree.agent?.attempt !== undefined],
    ['bare', worktree.bare],
    ['detached', worktree.detached],
    ['dirty', status?.dirty === true],
    ['conflicted', (status?.conflicted ?? 0) > 0],
    ['locked', worktree.locked],
    ['prunable', worktree.prunable],
    ['gone', worktree.gone],
    ['error', snapshot.statusError !== undefined],
  ];
  return ['worktree', ...flags.filter(([, on]) => on).map(([name]) => name)].join('+');
}

/** `●2 +1 ?3 !1`: unstaged, staged, untracked, conflicted; only the non-zero ones. */
export function changeSummary(counts: { staged: number; unstaged: number; untracked: number; conflicted: number }): string {
  const parts: string[] = [];
  if (counts.unstaged) parts.push(`●${counts.unstaged}`);
  if (counts.staged) parts.push(`+${counts.staged}`);
  if (counts.untracked) parts.push(`?${counts.untracked}`);
  if (counts.conflicted) parts.push(`!${counts.conflicted}`);
  return parts.join(' ');
}

export function shortSha(sha: string | undefined): string {
  return sha ? sha.slice(0, 8) : '';
}

/**
 * What follows the label: `branch · ●2 +1 ?3 · ↑1 ↓2 · 3h` (`base ↓N`: an agent's base branch gained N commits). An agent worktree's row leaves out its
 * branch and task (its name says which; the tooltip has both): at the default sidebar width the
 * agent's state and the counts must fit.
 */
export function worktreeDescription(snapshot: WorktreeSnapshot, now: number, baseBehind?: number): string {
  const { worktree, status, statusError } = snapshot;
  const branch = status?.branch ?? worktree.branch;
  const head = status?.headOid ?? worktree.head;
  const parts: string[] = [];
  if (worktree.bare) parts.push('bare repository');
  else if (worktree.agent) {
    // Named after its task already.
  } else if (branch) parts.push(branch);
  else if (head && !/^0+$/.test(head)) parts.push(`detached at ${shortSha(head)}`);
  else parts.push('detached');

  if (worktree.gone) parts.push('folder missing');
  else if (statusError) parts.push('status unavailable');
  if (status) {
    const changes = changeSummary(status);
    if (changes) parts.push(changes);
    const distance = upstreamDistance(status.ahead, status.behind);
    if (distance) parts.push(distance);
    // An agent's base branch gained commits since it started (Update from Base… brings them in).
    if (baseBehind) parts.push(`base ↓${baseBehind}`);
    if (status.lastActivityAt !== undefined) parts.push(formatAge(now - status.lastActivityAt));
  }
  return parts.join(' · ');
}

export function upstreamDistance(ahead: number | undefined, behind: number | undefined): string {
  const parts: string[] = [];
  if (ahead) parts.push(`↑${ahead}`);
  if (behind) parts.push(`↓${behind}`);
  return parts.join(' ');
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Compact age: `now`, `5m`, `3h`, `2d`, `3w`, `4mo`, `2y`. */
export function formatAge(elapsedMs: number): string {
  const elapsed = Math.max(0, elapsedMs);
  if (elapsed < MINUTE) return 'now';
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)}m`;
  if (elapsed < DAY) return `${Math.floor(elapsed / HOUR)}h`;
  if (elapsed < 14 * DAY) return `${Math.floor(elapsed / DAY)}d`;
  if (elapsed < 60 * DAY) return `${Math.floor(elapsed / (7 * DAY))}w`;
  if (elapsed < 365 * DAY) return `${Math.floor(elapsed / (30 * DAY))}mo`;
  return `${Math.floor(elapsed / (365 * DAY))}y`;
}

/** For sentences: `just now`, `5m ago`, `3h ago`. */
export function formatAgo(elapsedMs: number): string {
  const age = formatAge(elapsedMs);
  return age === 'now' ? 'just now' : `${age} ago`;
}

export interface WorktreeBadge {
  /** At most two characters (VS Code's limit for decoration badges). */
  readonly badge: string;
  readonly tooltip: string;
  /** A theme colour id. */
  readonly color: string | undefined;
}

/** The badge at the right edge of a row: the most urgent thing to know about the worktree. */
export function worktreeBadge(snapshot: WorktreeSnapshot): WorktreeBadge | undefined {
  const { worktree, status, statusError } = snapshot;
  if (worktree.gone) {
    return { badge: '✕', tooltip: 'Folder missing', color: 'gitDecoration.deletedResourceForeground' };
  }
  if (statusError) return { badge: '⚠', tooltip: 'Status could not be read', color: 'list.errorForeground' };
  if (!status) return undefined;
  if (status.conflicted > 0) {
    return { badge: '!', tooltip: `${status.conflicted} conflicted`, color: 'gitDecoration.conflictingResourceForeground' };
  }
  const changed = status.staged + status.unstaged + status.untracked;
  if (changed > 0) {
    const onlyUntracked = status.staged + status.unstaged === 0;
    return {
      badge: changed > 99 ? '99' : String(changed),
      tooltip: changeSentence(status),
      color: onlyUntracked ? 'gitDecoration.untrackedResourceForeground' : 'gitDecoration.modifiedResourceForeground',
    };
  }
  if (worktree.prunable) return { badge: 'P', tooltip: 'Prunable', color: 'list.warningForeground' };
  if (worktree.locked) return { badge: 'L', tooltip: 'Locked', color: undefined };
  return undefined;
}

export function changeSentence(counts: { staged: number; unstaged: number; untracked: number; conflicted: number }): string {
  const parts = [
    counts.staged && `${counts.staged} staged`,
    counts.unstaged && `${counts.unstaged} unstaged`,
    counts.untracked && `${counts.untracked} untracked`,
    counts.conflicted && `${counts.conflicted} conflicted`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'No changes';
}

/** How an agent's state reads in its row: a short word, a codicon and its colour; nothing when no agent runs. */
export function agentStatusLook(
  activity: AgentActivity,
): { readonly word: string; readonly icon: string; readonly color: string | undefined } | undefined {
  switch (activity.state) {
    case 'working':
      return { word: 'working', icon: 'loading~spin', color: undefined };
    case 'waiting':
      return { word: 'waiting', icon: 'bell-dot', color: 'list.warningForeground' };
    case 'done':
      return { word: 'done', icon: 'pass', color: 'testing.iconPassed' };
    case 'failed':
      return {
        word: activity.exitCode === undefined ? 'failed' : `failed (${activity.exitCode})`,
        icon: 'error',
        color: 'list.errorForeground',
      };
    case 'not-running':
      return undefined;
  }
}

/** The tooltip's sentence about the agent: what it is doing since when, and the last line it printed. */
export function agentStatusSentence(activity: AgentActivity, now: number): string | undefined {
  const since = formatAgo(now - activity.since);
  const sentence = {
    working: `Agent working (since ${since})`,
    waiting: `Agent waiting — needs you? (quiet since ${since})`,
    done: `Agent done (exit 0, ${since})`,
    failed: `Agent failed${activity.exitCode === undefined ? '' : ` with exit code ${activity.exitCode}`} (${since})`,
    'not-running': undefined,
  }[activity.state];
  if (!sentence) return undefined;
  const last = activity.lastLine ? ` · last output: ${activity.lastLine}` : '';
  const partial =
    activity.source === 'terminal-only'
      ? ' · no shell integration in its terminal: known from the terminal and file changes only'
      : activity.source === 'reattached'
        ? ' · its terminal is back after a window reload: known from file changes and the terminal closing only'
        : '';
  return `${sentence}${last}${partial}`;
}

/** The status bar's summary of every agent: `2 working · 1 waiting · 1 done`; undefined when none runs or ran. */
export function agentsSummary(states: Iterable<AgentState>): string | undefined {
  const counts = new Map<AgentState, number>();
  for (const state of states) counts.set(state, (counts.get(state) ?? 0) + 1);
  const order: AgentState[] = ['working', 'waiting', 'failed', 'done'];
  const parts = order.flatMap((state) => (counts.get(state) ? [`${counts.get(state)} ${state}`] : []));
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

export function trashLabel(item: Pick<TrashItem, 'agent' | 'path'>): string {
  const task = item.agent?.task;
  if (!task) return path.basename(item.path);
  // Attempts share their task: the number tells them apart.
  const attempt = item.agent?.attempt;
  return attempt ? `${task} · attempt #${attempt.index}` : task;
}

/** `3 files, 2 commits · agent/fix-login · 2 hours ago` */
export function trashDescription(item: Pick<TrashItem, 'files' | 'commits' | 'branch' | 'savedAt'>, now = Date.now()): string {
  const held = [
    item.files > 0 ? `${item.files} uncommitted file${item.files === 1 ? '' : 's'}` : undefined,
    item.commits > 0 ? `${item.commits} commit${item.commits === 1 ? '' : 's'}` : undefined,
  ].filter(Boolean);
  return [held.join(', ') || 'no changes', item.branch ?? 'detached', formatAgo(now - Date.parse(item.savedAt))].join(' · ');
}

/** An attempt group's row: `3 attempts · 2 working, 1 done` (states of agents that ran or run). */
export function attemptsDescription(attempts: AttemptGroup, states: ReadonlyArray<AgentState | undefined>): string {
  const count = attempts.members.length;
  const of = count < attempts.created ? ` of ${attempts.created}` : '';
  const tally = new Map<AgentState, number>();
  for (const state of states) if (state && state !== 'not-running') tally.set(state, (tally.get(state) ?? 0) + 1);
  const order: AgentState[] = ['working', 'waiting', 'failed', 'done'];
  const summary = order
    .filter((state) => tally.has(state))
    .map((state) => `${tally.get(state)} ${state}`)
    .join(', ');
  return `${count}${of} attempts${summary ? ` · ${summary}` : ''}`;
}

/**
 * `#2 · codex` for an attempt shown under its task (its group has two or more attempts here), else
 * undefined. The agent is its command's program (as Run Agent finds it), without folders or arguments.
 */
export function attemptLabel(snapshot: WorktreeSnapshot, siblings: readonly WorktreeSnapshot[]): string | undefined {
  const attempt = snapshot.worktree.agent?.attempt;
  if (!attempt) return undefined;
  const members = siblings.filter((sibling) => sibling.worktree.agent?.attempt?.group === attempt.group).length;
  if (members < 2) return undefined;
  const command = snapshot.worktree.agent?.agentCommand;
  const program = command ? programOf(command)?.split(/[\\/]/).pop() : undefined;
  return program ? `#${attempt.index} · ${program.slice(0, 24)}` : `#${attempt.index}`;
}
