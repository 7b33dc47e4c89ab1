// The CLI's commands: each parses its arguments, runs the shared operation, prints the result.
import * as path from 'node:path';
import { type Command, Option } from 'commander';
import {
  type AttemptSpec,
  compareAttemptsOf,
  createAgentWorktree,
  createAttempts,
  findStaleWorktrees,
  getAgentChanges,
  keep,
  listTrash,
  MAX_ATTEMPTS,
  restoreFromTrash,
  type WorktreeLocation,
  WorktreeOperationError,
} from '../agents';
import { removeConfirmed, withContext } from './context';
import type { CliIo } from './io';
import { listing, listingLines } from './listing';
import { VERSION } from './version';

type Define = (program: Command, io: CliIo, fail: (code: number) => void) => Command;

const list: Define = (program, io, fail) =>
  program
    .command('list')
    .description('every worktree of the repository: status, agent, drift, what is in the trash')
    .action((options) =>
      withContext(io, fail, options, async (context) => {
        const result = await listing(context.service, await context.service.readRepository({ commonDir: context.commonDir }));
        context.print(result, listingLines(result).join('\n'));
      }),
    );

const create: Define = (program, io, fail) =>
  program
    .command('new')
    .description('create an agent worktree (its own branch, next to the repository)')
    .argument('<task>', 'what the agent is to do (names the worktree unless --name)')
    .option('--name <slug>', 'the worktree and branch name')
    .option('--base <ref>', 'the commit to start from (default: HEAD)')
    .option('--include-uncommitted', 'bring the current staged, unstaged and untracked changes along')
    .option('--location <where>', '"sibling" (default), "inside", or an absolute folder')
    .option('--agent <command>', 'the agent command to record (repeat it: one attempt per agent)', collect, [])
    .option('--attempts <n>', `several attempts at the task from the same base (2–${MAX_ATTEMPTS}): <name>-1…<name>-n`)
    .action((task: string, options) =>
      withContext(io, fail, options, async (context) => {
        const common = {
          repoPath: context.repoPath,
          task,
          name: options.name,
          baseRef: options.base,
          includeUncommitted: options.includeUncommitted === true,
          location: location(options.location),
        };
        const agents: string[] = options.agent;
        const attempts = attemptSpecs(options.attempts, agents);
        if (!attempts) {
          const created = await createAgentWorktree(context.service, { ...common, agentCommand: agents[0] });
          return context.print(created, `${created.path} (branch ${created.branch})`);
        }
        const group = await createAttempts(context.service, { ...common, attempts });
        context.print(group, group.attempts.map((created) => `${created.path} (branch ${created.branch})`).join('\n'));
      }),
    );

/**
 * `--attempts 3` (each with the one `--agent`, if given), or one attempt per `--agent` when there
 * are several; undefined for a single agent worktree.
 */
function attemptSpecs(count: string | undefined, agents: readonly string[]): AttemptSpec[] | undefined {
  if (count === undefined) return agents.length > 1 ? agents.map((agentCommand) => ({ agentCommand })) : undefined;
  const attempts = Number(count);
  if (!Number.isInteger(attempts) || attempts < 2 || attempts > MAX_ATTEMPTS) {
    throw new WorktreeOperationError('invalid', `--attempts takes a whole number from 2 to ${MAX_ATTEMPTS}, not "${count}".`);
  }
  if (agents.length > 1 && agents.length !== attempts) {
    throw new WorktreeOperationError(
      'invalid',
      `${agents.length} --agent for ${attempts} attempts: give one, or one per attempt.`,
    );
  }
  return Array.from({ length: attempts }, (_, index) => ({ agentCommand: agents.length > 1 ? agents[index] : agents[0] }));
}

