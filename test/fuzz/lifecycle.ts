import fc from 'fast-check';
import { createStep, stepArbitraries } from './arbitraries';
import type { Step } from './commands';
import { Violation, World } from './world';

export interface FuzzOptions {
  readonly seed: number;
  readonly runs: number;
  /** Most steps in one sequence. */
  readonly maxSteps: number;
}

export interface FuzzReport {
  /** Sequences run, counting the replays of shrinking. */
  sequences: number;
  steps: number;
  /** Steps the product refused (each checked to have changed nothing). */
  refusals: number;
  /** Product steps by kind: done / refused. */
  tally: Record<string, { done: number; refused: number }>;
  /** Refusal messages (paths blanked) and how often each came. */
  reasons: Record<string, number>;
  /** Liveness and fault checks that applied, and how often (see liveness.ts and faults.ts). */
  checks: Record<string, number>;
}

/** A step as fast-check's model-based testing runs it: always applicable, the world is the system. */
class AsCommand implements fc.AsyncCommand<object, World> {
  constructor(readonly step: Step) {}
  check(): boolean {
    return true;
  }
  run(_model: object, world: World): Promise<void> {
    return this.step.run(world);
  }
  toString(): string {
    return String(this.step);
  }
}

/**
 * Random lifecycles on fresh repositories, each step checked by the world's invariant. A failure
 * throws fast-check's report: the seed, the replay path and the shrunk sequence of steps.
 */
export async function fuzzLifecycles(options: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { sequences: 0, steps: 0, refusals: 0, tally: {}, reasons: {}, checks: {} };
  // An array rather than fc.commands: its lengths spread over the whole range (fc.commands keeps
  // most sequences to two or three steps), and shrinking still drops steps one by one.
  // Every sequence starts by creating an agent worktree: without one most steps have nothing to do.
  const commands = fc
    .tuple(createStep, fc.array(fc.oneof(...stepArbitraries), { minLength: 3, maxLength: options.maxSteps - 1, size: 'max' }))
    .map(([first, rest]) => [first, ...rest].map((step) => new AsCommand(step)));
  await fc.assert(
    fc.asyncProperty(commands, async (sequence) => {
      const world = new World();
      report.sequences++;
      try {
        await fc.asyncModelRun(() => ({ model: {}, real: world }), sequence);
      } finally {
        report.steps += world.steps.length;
        report.refusals += world.refusals;
        for (const [reason, count] of world.reasons) report.reasons[reason] = (report.reasons[reason] ?? 0) + count;
        for (const [check, count] of world.checks) report.checks[check] = (report.checks[check] ?? 0) + count;
        for (const [kind, counts] of world.tally) {
          const total = report.tally[kind] ?? { done: 0, refused: 0 };
          report.tally[kind] = total;
          total.done += counts.done;
          total.refused += counts.refused;
        }
        world.dispose();
      }
    }),
    { seed: options.seed, numRuns: options.runs, endOnFailure: false },
  );
  return report;
}

/** Runs one fixed sequence (a shrunk counterexample) on a fresh repository. */
export async function replay(steps: readonly Step[]): Promise<World> {
  const world = new World();
  try {
    for (const step of steps) await step.run(world);
    return world;
  } catch (error) {
    if (error instanceof Violation) error.message += `\nSteps:\n${world.steps.join('\n')}`;
    throw error;
  } finally {
    world.dispose();
  }
}
