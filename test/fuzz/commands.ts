import { rmSync } from 'node:fs';
import * as path from 'node:path';
import {
  type AgentChanges,
  cherryPickAgentCommits,
  createAgentWorktree,
  executeRemoval,
  findStaleWorktrees,
  getAgentChanges,
  type KeepResult,
  keep,
  listKeeps,
  planRemoval,
  type RemovalOutcome,
  type RemovalPlan,
  type RemovalRequest,
  splitHunks,
  splitPatch,
  undoKeep,
} from '../../src/agents';
import { git } from '../unit/helpers/gitFixture';
import { applyEdit, type EditKind } from './edits';
import { adminIdOf, clearFault, type FaultKind, injectFault } from './faults';
import { checkRemoved, expectKeep, expectRemoval, type KeepExpectation, refusedRemoval } from './liveness';
import { type ProductOutcome, Violation, type World } from './world';

/**
 * The lifecycle steps the fuzzer draws from. Each prints as the TypeScript that builds it, so a
 * shrunk counterexample pastes straight into `lifecycleRegressions.test.ts`.
 */
export interface Step {
  run(world: World): Promise<void>;
  toString(): string;
}

/** Captures shown in a review, by worktree: a later keep may act on a review that is out of date. */
const reviews = new WeakMap<World, Map<string, AgentChanges>>();

