import type { WorktreeSnapshot } from '../agents';

/**
 * How far each agent's base branch moved since the agent started, for the rows: known without
 * git when the branch is checked out in a worktree of the repository (its HEAD is the tip) and has
 * not moved; counted once (`rev-list --count`) per base commit and tip otherwise, then remembered.
 * A refresh never waits for it: the row shows it once counted.
 */
export class BaseDriftCache {
  private readonly counts = new Map<string, number | 'counting' | 'failed'>();
  private announce: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly countCommits: (cwd: string, range: string) => Promise<number>,
    private readonly onCounted: () => void,
  ) {}

  /** Commits the base branch gained since the agent's base; undefined when not known (yet). */
  commitsBehind(snapshot: WorktreeSnapshot, repositoryWorktrees: readonly WorktreeSnapshot[]): number | undefined {
    const agent = snapshot.worktree.agent;
    if (!agent?.baseBranch || snapshot.worktree.gone) return undefined;
    const holder = repositoryWorktrees.find(({ worktree }) => worktree.branch === agent.baseBranch && !worktree.gone);
    const tip = holder ? (holder.status?.headOid ?? holder.worktree.head) : undefined;
    if (!tip || /^0+$/.test(tip)) return undefined;
    if (tip === agent.baseCommit) return 0;
    const range = `${agent.baseCommit}..${tip}`;
    const known = this.counts.get(range);
    if (typeof known === 'number') return known;
    if (known === undefined) {
      this.counts.set(range, 'counting');
      this.countCommits(snapshot.worktree.path, range).then(
        (count) => {
          this.counts.set(range, count);
          // Counts arrive together after a refresh: the view is redrawn once for all of them.
          this.announce ??= setTimeout(() => {
            this.announce = undefined;
            this.onCounted();
          }, 100);
        },
        () => this.counts.set(range, 'failed'),
      );
    }
    return undefined;
  }
}
