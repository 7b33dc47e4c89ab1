import * as path from 'node:path';
import { deleteTrash, listTrash, restoreFromTrash, type TrashItem } from '../../src/agents';
import { git } from '../unit/helpers/gitFixture';
import type { Step } from './commands';
import { trashSaveFaulted } from './faults';
import { type ProductOutcome, Violation, type World } from './world';

/** The fuzzer's steps on the trash (issue 15): restore, the user re-using a branch name, purge. */

const commonDirOf = (world: World) => path.join(world.main, '.git');

async function pickItem(world: World, choice: number): Promise<TrashItem | undefined> {
  const { items } = await listTrash(world.service, commonDirOf(world));
  return items.length === 0 ? undefined : items[choice % items.length];
}

const branchTip = (world: World, branch: string) => {
  try {
    return git(world.main, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`).trim();
  } catch {
    return undefined;
  }
};

/**
 * Restore Discarded Agent Work on one item. By the facts: when its branch name now points elsewhere
 * it must be refused with `exists`, changing nothing — then, with `rename`, restored under a new
 * name; when nothing stands in its way it must succeed.
 */
export class Restore implements Step {
  constructor(
    readonly choice: number,
    readonly rename: boolean,
  ) {}
  async run(world: World) {
    const item = await pickItem(world, this.choice);
    if (!item) return;
    const tip = item.branch ? branchTip(world, item.branch) : undefined;
    const taken = tip !== undefined && tip !== item.head;
    const checkedOut = item.branch !== undefined && world.last.worktrees.some((worktree) => worktree.branch === item.branch);
    await world.product(String(this), async (): Promise<ProductOutcome> => {
      let branch: string | undefined;
      if (taken) {
        const refused = await restoreFromTrash(world.service, commonDirOf(world), item.id).then(
          () => undefined,
          (error: Error & { code?: string }) => error,
        );
        if (refused?.code !== 'exists')
          throw new Violation(
            `${this}: ${item.branch} points elsewhere, but the restore ${refused ? `failed with ${refused.code}: ${refused.message}` : 'went through'}`,
          );
        world.count('restore over a re-used branch name had to be refused');
        if (!this.rename) throw refused;
        branch = `${item.branch}-restored-${world.created++}`;
      }
      try {
        const restored = await restoreFromTrash(world.service, commonDirOf(world), item.id, { branch });
        world.count('restore had to succeed');
        return { restored: { path: restored.path } };
      } catch (error) {
        if (checkedOut || trashSaveFaulted(world)) throw error; // git may refuse a branch checked out elsewhere
        throw new Violation(`${this}: nothing stood in the way of restoring ${item.id}, but: ${(error as Error).message}`);
      }
    });
  }
  toString() {
    return `new Restore(${this.choice}, ${this.rename})`;
  }
}

/** The user creates a branch with the name of a trashed item's branch (deleted by its discard), elsewhere. */
export class ReuseBranchName implements Step {
  constructor(readonly choice: number) {}
  async run(world: World) {
    const item = await pickItem(world, this.choice);
    if (!item?.branch || branchTip(world, item.branch) !== undefined) return;
    const branch = item.branch;
    await world.actor(world.main, `${this} // ${branch}`, () => {
      git(world.main, 'commit', '--quiet', '--allow-empty', '--no-verify', '-m', 'the user moves on');
      git(world.main, 'branch', '--', branch);
    });
  }
  toString() {
    return `new ReuseBranchName(${this.choice})`;
  }
}

/** Retention: the user confirmed deleting a trash item for good (Clean Up Stale offered it). */
export class PurgeTrash implements Step {
  constructor(readonly choice: number) {}
  async run(world: World) {
    const item = await pickItem(world, this.choice);
    if (!item) return;
    await world.product(String(this), async () => {
      await deleteTrash(world.service, commonDirOf(world), [item]);
      return { purged: true };
    });
  }
  toString() {
    return `new PurgeTrash(${this.choice})`;
  }
}
