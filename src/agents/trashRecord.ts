// What a trash commit's message records, and reading it back. Refs under the trash prefix are data
// (anyone can write one): every field is checked before it is used.
import * as v from 'valibot';
import { type AgentMetadata, isAgentMetadata } from './agentMetadata';

/** The facts about a saved worktree, kept as JSON in its trash commit's message. */
export interface TrashRecord {
  readonly version: 1;
  /** Where the worktree was. */
  readonly path: string;
  /** The branch it was on (undefined: detached). */
  readonly branch: string | undefined;
  /** Its HEAD commit (undefined: unborn). */
  readonly head: string | undefined;
  /** A commit whose tree is its index (the staged state). */
  readonly index: string;
  /** The agent's kept-up-to commit, when there was one. */
  readonly keptUpTo: string | undefined;
  /** ISO time it was saved. */
  readonly savedAt: string;
  /** Uncommitted files the removal would have lost. */
  readonly files: number;
  /** Commits found nowhere else that the removal would have lost. */
  readonly commits: number;
  /** Files that were in conflict: restored as they were in the folder (with any conflict markers). */
  readonly conflicted: readonly string[];
  /** The lock reason when it was a locked worktree (removed with the user's force). */
  readonly locked: string | undefined;
  /** The agent metadata, for an agent worktree. */
  readonly agent: AgentMetadata | undefined;
}

const objectId = v.pipe(v.string(), v.regex(/^[0-9a-f]{40,64}$/));

const RecordSchema = v.object({
  version: v.literal(1),
  path: v.pipe(v.string(), v.nonEmpty()),
  branch: v.optional(v.pipe(v.string(), v.nonEmpty())),
  head: v.optional(objectId),
  index: objectId,
  keptUpTo: v.optional(objectId),
  savedAt: v.pipe(v.string(), v.isoTimestamp()),
  files: v.pipe(v.number(), v.integer(), v.minValue(0)),
  commits: v.pipe(v.number(), v.integer(), v.minValue(0)),
  conflicted: v.array(v.string()),
  locked: v.optional(v.string()),
  agent: v.optional(v.unknown()),
});

const FIRST_LINE = 'Agent Worktrees trash: ';

export function trashMessage(record: TrashRecord): string {
  const name = record.agent?.task ?? record.branch ?? record.path;
  return `${FIRST_LINE}${name.replace(/\s+/g, ' ').slice(0, 100)}\n\n${JSON.stringify(record, null, 1)}\n`;
}

/** The record of a trash commit's message, or why it is not one. */
export function readTrashMessage(message: string): TrashRecord | { problem: string } {
  if (!message.startsWith(FIRST_LINE)) return { problem: 'it was not saved by Agent Worktrees' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.slice(message.indexOf('\n\n') + 2));
  } catch {
    return { problem: 'its record is not valid JSON' };
  }
  const checked = v.safeParse(RecordSchema, parsed);
  if (!checked.success)
    return { problem: `its record is damaged (${v.flatten(checked.issues).root?.[0] ?? checked.issues[0].message})` };
  const { agent, ...rest } = checked.output;
  if (agent !== undefined && !isAgentMetadata(agent)) return { problem: 'its agent metadata is damaged' };
  return {
    ...rest,
    branch: rest.branch,
    head: rest.head,
    keptUpTo: rest.keptUpTo,
    locked: rest.locked,
    agent: agent as AgentMetadata | undefined,
  };
}
