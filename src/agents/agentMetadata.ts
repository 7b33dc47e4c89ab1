import { readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { samePath } from '../git';

/**
 * What we remember about an agent worktree. Stored in the worktree's own git admin dir
 * (`<common-dir>/worktrees/<id>/`): invisible to `git status`, survives restarts, and git removes
 * it together with the worktree.
 */
export interface AgentMetadata {
  readonly version: 1;
  /** The commit the worktree was branched from: "what the agent changed" is measured against it. */
  readonly baseCommit: string;
  /**
   * The branch this extension created for the agent. Discard deletes only it, and only while it is
   * still the worktree's branch (undefined in metadata written before it was recorded).
   */
  readonly branch?: string;
  /** The branch the invoking worktree was on, undefined when it was detached. */
  readonly baseBranch: string | undefined;
  /** ISO time. */
  readonly createdAt: string;
  readonly task: string | undefined;
  /** The worktree the command was invoked from (where a Keep applies by default). */
  readonly createdFrom: string;
  readonly agentCommand: string | undefined;
  /**
   * After a Keep: a commit whose tree is everything kept so far (built from the kept state, never
   * on the agent's branch). The next review and keep start from it; removal counts work beyond it.
   */
  readonly keptUpTo?: string;
  /**
   * The worktrees the keeps wrote into (newest last). The kept copy lives there, so the agent's work
   * counts as kept only while every one of them is still a worktree (undefined before it was
   * recorded: then the worktree it was created from, the default target).
   */
  readonly keptInto?: readonly string[];
  /** The ports this agent worktree owns (its agent's terminal gets the first as PORT). */
  readonly ports?: { readonly first: number; readonly count: number };
  /** The agent's HEAD and the time of the last Keep: cheap hints for "has unkept work" in the view. */
  readonly keptAtHead?: string;
  readonly keptAt?: string;
  /** One of several attempts at the same task from the same base (New Agent Attempts). */
  readonly attempt?: AttemptOf;
}

/** Which attempt group an agent worktree belongs to, and its place in it (1-based). */
export interface AttemptOf {
  readonly group: string;
  readonly index: number;
  readonly count: number;
}

/** Attempts one call creates at most (each is a worktree and, usually, a running agent). */
export const MAX_ATTEMPTS = 16;
const ATTEMPT_GROUP_PATTERN = /^[0-9a-f]{8,32}$/;

export const METADATA_FILE = 'agent-worktrees.json';

/** The ref holding an agent worktree's kept-up-to commit (so gc keeps it), named after its admin dir. */
export function keptRefName(adminDir: string): string {
  return `refs/agent-worktrees/kept/${path.basename(adminDir)}`;
}

/** The worktrees a keep into `target` leaves the work kept into: the earlier ones, then `target` (once). */
export function keptIntoWith(metadata: AgentMetadata, target: string): string[] {
  return [...(metadata.keptInto ?? []).filter((earlier) => !samePath(earlier, target)), target];
}

export async function readAgentMetadata(adminDir: string): Promise<AgentMetadata | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(adminDir, METADATA_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // Damaged is not absent: an agent worktree with unreadable metadata must not pass for a plain one
  // (whose branch a removal would delete).
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`its agent metadata (${METADATA_FILE}) is not valid JSON`);
  }
  if (!isAgentMetadata(parsed)) throw new Error(`its agent metadata (${METADATA_FILE}) is damaged`);
  return parsed;
}

/** Written to a temp file and renamed, so a crash never leaves half a file behind. */
export async function writeAgentMetadata(adminDir: string, metadata: AgentMetadata): Promise<void> {
  const target = path.join(adminDir, METADATA_FILE);
  const temporary = `${target}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(metadata, null, 2)}\n`);
  await rename(temporary, target);
}

export function isAgentMetadata(value: unknown): value is AgentMetadata {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    record.version === 1 &&
    typeof record.baseCommit === 'string' &&
    /^[0-9a-f]{40,64}$/.test(record.baseCommit) &&
    typeof record.createdAt === 'string' &&
    typeof record.createdFrom === 'string' &&
    (record.baseBranch === undefined || typeof record.baseBranch === 'string') &&
    (record.branch === undefined || typeof record.branch === 'string') &&
    (record.task === undefined || typeof record.task === 'string') &&
    (record.agentCommand === undefined || typeof record.agentCommand === 'string') &&
    (record.keptInto === undefined ||
      (Array.isArray(record.keptInto) && record.keptInto.every((entry) => typeof entry === 'string'))) &&
    (record.keptUpTo === undefined || (typeof record.keptUpTo === 'string' && /^[0-9a-f]{40,64}$/.test(record.keptUpTo))) &&
    (record.ports === undefined || isPortBlock(record.ports)) &&
    (record.attempt === undefined || isAttemptOf(record.attempt))
  );
}

function isAttemptOf(value: unknown): boolean {
  const { group, index, count } = (value ?? {}) as { group?: unknown; index?: unknown; count?: unknown };
  return (
    typeof group === 'string' &&
    ATTEMPT_GROUP_PATTERN.test(group) &&
    Number.isInteger(count) &&
    Number.isInteger(index) &&
    (count as number) >= 2 &&
    (count as number) <= MAX_ATTEMPTS &&
    (index as number) >= 1 &&
    (index as number) <= (count as number)
  );
}

function isPortBlock(value: unknown): boolean {
  const { first, count } = (value ?? {}) as { first?: unknown; count?: unknown };
  return Number.isInteger(first) && Number.isInteger(count) && (first as number) > 0 && (count as number) > 0;
}