const quote = (value: unknown) => JSON.stringify(value).replace(/"/g, "'");
const commonDirOf = (world: World) => path.join(world.main, '.git');

export class Create implements Step {
  constructor(
    readonly includeUncommitted: boolean,
    readonly inside: boolean,
  ) {}
  run(world: World) {
    const name = `a${++world.created}`;
    return world.product(String(this), async () => {
      await createAgentWorktree(world.service, {
        repoPath: world.main,
        name,
        includeUncommitted: this.includeUncommitted,
        location: this.inside ? 'inside' : 'sibling',
      });
      return undefined;
    });
  }
  toString() {
    return `new Create(${this.includeUncommitted}, ${this.inside})`;
  }
}

export class AgentEdit implements Step {
  constructor(
    readonly worktree: number,
    readonly kind: EditKind,
    readonly file: number,
    readonly variant: number,
  ) {}
  async run(world: World) {
    const target = world.pick(this.worktree, (worktree) => !worktree.gone);
    if (!target) return;
    await world.actor(target.path, String(this), () => {
      applyEdit(world, target.path, this.kind, this.file, this.variant);
    });
  }
  toString() {
    return `new AgentEdit(${this.worktree}, ${quote(this.kind)}, ${this.file}, ${this.variant})`;
  }
}

export class AgentCommit implements Step {
  constructor(
    readonly worktree: number,
    readonly stageOnly: boolean,
  ) {}
  async run(world: World) {
    const target = world.pick(this.worktree, (worktree) => !worktree.gone);
    if (!target) return;
    await world.actor(target.path, String(this), () => commitAll(target.path, this.stageOnly));
  }
  toString() {
    return `new AgentCommit(${this.worktree}, ${this.stageOnly})`;
  }
}

export class UserEdit implements Step {
  constructor(
    readonly kind: EditKind,
    /** Edit a file some agent changed too (the overlap Keep must never overwrite). */
    readonly overlap: boolean,
    readonly file: number,
    readonly variant: number,
  ) {}
  async run(world: World) {
    const candidates = this.overlap ? filesAgentsChanged(world) : undefined;
    await world.actor(world.main, String(this), () => {
      applyEdit(world, world.main, this.kind, this.file, this.variant, candidates?.length ? candidates : undefined);
    });
  }
  toString() {
    return `new UserEdit(${quote(this.kind)}, ${this.overlap}, ${this.file}, ${this.variant})`;
  }
}

export class UserCommit implements Step {
  constructor(readonly stageOnly: boolean) {}
  run(world: World) {
    return world.actor(world.main, String(this), () => commitAll(world.main, this.stageOnly));
  }
  toString() {
    return `new UserCommit(${this.stageOnly})`;
  }
}

/** What the review panel shows: a capture, remembered for a later Keep of the reviewed state. */
export class Review implements Step {
  constructor(readonly worktree: number) {}
  async run(world: World) {
    const target = world.pick(this.worktree);
    if (!target) return;
    await world.product(String(this), async () => {
      const changes = await getAgentChanges(world.service, target.path);
      if (!reviews.has(world)) reviews.set(world, new Map());
      reviews.get(world)?.set(target.path, changes);
      return undefined;
    });
  }
  toString() {
    return `new Review(${this.worktree})`;
  }
}

export class Keep implements Step {
  constructor(
    readonly worktree: number,
    readonly mode: 'all' | 'files' | 'hunks',
    /** Keep the last reviewed capture (possibly out of date) rather than the state now. */
    readonly reviewed: boolean,
    readonly allowConflicts: boolean,
    /** Bits choosing files and hunks. */
    readonly choice: number,
    /** Keep onto another agent worktree rather than the main one it came from. */
    readonly elsewhere = false,
    /** Keep the rest when files cannot be merged with the target's own edits (the user agreed). */
    readonly skipUnmergeable = false,
    /** Keep and Commit: the kept paths become a commit in the target. */
    readonly commit = false,
  ) {}
  async run(world: World) {
    const target = world.pick(this.worktree);
    if (!target) return;
    const onto = this.elsewhere ? world.pick(this.choice, (other) => !other.gone && other.path !== target.path) : undefined;
    // Liveness is claimed for keeping everything as it is now; a selection may legitimately be refused.
    const expected: KeepExpectation =
      this.mode === 'all' && !this.reviewed ? expectKeep(world, target.path, onto?.path) : { kind: 'no-claim' };
    await world.product(String(this), async (): Promise<ProductOutcome> => {
      const shown = this.reviewed ? reviews.get(world)?.get(target.path) : undefined;
      const changes = shown ?? (this.mode === 'all' ? undefined : await getAgentChanges(world.service, target.path));
      const options: Parameters<typeof keep>[2] = {
        reviewed: shown,
        allowConflicts: this.allowConflicts,
        skipUnmergeable: this.skipUnmergeable,
        target: onto?.path,
        commit: this.commit ? { message: `fuzz keep ${world.created}` } : undefined,
      };
      if (changes && this.mode !== 'all') {
        const files = changes.files.filter((_, index) => (this.choice >> index) & 1);
        const chosen = files.length > 0 ? files : changes.files.slice(0, 1);
        const hunks: Record<string, number[]> = {};
        if (this.mode === 'hunks') {
          const sections = splitPatch(changes.patch);
          for (const file of chosen) {
            const section = sections[changes.files.indexOf(file)];
            const count = section && !file.binary ? splitHunks(section).hunks.length : 0;
            const picked = Array.from({ length: count }, (_, index) => index).filter((index) => (this.choice >> (index + 3)) & 1);
            if (count > 0) hunks[file.path] = picked.length > 0 ? picked : [0];
          }
        }
        Object.assign(options, { files: chosen.map((file) => file.path), hunks });
      }
      const result = await keepAsExpected(world, String(this), target.path, expected, () =>
        keep(world.service, target.path, options),
      );
      return { kept: { agent: target.path, target: result.target } };
    });
  }
  toString() {
    const flags = `${this.reviewed}, ${this.allowConflicts}, ${this.choice}, ${this.elsewhere}, ${this.skipUnmergeable}, ${this.commit}`;
    return `new Keep(${this.worktree}, ${quote(this.mode)}, ${flags})`;
  }
}

/**
 * Runs a keep against what the facts say of it: one with nothing in its way must succeed; one
 * under a fault may be refused (the world then checks that the target is exactly as it was).
 */
async function keepAsExpected(
  world: World,
  label: string,
  agentPath: string,
  expected: KeepExpectation,
  run: () => Promise<KeepResult>,
): Promise<KeepResult> {
  try {
    const result = await run();
    if (expected.kind === 'must-succeed') world.count('keep had to succeed');
    // A keep that kept nothing (every file left out with consent) has nothing to record.
    if (expected.kind === 'under-fault' && result.keptFiles.length > 0) requireRecorded(world, label, agentPath, result);
    return result;
  } catch (error) {
    if (expected.kind === 'must-succeed' && !(error instanceof Violation)) {
      throw new Violation(`${label}: nothing stood in the way of this keep (${expected.why}), but it failed: ${failure(error)}`);
    }
    if (expected.kind === 'under-fault') world.count(`keep refused under a fault (${expected.faults.join(', ')})`);
    throw error;
  }
}

/**
 * A keep that went through although a fault stood in the way of its bookkeeping must still have
 * recorded what it kept: its kept-up-to ref holds the commit it reports (else the next review
 * would show the kept work again, and removal would count it as unkept).
 */
function requireRecorded(world: World, label: string, agentPath: string, result: KeepResult): void {
  world.count('keep went through under a fault');
  const adminId = adminIdOf(world, agentPath);
  const ref = `refs/agent-worktrees/kept/${adminId}`;
  const recorded = adminId ? git(world.main, 'for-each-ref', '--format=%(objectname)', ref).trim() : '';
  if (!result.keptUpTo || recorded !== result.keptUpTo) {
    throw new Violation(`${label}: went through under a fault, but ${ref} is ${recorded || 'absent'}, not ${result.keptUpTo}`);
  }
}

const failure = (error: unknown) =>
  `${(error as Error)?.name ?? 'error'} ${String((error as { code?: unknown }).code)}: ${(error as Error)?.message ?? error}`;

/**
 * Remove or Discard, alone or in a batch that may also name the main worktree, a plain folder, a
 * missing path or the same worktree twice. `force` stands for the user confirming the plan's modal.
 */
export class Remove implements Step {
  constructor(
    readonly worktrees: readonly number[],
    readonly extra: 'none' | 'main' | 'plain-folder' | 'missing' | 'duplicate',
    readonly force: boolean,
    readonly forceLocked: boolean,
    readonly deleteBranch: boolean,
  ) {}
  async run(world: World) {
    const picked = [...new Set(this.worktrees.map((index) => world.pick(index)?.path).filter((found) => found !== undefined))];
    if (picked.length === 0 && this.extra === 'none') return;
    const requests: RemovalRequest[] = picked.map((worktree) => ({ path: worktree, commonDir: commonDirOf(world) }));
    if (this.extra === 'main') requests.push({ path: world.main });
    if (this.extra === 'plain-folder') requests.push({ path: world.folder('plain') });
    if (this.extra === 'missing') requests.push({ path: path.join(world.main, '..', 'never-existed') });
    if (this.extra === 'duplicate' && picked[0]) requests.push({ path: `${picked[0]}/` });
    await world.product(String(this), () => removeAsConfirmed(world, String(this), requests, this));
  }
  toString() {
    const options = `${this.force}, ${this.forceLocked}, ${this.deleteBranch}`;
    return `new Remove(${quote(this.worktrees)}, ${quote(this.extra)}, ${options})`;
  }
}

/** The review panel's Discard: worktree and branch, after its modal (force when the plan loses work). */
/** Cherry-pick Agent Commits onto the branch of the worktree it came from. */
/**
 * Cherry-pick the agent's commits; `resolve`: the user chose to resolve a conflicting pick in the
 * merge editor, so git may stop half-way and leave the target mid-cherry-pick for the next steps.
 */
export class CherryPick implements Step {
  constructor(
    readonly worktree: number,
    readonly resolve = false,
  ) {}
  async run(world: World) {
    const target = world.pick(this.worktree);
    if (!target) return;
    await world.product(String(this), async (): Promise<ProductOutcome | undefined> => {
      const result = await cherryPickAgentCommits(world.service, target.path, { resolveConflicts: this.resolve });
      // Stopped at a conflict: nothing counts as kept; the agent's work is still the agent's.
      return result.stopped ? undefined : { kept: { agent: target.path, target: result.target } };
    });
  }
  toString() {
    return `new CherryPick(${this.worktree}, ${this.resolve})`;
  }
}

/** Undo Keep… on one of the repository's undoable keeps; `force`: the user agreed although its agent worktree is gone. */
export class UndoKeep implements Step {
  constructor(
    readonly choice: number,
    readonly force: boolean,
  ) {}
  async run(world: World) {
    await world.product(String(this), async (): Promise<ProductOutcome | undefined> => {
      const keeps = await listKeeps(world.service, world.main);
      const picked = keeps[this.choice % Math.max(keeps.length, 1)];
      if (!picked) return undefined;
      await undoKeep(world.service, world.main, picked.id, { force: this.force });
      return { undone: { agent: picked.agentWorktree, target: picked.target, forced: this.force } };
    });
  }
  toString() {
    return `new UndoKeep(${this.choice}, ${this.force})`;
  }
}

export class Discard implements Step {
  constructor(readonly worktree: number) {}
  async run(world: World) {
    const target = world.pick(this.worktree);
    if (!target) return;
    const request = [{ path: target.path, commonDir: commonDirOf(world) }];
    await world.product(String(this), async () => {
      const plan = await planRemoval(world.service, request, { deleteBranch: true });
      return removeAsConfirmed(world, String(this), request, { force: plan.losesWork, forceLocked: false, deleteBranch: true });
    });
  }
  toString() {
    return `new Discard(${this.worktree})`;
  }
}

/**
 * Plans and executes a removal as the user confirmed it, checked against the facts: what may not
 * be removed is refused as blocked, and when nothing is blocked every requested worktree goes
 * (without `force` the plan may ask for confirmation instead).
 */
async function removeAsConfirmed(
  world: World,
  label: string,
  requests: readonly RemovalRequest[],
  options: { force: boolean; forceLocked: boolean; deleteBranch: boolean },
): Promise<ProductOutcome> {
  const expected = expectRemoval(world, requests, options);
  let plan: RemovalPlan;
  let outcomes: RemovalOutcome[];
  try {
    plan = await planRemoval(world.service, requests, options);
    outcomes = await executeRemoval(world.service, plan, options);
  } catch (error) {
    const verdict = refusedRemoval(label, expected, options.force, error);
    if (expected.blocked.length > 0 && !(verdict instanceof Violation)) world.count('removal had to be blocked');
    throw verdict;
  }
  checkRemoved(label, expected, outcomes);
  world.count('removal had to remove');
  const removed = outcomes.filter((outcome) => outcome.removed).map((outcome) => outcome.path);
  const deletedBranches = outcomes
    .filter((outcome) => outcome.branchDeleted)
    .map((outcome) => plan.targets.find((target) => target.path === outcome.path)?.branch ?? '');
  return options.force ? { confirmed: { plan, removed, deletedBranches } } : {};
}

/** The stale cleanup: what it offers must lose nothing, so it is removed without force. */
export class SweepStale implements Step {
  run(world: World) {
    return world.product(String(this), async () => {
      const commonDir = commonDirOf(world);
      const snapshot = await world.service.readRepository({ commonDir });
      const candidates = await findStaleWorktrees(world.service, [snapshot], {
        staleAfterDays: 0,
        now: Date.now() + 24 * 60 * 60 * 1000,
      });
      if (candidates.length === 0) return undefined;
      const requests = candidates.map((candidate) => ({ path: candidate.snapshot.worktree.path, commonDir }));
      const plan = await planRemoval(world.service, requests, {});
      for (const target of plan.targets) {
        if (!target.worktree?.gone && (target.uncommittedFiles > 0 || target.uniqueCommits > 0)) {
          throw new Violation(`${this}: offered ${target.path} as stale though removing it loses work`);
        }
      }
      // What the cleanup offered, it must be able to remove.
      const expected = expectRemoval(world, requests, { forceLocked: false });
      let outcomes: RemovalOutcome[];
      try {
        outcomes = await executeRemoval(world.service, plan, {});
      } catch (error) {
        throw refusedRemoval(String(this), expected, false, error);
      }
      checkRemoved(String(this), expected, outcomes);
      world.count('stale cleanup had to remove');
      return undefined;
    });
  }
  toString() {
    return 'new SweepStale()';
  }
}

/** The user deletes a worktree's folder with a file manager or `rm -rf`. */
export class DeleteFolder implements Step {
  constructor(readonly worktree: number) {}
  async run(world: World) {
    const target = world.pick(this.worktree, (worktree) => !worktree.gone);
    if (!target) return;
    await world.actor(target.path, String(this), () => rmSync(target.path, { recursive: true, force: true }));
  }
  toString() {
    return `new DeleteFolder(${this.worktree})`;
  }
}

export class Lock implements Step {
  constructor(
    readonly worktree: number,
    readonly lock: boolean,
  ) {}
  async run(world: World) {
    const target = world.pick(this.worktree, (worktree) => worktree.locked !== this.lock);
    if (!target) return;
    await world.actor(world.main, String(this), () => {
      git(world.main, 'worktree', this.lock ? 'lock' : 'unlock', '--', target.path);
    });
  }
  toString() {
    return `new Lock(${this.worktree}, ${this.lock})`;
  }
}

/**
 * Git's own writes start failing (`present`), or stop failing (the user cleaned up): see faults.ts.
 * A `ref-lock` goes on the kept-up-to ref of the `worktree`-th linked worktree.
 */
export class Fault implements Step {
  constructor(
    readonly kind: FaultKind,
    readonly worktree: number,
    readonly present: boolean,
  ) {}
  async run(world: World) {
    const on = world.pick(this.worktree)?.path;
    let done = '';
    await world.actor(world.main, String(this), () => {
      done = this.present ? injectFault(world, this.kind, on) : clearFault(world, this.kind);
    });
    world.steps[world.steps.length - 1] += ` // ${done}`;
  }
  toString() {
    return `new Fault(${quote(this.kind)}, ${this.worktree}, ${this.present})`;
  }
}

/** A refresh of the view: reads only, and never fails on any state the other steps leave. */
export class Refresh implements Step {
  run(world: World) {
    return world.product(String(this), async () => {
      await world.service.readRepository({ commonDir: commonDirOf(world) });
      return undefined;
    });
  }
  toString() {
    return 'new Refresh()';
  }
}

function commitAll(root: string, stageOnly: boolean): void {
  git(root, 'add', '--all');
  if (!stageOnly && git(root, 'status', '--porcelain').trim() !== '') {
    git(root, 'commit', '--quiet', '--no-verify', '-m', 'work');
  }
}

/** Files that differ between the main worktree and some agent worktree (both have them). */
function filesAgentsChanged(world: World): string[] {
  const changed = new Set<string>();
  for (const worktree of world.linked().filter((candidate) => !candidate.gone)) {
    const output = git(worktree.path, 'diff', '--name-only', '-z', 'HEAD');
    const untracked = git(worktree.path, 'ls-files', '--others', '--exclude-standard', '-z');
    for (const file of `${output}${untracked}`.split('\0').filter(Boolean)) changed.add(file);
  }
  return [...changed].sort();
}
