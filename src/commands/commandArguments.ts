import * as path from 'node:path';
import * as v from 'valibot';
import * as vscode from 'vscode';
import type { WorktreeSnapshot } from '../agents';
import { changeSentence } from '../views/presentation';
import type { WorktreesModel } from '../views/worktreesModel';
import type { WorktreesNode } from '../views/worktreesTree';
import { UserError } from './commandRunner';

/*
 * The one place a command's argument is understood, whoever invoked it: a row of the view, a path
 * or Uri (Explorer, editor title, the API, other extensions), an argument object, or nothing
 * (palette, keybinding, view toolbar). Like VS Code's git extension's createCommand: the argument
 * names the worktree, else the only candidate is taken, else the user picks. Nothing is trusted:
 * an argument of any other shape is a clear error, never a guess.
 */

const text = v.pipe(v.string(), v.nonEmpty());

/** `newAgentWorktree`'s argument object (the API and other extensions): never prompts. */
export const CreateArguments = v.strictObject({
  repoPath: v.optional(text),
  task: v.optional(v.string()),
  name: v.optional(v.string()),
  baseRef: v.optional(text),
  branchPrefix: v.optional(v.string()),
  agentCommand: v.optional(text),
  includeUncommitted: v.optional(v.boolean()),
});

/** `runAgent`'s argument object. */
export const RunArguments = v.strictObject({
  worktreePath: text,
  agentCommand: v.optional(text),
  setupCommand: v.optional(v.string()),
  /** Start a second agent where one is running (without it, that is refused). */
  another: v.optional(v.boolean()),
});

/** `removeWorktrees` / `discardAgentWork` argument object: no prompt, force only when passed. */
export const RemoveArguments = v.strictObject({
  paths: v.pipe(v.array(text), v.nonEmpty()),
  force: v.optional(v.boolean()),
  forceLocked: v.optional(v.boolean()),
  deleteBranch: v.optional(v.boolean()),
});

/** Any worktree command also takes `{ worktreePath }`. */
const WorktreePathArgument = v.strictObject({ worktreePath: text });

type WorktreeRow = Extract<WorktreesNode, { type: 'worktree' }>;
type RepositoryRow = Extract<WorktreesNode, { type: 'repository' }>;
export type AttemptsRow = Extract<WorktreesNode, { type: 'attempts' }>;

/** What an argument is, before anything is looked up. */
export type CommandArgument =
  | { readonly kind: 'none' }
  | { readonly kind: 'row'; readonly row: WorktreeRow }
  | { readonly kind: 'repository'; readonly row: RepositoryRow }
  | { readonly kind: 'attempts'; readonly row: AttemptsRow }
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'object'; readonly value: Record<string, unknown> };

export function classifyArgument(arg: unknown): CommandArgument {
  if (arg === undefined || arg === null) return { kind: 'none' };
  if (typeof arg === 'string') {
    if (arg === '') throw new UserError('The command was given an empty path.');
    return { kind: 'path', path: arg };
  }
  if (arg instanceof vscode.Uri) {
    if (arg.scheme !== 'file') throw new UserError(`Not a folder on this machine: ${arg.toString(true)}`);
    return { kind: 'path', path: arg.fsPath };
  }
  if (typeof arg !== 'object' || Array.isArray(arg)) throw new UserError(unexpected(arg));
  const record = arg as Record<string, unknown>;
  if (record.type === 'worktree' && typeof record.snapshot === 'object' && typeof record.repository === 'object')
    return { kind: 'row', row: arg as WorktreeRow };
  if (record.type === 'repository' && typeof record.repository === 'object')
    return { kind: 'repository', row: arg as RepositoryRow };
  if (record.type === 'attempts' && typeof record.attempts === 'object' && typeof record.repository === 'object')
    return { kind: 'attempts', row: arg as AttemptsRow };
  if ('type' in record) throw new UserError(unexpected(arg));
  return { kind: 'object', value: record };
}

/** An argument object checked against its shape; a wrong one says which field is wrong. */
export function parseArguments<TSchema extends v.GenericSchema>(
  schema: TSchema,
  value: unknown,
  command: string,
): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const where = issue ? v.getDotPath(issue) : undefined;
  throw new UserError(`${command}: invalid argument${where ? ` "${where}"` : ''}: ${issue?.message ?? 'unexpected shape'}.`);
}