const diff: Define = (program, io, fail) =>
  program
    .command('diff')
    .description('what the agent changed: the patch the review panel shows (on stdout)')
    .argument('<worktree>', 'the agent worktree')
    .addOption(new Option('--since <from>', 'kept (default: since the last keep) or base').choices(['kept', 'base']))
    .option('--stat', 'the changed files and their line counts instead of the patch')
    .action((worktree: string, options) =>
      withContext(io, fail, options, async (context) => {
        const changes = await getAgentChanges(context.service, context.resolve(worktree), { since: options.since });
        const { patch, ...rest } = changes;
        if (context.json) return context.print({ ...rest, patch: patch.toString('utf8') }, '');
        if (options.stat) {
          const lines = changes.files.map(
            (file) => `${file.status.padEnd(12)} +${file.additions} -${file.deletions}  ${file.path}`,
          );
          return context.print(
            undefined,
            [...lines, `${changes.totals.files} files, +${changes.totals.additions} -${changes.totals.deletions}`].join('\n'),
          );
        }
        if (!context.quiet) io.stdout(patch);
      }),
    );

const compare: Define = (program, io, fail) =>
  program
    .command('compare')
    .description('the attempts at one task side by side: files, lines, commits, and the files several changed')
    .argument('<worktree>', 'any one of the attempts')
    .action((worktree: string, options) =>
      withContext(io, fail, options, async (context) => {
        const comparison = await compareAttemptsOf(context.service, context.resolve(worktree));
        const lines = comparison.attempts.map(
          (attempt) =>
            `#${attempt.index}  ${attempt.name}  ${attempt.agentCommand ?? '-'}  ` +
            (attempt.problem ??
              `${attempt.totals.files} file${attempt.totals.files === 1 ? '' : 's'} +${attempt.totals.additions} -${attempt.totals.deletions}, ${attempt.commits ?? '?'} commits`),
        );
        const shared = comparison.sharedFiles.map(
          (file) => `  ${file.path}: ${file.attempts.map((at) => `#${comparison.attempts[at]?.index}`).join(', ')}`,
        );
        context.print(
          comparison,
          [...lines, ...(shared.length > 0 ? ['Changed by several attempts:', ...shared] : [])].join('\n'),
        );
      }),
    );

const keepCommand: Define = (program, io, fail) =>
  program
    .command('keep')
    .description('apply the agent’s work onto the worktree it came from (all, some files, some hunks)')
    .argument('<worktree>', 'the agent worktree')
    .option('--file <path>', 'keep only this file (repeatable)', collect, [])
    .option('--hunk <path:n>', 'keep only hunk n (0-based) of this file (repeatable)', collect, [])
    .option('--target <worktree>', 'apply here instead')
    .option('--allow-conflicts', 'apply even when a merge with your own edits leaves conflict markers')
    .action((worktree: string, options) =>
      withContext(io, fail, options, async (context) => {
        const hunks = parseHunks(options.hunk);
        const files = [...new Set([...options.file, ...Object.keys(hunks)])];
        const result = await keep(context.service, context.resolve(worktree), {
          files: files.length > 0 ? files : undefined,
          hunks: Object.keys(hunks).length > 0 ? hunks : undefined,
          target: options.target ? context.resolve(options.target) : undefined,
          allowConflicts: options.allowConflicts === true,
        });
        context.print(
          result,
          `Kept ${result.keptFiles.length} file(s) into ${result.target}${result.undoId ? ` (undo: ${result.undoId})` : ''}`,
        );
      }),
    );

const discard: Define = (program, io, fail) =>
  program
    .command('discard')
    .description('remove an agent worktree and its branch (what it would lose goes to the trash first)')
    .argument('<worktree>', 'the agent worktree')
    .action((worktree: string, options) =>
      withContext(io, fail, options, (context) => removeConfirmed(context, [context.resolve(worktree)], { agentOnly: true })),
    );

const remove: Define = (program, io, fail) =>
  program
    .command('remove')
    .description('remove worktrees (never the main one; a locked one only with --force-locked)')
    .argument('<worktree...>', 'the worktrees')
    .option('--keep-branch', 'keep their branches')
    .option('--force-locked', 'also remove locked worktrees')
    .action((worktrees: string[], options) =>
      withContext(io, fail, options, (context) =>
        removeConfirmed(
          context,
          worktrees.map((worktree) => context.resolve(worktree)),
          {
            deleteBranch: options.keepBranch !== true,
            forceLocked: options.forceLocked === true,
          },
        ),
      ),
    );

