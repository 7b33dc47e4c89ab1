import type { WorktreeSnapshot } from './worktrees';

/** Agent worktrees that are attempts at the same task (New Agent Attempts), in attempt order. */
export interface AttemptGroup {
  readonly group: string;
  readonly task: string | undefined;
  /** How many the group was created with (some may have been discarded since). */
  readonly created: number;
  readonly members: readonly WorktreeSnapshot[];
}

/**
 * The worktrees as the view lists them: each attempt group (two or more members still there) in
 * one entry where its first member was; everything else, a lone attempt included, as it was.
 */
export function arrangeByAttempts(snapshots: readonly WorktreeSnapshot[]): Array<WorktreeSnapshot | AttemptGroup> {
  const groups = new Map<string, WorktreeSnapshot[]>();
  for (const snapshot of snapshots) {
    const group = snapshot.worktree.agent?.attempt?.group;
    if (group) groups.set(group, [...(groups.get(group) ?? []), snapshot]);
  }
  const arranged: Array<WorktreeSnapshot | AttemptGroup> = [];
  const placed = new Set<string>();
  for (const snapshot of snapshots) {
    const group = snapshot.worktree.agent?.attempt?.group;
    const members = group ? (groups.get(group) ?? []) : [];
    if (!group || members.length < 2) arranged.push(snapshot);
    else if (!placed.has(group)) {
      placed.add(group);
      arranged.push(attemptGroup(group, members));
    }
  }
  return arranged;
}

/** The group `group` among these worktrees, undefined when none of them is in it. */
export function findAttemptGroup(snapshots: readonly WorktreeSnapshot[], group: string): AttemptGroup | undefined {
  const members = snapshots.filter((snapshot) => snapshot.worktree.agent?.attempt?.group === group);
  return members.length > 0 ? attemptGroup(group, members) : undefined;
}

export function isAttemptGroup(entry: WorktreeSnapshot | AttemptGroup): entry is AttemptGroup {
  return 'members' in entry;
}

function attemptGroup(group: string, members: readonly WorktreeSnapshot[]): AttemptGroup {
  const sorted = [...members].sort((a, b) => (a.worktree.agent?.attempt?.index ?? 0) - (b.worktree.agent?.attempt?.index ?? 0));
  const first = sorted[0]?.worktree.agent;
  return { group, task: first?.task, created: first?.attempt?.count ?? sorted.length, members: sorted };
}