export interface WorktreeChoice {
  /** Title of the picker, and the command's name in errors. */
  readonly title: string;
  /** The command works in the worktree's folder: a gone or bare one is refused. */
  readonly needsFolder: boolean;
  /** Which worktrees the picker offers (default: all, or those with a folder). */
  readonly candidates?: (snapshot: WorktreeSnapshot) => boolean;
  /** Picker order (default: as the view lists them). */
  readonly order?: (a: WorktreeSnapshot, b: WorktreeSnapshot) => number;
  /** Said when there is nothing to pick. */
  readonly noneMessage?: string;
  /** The picker's description of a worktree. */
  readonly describe?: (snapshot: WorktreeSnapshot) => string;
}

/**
 * The worktree a command acts on: the argument's (a row, a path, a Uri, `{ worktreePath }`), else
 * the only candidate, else the user's pick. undefined only when the user dismissed the picker.
 */
export async function resolveWorktree(
  model: WorktreesModel,
  arg: unknown,
  choice: WorktreeChoice,
): Promise<WorktreeSnapshot | undefined> {
  const argument = classifyArgument(arg);
  let snapshot: WorktreeSnapshot | undefined;
  if (argument.kind === 'none') {
    snapshot = await pickWorktree(model, choice);
    if (!snapshot) return undefined;
  } else if (argument.kind === 'row') {
    // The row may be older than the model: the latest read of the same worktree wins.
    snapshot = model.findWorktree(argument.row.snapshot.worktree.path)?.snapshot ?? argument.row.snapshot;
  } else if (argument.kind === 'path' || argument.kind === 'object') {
    const worktreePath =
      argument.kind === 'path' ? argument.path : parseArguments(WorktreePathArgument, argument.value, choice.title).worktreePath;
    snapshot = await findShownWorktree(model, worktreePath);
  } else {
    throw new UserError(`${choice.title} acts on a worktree, not on a repository row.`);
  }
  if (choice.needsFolder && (snapshot.worktree.gone || snapshot.worktree.bare)) {
    const why = snapshot.worktree.bare ? 'is a bare repository and has no working folder' : 'has no folder on disk any more';
    throw new UserError(`The worktree ${snapshot.worktree.path} ${why}.`);
  }
  return snapshot;
}

/** A worktree of the view by path; the view is re-read once before saying it is not one. */
export async function findShownWorktree(model: WorktreesModel, worktreePath: string): Promise<WorktreeSnapshot> {
  const shown = model.findWorktree(worktreePath) ?? (await model.refreshAll().then(() => model.findWorktree(worktreePath)));
  if (!shown) throw new UserError(`Not a worktree shown in Agent Worktrees: ${worktreePath}`);
  return shown.snapshot;
}

/** The rows a view command acts on: the multi-selection when there is one, else the clicked row. */
export function selectedRows(clicked: unknown, selected: unknown): WorktreeRow[] {
  const nodes = Array.isArray(selected) && selected.length > 0 ? selected : clicked === undefined ? [] : [clicked];
  return nodes.flatMap((node) => {
    const argument = classifyArgument(node);
    return argument.kind === 'row' ? [argument.row] : [];
  });
}

async function pickWorktree(model: WorktreesModel, choice: WorktreeChoice): Promise<WorktreeSnapshot | undefined> {
  const offered =
    choice.candidates ??
    ((snapshot: WorktreeSnapshot) => !choice.needsFolder || (!snapshot.worktree.gone && !snapshot.worktree.bare));
  const candidates = model.allWorktrees().filter(offered);
  if (choice.order) candidates.sort(choice.order);
  if (candidates.length === 0) throw new UserError(choice.noneMessage ?? 'There is no worktree to choose from.');
  if (candidates.length === 1) return candidates[0];
  const describe = choice.describe ?? ((snapshot) => snapshot.status?.branch ?? snapshot.worktree.branch ?? 'detached');
  const picked = await vscode.window.showQuickPick(
    candidates.map((snapshot) => ({
      label: path.basename(snapshot.worktree.path),
      description: describe(snapshot),
      detail: `${snapshot.worktree.path}${snapshot.status ? ` · ${changeSentence(snapshot.status)}` : ''}`,
      snapshot,
    })),
    { title: choice.title, placeHolder: 'Choose a worktree', matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.snapshot;
}

function unexpected(arg: unknown): string {
  const shape = Array.isArray(arg) ? 'a list' : typeof arg === 'object' ? 'an object of an unknown kind' : `a ${typeof arg}`;
  return `The command was given ${shape}; it takes a worktree row, a path, or an argument object.`;
}