const sweep: Define = (program, io, fail) =>
  program
    .command('sweep')
    .description('the stale agent worktrees (clean, nothing unkept, quiet for --days); --remove removes them')
    .option('--days <n>', 'quiet for this many days (default 14)', '14')
    .option('--remove', 'remove them (they lose nothing)')
    .action((options) =>
      withContext(io, fail, options, async (context) => {
        const days = Number(options.days);
        if (!Number.isInteger(days) || days < 0)
          throw new WorktreeOperationError('invalid', '--days takes a whole number of days.');
        const snapshot = await context.service.readRepository({ commonDir: context.commonDir });
        const stale = await findStaleWorktrees(context.service, [snapshot], { staleAfterDays: days, now: Date.now() });
        const found = stale.map((candidate) => ({ path: candidate.snapshot.worktree.path, reason: candidate.reason }));
        if (!options.remove)
          return context.print({ stale: found }, found.map((entry) => `${entry.path}  ${entry.reason}`).join('\n'));
        await removeConfirmed(
          context,
          found.map((entry) => entry.path),
          {},
        );
      }),
    );

const trash: Define = (program, io, fail) =>
  program
    .command('trash')
    .description('what confirmed removals saved to the trash (restore with `restore <id>`)')
    .action((options) =>
      withContext(io, fail, options, async (context) => {
        const { items, unreadable } = await listTrash(context.service, context.commonDir);
        const lines = items.map(
          (item) =>
            `${item.id}  ${item.agent?.task ?? path.basename(item.path)}  ${item.files} files, ${item.commits} commits  ${item.savedAt}`,
        );
        context.print({ items, unreadable }, lines.join('\n'));
      }),
    );

const restore: Define = (program, io, fail) =>
  program
    .command('restore')
    .description('bring a trash item back as a worktree, on its branch, with its files as they were')
    .argument('<id>', 'the item (`agent-worktrees trash`)')
    .option('--path <folder>', 'where (default: where it was, or next to it when taken)')
    .option('--branch <name>', 'a new branch name, when its old name now points elsewhere')
    .action((id: string, options) =>
      withContext(io, fail, options, async (context) => {
        const restored = await restoreFromTrash(context.service, context.commonDir, id, {
          path: options.path ? context.resolve(options.path) : undefined,
          branch: options.branch,
        });
        context.print(restored, `Restored at ${restored.path}${restored.branch ? ` on ${restored.branch}` : ''}`);
      }),
    );

const mcp: Define = (program, io) =>
  program
    .command('mcp')
    .description('serve these operations as an MCP server over stdio (for VS Code’s agent mode and other MCP clients)')
    // Needs no repository where it starts: each tool call names one (or uses the start folder).
    // Loaded only here: the MCP SDK (and its schema validators) would slow every other command's start.
    .action(async () => (await import('./mcp')).serveMcp(io.cwd, VERSION));

export const cliCommands: readonly Define[] = [
  list,
  create,
  diff,
  compare,
  keepCommand,
  discard,
  remove,
  sweep,
  trash,
  restore,
  mcp,
];

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--hunk src/a.ts:0 --hunk src/a.ts:2` → `{ 'src/a.ts': [0, 2] }`; the last colon splits (paths may hold colons). */
function parseHunks(values: readonly string[]): Record<string, number[]> {
  const hunks: Record<string, number[]> = Object.create(null);
  for (const value of values) {
    const at = value.lastIndexOf(':');
    const index = Number(value.slice(at + 1));
    if (at <= 0 || !Number.isInteger(index) || index < 0) {
      throw new WorktreeOperationError('invalid', `--hunk takes <path>:<n> (n from 0), not "${value}".`);
    }
    const file = value.slice(0, at);
    hunks[file] = [...(hunks[file] ?? []), index];
  }
  return hunks;
}

function location(value: string | undefined): WorktreeLocation | undefined {
  if (value === undefined || value === 'sibling' || value === 'inside') return value;
  return { folder: value };
}
