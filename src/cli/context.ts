// What every CLI command shares: the repository it acts on, how it prints, how a failure becomes an
// exit code, and the confirmation before a removal that would lose work.
import * as path from 'node:path';
import {
  asOperationError,
  describeBlocked,
  describeLossOf,
  executeRemoval,
  GitService,
  planRemoval,
  type RemovalOutcome,
  refuseNonAgentTargets,
  WorktreeOperationError,
} from '../agents';
import { GitError, GitRunner } from '../git';
import type { CliIo } from './io';

export interface CliOptions {
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly repo?: string;
  readonly yes?: boolean;
  readonly force?: boolean;
}

export interface CliContext {
  readonly io: CliIo;
  readonly service: GitService;
  /** The folder the repository was found from (`--repo`, else the current directory). */
  readonly repoPath: string;
  readonly commonDir: string;
  readonly json: boolean;
  readonly quiet: boolean;
  /** `--yes` / `--force`: what the API calls force. */
  readonly confirmed: boolean;
  /** A path argument, relative to the current directory. */
  resolve(argument: string): string;
  /** The result: `json` with --json, `text` otherwise, nothing with -q. */
  print(json: unknown, text: string): void;
}

/** Exit codes by the operation's refusal: bad input 2, a safety refusal 3, a failure 1. */
const EXIT_BY_CODE: Record<string, number> = { invalid: 2, exists: 2, blocked: 3, 'needs-confirmation': 3, failed: 1 };

export async function withContext(
  io: CliIo,
  fail: (code: number) => void,
  options: CliOptions,
  run: (context: CliContext) => Promise<void>,
): Promise<void> {
  try {
    await run(await contextFor(io, options));
  } catch (error) {
    const refusal = error instanceof GitError && error.code === 'Disabled' ? error : asOperationError(error);
    const code = refusal instanceof WorktreeOperationError ? (EXIT_BY_CODE[refusal.code] ?? 1) : 1;
    const reason = refusal instanceof WorktreeOperationError ? refusal.code : 'failed';
    if (options.json) io.stdout(`${JSON.stringify({ error: { code: reason, message: refusal.message } }, null, 2)}\n`);
    io.stderr(`agent-worktrees: ${refusal.message}\n`);
    fail(code);
  }
}

async function contextFor(io: CliIo, options: CliOptions): Promise<CliContext> {
  const service = new GitService(new GitRunner());
  const repoPath = path.resolve(io.cwd, options.repo ?? '.');
  const found = await service.discover(repoPath);
  if (found.kind !== 'worktree' && found.kind !== 'bare') {
    const why = found.kind === 'missing' ? 'does not exist' : 'is not in a git repository';
    throw new WorktreeOperationError('invalid', `${repoPath} ${why} (pass --repo <folder of the repository>).`);
  }
  const json = options.json === true;
  const quiet = options.quiet === true;
  return {
    io,
    service,
    repoPath,
    commonDir: found.commonDir,
    json,
    quiet,
    confirmed: options.yes === true || options.force === true,
    resolve: (argument) => path.resolve(io.cwd, argument),
    print: (value, text) => {
      if (json) io.stdout(`${JSON.stringify(value ?? null, null, 2)}\n`);
      else if (!quiet && text) io.stdout(`${text}\n`);
    },
  };
}

/**
 * Plans, asks (on a terminal, and only when something would be lost without --yes), removes.
 * Without a terminal and without --yes, a removal that would lose work is refused (exit 3).
 */
export async function removeConfirmed(
  context: CliContext,
  paths: readonly string[],
  options: { agentOnly?: boolean; deleteBranch?: boolean; forceLocked?: boolean },
): Promise<void> {
  if (paths.length === 0) return context.print({ outcomes: [] }, 'Nothing to remove.');
  const request = { deleteBranch: options.deleteBranch ?? true, forceLocked: options.forceLocked };
  const plan = await planRemoval(
    context.service,
    paths.map((worktree) => ({ path: worktree, commonDir: context.commonDir })),
    request,
  );
  if (plan.blocked) throw new WorktreeOperationError('blocked', describeBlocked(plan));
  if (options.agentOnly) refuseNonAgentTargets(plan);
  let force = context.confirmed;
  if (plan.losesWork && !force) {
    const question = `Removing would lose ${describeLossOf(plan.totals)}; it is saved to the trash first. Remove?`;
    const answer = await context.io.confirm(question);
    if (answer === undefined) {
      throw new WorktreeOperationError(
        'needs-confirmation',
        `Removing would lose ${describeLossOf(plan.totals)}. Nothing was removed: pass --yes to remove (it is saved to the trash first).`,
      );
    }
    if (!answer) throw new WorktreeOperationError('needs-confirmation', 'Not confirmed: nothing was removed.');
    force = true;
  }
  const outcomes = await executeRemoval(context.service, plan, { ...request, force });
  const refused = outcomes.filter((outcome) => !outcome.removed);
  if (refused.length > 0) {
    // One document either way: the error names every worktree and what happened to it.
    throw new WorktreeOperationError('failed', `git refused to remove some: ${outcomes.map(describeOutcome).join('; ')}`);
  }
  context.print({ outcomes }, outcomes.map(describeOutcome).join('\n'));
}

function describeOutcome(outcome: RemovalOutcome): string {
  if (!outcome.removed) return `${outcome.path}: not removed (${outcome.error})`;
  const trash = outcome.trashId ? `; saved to the trash as ${outcome.trashId}` : '';
  const branch = outcome.branchKept ? `; branch kept (${outcome.branchKept})` : '';
  return `${outcome.path}: removed${trash}${branch}`;
}
