import fc from 'fast-check';
import {
  AgentCommit,
  AgentEdit,
  CherryPick,
  Create,
  DeleteFolder,
  Discard,
  Fault,
  Keep,
  Lock,
  Refresh,
  Remove,
  Review,
  type Step,
  SweepStale,
  UndoKeep,
  UserCommit,
  UserEdit,
} from './commands';
import { EDIT_KINDS } from './edits';
import { FAULT_KINDS } from './faults';
import { PurgeTrash, Restore, ReuseBranchName } from './trashSteps';

/** How the fuzzer draws its steps (fast-check arbitraries), kept apart from what the steps do. */
const index = fc.nat({ max: 7 });
const edit = fc.constantFrom(...EDIT_KINDS);

export const createStep = fc.tuple(fc.boolean(), fc.boolean()).map(([uncommitted, inside]) => new Create(uncommitted, inside));

const keepMode = fc.constantFrom('all' as const, 'files' as const, 'hunks' as const);
const extraTarget = fc.constantFrom(
  'none' as const,
  'none' as const,
  'main' as const,
  'plain-folder' as const,
  'missing' as const,
  'duplicate' as const,
);

/**
 * Every step with its weight: mostly the ones that make work and act on it (edits, commits, keeps,
 * removals), since a loss needs a few of them in a row; the rest often enough to be in the mix.
 */
export const stepArbitraries: fc.WeightedArbitrary<Step>[] = [
  { weight: 2, arbitrary: createStep },
  {
    weight: 6,
    arbitrary: fc
      .tuple(index, edit, fc.nat(40), fc.nat(40))
      .map(([worktree, kind, file, variant]) => new AgentEdit(worktree, kind, file, variant)),
  },
  { weight: 3, arbitrary: fc.tuple(index, fc.boolean()).map(([worktree, stageOnly]) => new AgentCommit(worktree, stageOnly)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(edit, fc.boolean(), fc.nat(40), fc.nat(40))
      .map(([kind, overlap, file, variant]) => new UserEdit(kind, overlap, file, variant)),
  },
  { weight: 1, arbitrary: fc.boolean().map((stageOnly) => new UserCommit(stageOnly)) },
  { weight: 1, arbitrary: index.map((worktree) => new Review(worktree)) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        index,
        keepMode,
        fc.boolean(),
        fc.boolean(),
        fc.nat(255),
        fc.nat(3).map((n) => n === 0),
        fc.boolean(),
        fc.nat(3).map((n) => n === 0),
      )
      .map(
        ([worktree, mode, reviewed, conflicts, choice, elsewhere, skipUnmergeable, commit]) =>
          new Keep(worktree, mode, reviewed, conflicts, choice, elsewhere, skipUnmergeable, commit),
      ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.array(index, { minLength: 1, maxLength: 3 }), extraTarget, fc.boolean(), fc.boolean(), fc.boolean())
      .map(([worktrees, extra, force, locked, deleteBranch]) => new Remove(worktrees, extra, force, locked, deleteBranch)),
  },
  { weight: 2, arbitrary: index.map((worktree) => new Discard(worktree)) },
  { weight: 1, arbitrary: fc.tuple(index, fc.boolean()).map(([worktree, resolve]) => new CherryPick(worktree, resolve)) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(7), fc.boolean()).map(([choice, force]) => new UndoKeep(choice, force)) },
  { weight: 1, arbitrary: fc.constant(new SweepStale()) },
  { weight: 1, arbitrary: index.map((worktree) => new DeleteFolder(worktree)) },
  { weight: 1, arbitrary: fc.tuple(index, fc.boolean()).map(([worktree, lock]) => new Lock(worktree, lock)) },
  { weight: 1, arbitrary: fc.constant(new Refresh()) },
  { weight: 3, arbitrary: fc.tuple(index, fc.boolean()).map(([choice, rename]) => new Restore(choice, rename)) },
  { weight: 1, arbitrary: index.map((choice) => new ReuseBranchName(choice)) },
  { weight: 1, arbitrary: index.map((choice) => new PurgeTrash(choice)) },
  {
    // Mostly put in place: a fault matters only while it is there, and a later step may clear it.
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...FAULT_KINDS),
        index,
        fc.nat(2).map((n) => n > 0),
      )
      .map(([kind, worktree, present]) => new Fault(kind, worktree, present)),
  },
];
