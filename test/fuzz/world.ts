import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GitService, type RemovalPlan, WorktreeOperationError } from '../../src/agents';
import { GitRunner } from '../../src/git';
import { createRepo, git, write } from '../unit/helpers/gitFixture';
import { type ListedWorktree, type Scan, Scanner, type Source } from './scan';

/** An invariant broke: the message says which step, which token and where it last was. */
export class Violation extends Error {
  override readonly name = 'Violation';
}

/** What a product step did, for the invariant: which removals were confirmed, which keep delivered. */
export interface ProductOutcome {
  /** Removals done with the user's confirmation (`force`): their plan and what actually went. */
  readonly confirmed?: {
    readonly plan: RemovalPlan;
    readonly removed: readonly string[];
    readonly deletedBranches: readonly string[];
  };
  /** A keep that succeeded: tokens it brought into the target change custody to the target. */
  readonly kept?: { readonly agent: string; readonly target: string };
  /**
   * An undone keep: what it had delivered goes back to the agent's custody; with `forced` (the user
   * agreed, the agent worktree being gone) what it had delivered may go from the target for good.
   */
  readonly undone?: { readonly agent: string; readonly target: string; readonly forced: boolean };
  /** A trash item restored as the worktree at `path`: what it brought back is that worktree's again. */
  readonly restored?: { readonly path: string };
  /** The user confirmed deleting trash items for good: what only the trash held may go. */
  readonly purged?: boolean;
}

/** The custodian of tokens whose worktree was removed: the trash, until restored or purged. */
export const TRASH = 'trash';

/**
 * One repository under fuzzing, and the model of the work in it. Every token a user or an agent
 * writes is in the custody of the worktree it was written in; Keep hands custody of what it
 * delivered to the target. The invariant, checked after every step: every token still in someone's
 * custody exists somewhere — a worktree's files or index, a commit reachable from a ref or HEAD,
 * or the trash. A confirmed removal loses nothing: what it would lose is in the trash, in the
 * trash's custody, until a restore gives it back or the user confirms deleting it for good. The
 * user's and agent's own edits end their custody of what they deleted; nothing else does.
 */
export class World {
  readonly main: string;
  readonly scanner: Scanner;
  readonly service = new GitService(new GitRunner());
  readonly steps: string[] = [];
  readonly custody = new Map<string, Set<string>>();
  /** Tokens a keep delivered, by `agent\0target`: an incremental keep of that agent may replace them. */
  private readonly delivered = new Map<string, string>();
  /** Counters for names and the fuzz report. */
  created = 0;
  refusals = 0;
  /** Per kind of product step (`Keep`, `Remove`…): how often it went through and how often it was refused. */
  readonly tally = new Map<string, { done: number; refused: number }>();
  /** Why steps were refused, paths and tokens blanked, so the report shows which refusals happen. */
  readonly reasons = new Map<string, number>();
  /** Liveness and fault checks that applied (e.g. `keep must succeed`), and how often. */
  readonly checks = new Map<string, number>();
  private tokens = 0;
  private scanned: Scan;

  constructor() {
    this.main = createRepo('fuzz');
    this.scanner = new Scanner(this.main);
    // Long enough for a change at each end to make two hunks (3 lines of context each).
    write(this.main, 'notes.txt', this.lines(this.main, 20));
    write(this.main, 'src/deep/code.txt', this.lines(this.main, 24));
    write(this.main, 'image.bin', this.binary(this.main));
    write(this.main, 'run.sh', this.lines(this.main, 2));
    git(this.main, 'add', '--all');
    git(this.main, 'commit', '--quiet', '-m', 'fuzz base');
    this.scanned = this.scanner.scan();
  }

  dispose(): void {
    rmSync(path.dirname(this.main), { recursive: true, force: true });
  }

  get last(): Scan {
    return this.scanned;
  }

  /** A new token in the custody of `location`. */
  token(location: string): string {
    const token = `tk${++this.tokens}x`;
    this.custody.set(token, new Set([location]));
    return token;
  }

  lines(location: string, count: number): string {
    return Array.from({ length: count }, () => `${this.token(location)}\n`).join('');
  }

  /** Bytes git sees as binary (a NUL), with a token inside. */
  binary(location: string): Buffer {
    return Buffer.concat([Buffer.from([0, 1, 2, 255, 0]), Buffer.from(this.token(location)), Buffer.from([0, 7])]);
  }

  /** Linked worktrees git lists now, in creation order of their paths (stable for picking by index). */
  linked(): ListedWorktree[] {
    return this.scanned.worktrees.filter((worktree) => worktree.path !== this.main);
  }

  pick(index: number, filter: (worktree: ListedWorktree) => boolean = () => true): ListedWorktree | undefined {
    const candidates = this.linked().filter(filter);
    return candidates.length === 0 ? undefined : candidates[index % candidates.length];
  }

  /** A spare folder next to the repository (for hostile targets of a batch removal). */
  folder(name: string): string {
    const folder = path.join(path.dirname(this.main), name);
    mkdirSync(folder, { recursive: true });
    return folder;
  }

  /**
   * Something the user or an agent does by hand in `location` (edit, commit, delete a folder, lock):
   * whatever of its custody is no longer in its files, index or HEAD tree was removed on purpose.
   */
  async actor(location: string, label: string, action: () => void | Promise<void>): Promise<void> {
    this.steps.push(label);
    await action();
    const after = this.scanner.scan();
    for (const [token, custodians] of this.custody) {
      if (!custodians.has(location) || isCurrentIn(after.tokens.get(token), location)) continue;
      custodians.delete(location);
      if (custodians.size === 0) this.custody.delete(token);
    }
    this.scanned = after;
  }

  /**
   * An operation of the product: it may refuse (then nothing may change, and the refusal carries a
   * documented code) but never lose work. Whether it had to succeed is the step's to check.
   */
  async product(label: string, operation: () => Promise<ProductOutcome | undefined>): Promise<void> {
    this.steps.push(label);
    const before = this.scanned;
    let outcome: ProductOutcome | undefined;
    let refusal: Error | undefined;
    try {
      outcome = await operation();
    } catch (error) {
      if (error instanceof Violation) throw error;
      refusal = error instanceof Error ? error : new Error(`a thrown non-error: ${String(error)}`);
      this.refusals++;
      this.countReason(label, refusal.message);
    }
    const kind = stepKind(label);
    const counts = this.tally.get(kind) ?? { done: 0, refused: 0 };
    counts[refusal ? 'refused' : 'done']++;
    this.tally.set(kind, counts);
    const after = this.scanner.scan();
    this.scanned = after;
    const main = after.worktrees[0];
    if (main?.path !== this.main || main.gone) throw new Violation(`${label}: the main worktree is gone`);
    if (refusal && after.fingerprint !== before.fingerprint) {
      throw new Violation(
        `${label}: refused (${refusal.message}) but changed things:\n${difference(before.fingerprint, after.fingerprint)}`,
      );
    }
    if (refusal) requireDocumentedRefusal(label, refusal);
    for (const [token, custodians] of this.custody) {
      if (after.tokens.has(token)) continue;
      const was = before.tokens.get(token) ?? new Set<Source>();
      if (this.superseded(token, outcome?.kept, was)) {
        this.custody.delete(token); // the agent's refinement replaced what an earlier keep put there
        continue;
      }
      if (this.undoneWithConsent(token, outcome?.undone, was)) {
        this.custody.delete(token); // the user agreed to undo a keep whose agent worktree was gone
        continue;
      }
      if (outcome?.purged && [...custodians].every((custodian) => custodian === TRASH)) {
        this.custody.delete(token); // the user confirmed deleting it from the trash for good
        continue;
      }
      throw new Violation(
        `${label} lost ${token} (work of ${[...custodians].join(', ')}), which was in: ${[...was].join(', ') || 'nowhere'}`,
      );
    }
    if (outcome?.kept) this.handOver(outcome.kept.agent, outcome.kept.target, before, after);
    if (outcome?.confirmed) this.passOnFromRemoved(outcome.confirmed.removed, after);
    if (outcome?.undone) this.handBack(outcome.undone.agent, outcome.undone.target, after);
    if (outcome?.restored) this.takeBackFromTrash(outcome.restored.path, after);
  }

  /** After a restore: what the trash held and the restored worktree has now is that worktree's again. */
  private takeBackFromTrash(restored: string, after: Scan): void {
    for (const [token, custodians] of this.custody) {
      if (custodians.has(TRASH) && isCurrentIn(after.tokens.get(token), restored)) this.custody.set(token, new Set([restored]));
    }
  }

  /**
   * After a confirmed removal: a token whose custodians all went, but which lives on in another
   * worktree (a copy, e.g. brought along as uncommitted changes), is now that worktree's to answer
   * for — otherwise the user deleting that copy by hand would look like the product losing it.
   * What lives on nowhere else is the trash's (the removal must have saved it there).
   */
  private passOnFromRemoved(removed: readonly string[], after: Scan): void {
    const locations = after.worktrees.filter((worktree) => !worktree.gone).map((worktree) => worktree.path);
    for (const [token, custodians] of this.custody) {
      if (![...custodians].every((custodian) => removed.includes(custodian))) continue;
      const holders = locations.filter((location) => isCurrentIn(after.tokens.get(token), location));
      if (holders.length > 0) this.custody.set(token, new Set(holders));
      else if ([...(after.tokens.get(token) ?? [])].some((source) => source.startsWith('trash:')))
        this.custody.set(token, new Set([TRASH]));
    }
  }

  /**
   * After an undo: what the keep had delivered and the target no longer has is the agent's again;
   * when the agent worktree no longer has it either (a forced undo: its folder was gone), the
   * worktrees still holding a copy (brought along as uncommitted changes) answer for it.
   */
  private handBack(agent: string, target: string, after: Scan): void {
    const locations = after.worktrees.filter((worktree) => !worktree.gone).map((worktree) => worktree.path);
    for (const token of this.custody.keys()) {
      if (this.delivered.get(token) !== `${agent}\0${target}` || isCurrentIn(after.tokens.get(token), target)) continue;
      const holders = isCurrentIn(after.tokens.get(token), agent)
        ? [agent]
        : locations.filter((location) => isCurrentIn(after.tokens.get(token), location));
      if (holders.length === 0) continue;
      this.custody.set(token, new Set(holders));
      this.delivered.delete(token);
    }
  }

  /**
   * An undo may take from the target only what that keep delivered and nobody committed since; and
   * only when the user agreed (forced: the agent worktree was gone) or the agent worktree is still
   * there (so it was the agent's own edit that dropped its copy).
   */
  private undoneWithConsent(token: string, undone: ProductOutcome['undone'], was: ReadonlySet<Source>): boolean {
    if (!undone || this.delivered.get(token) !== `${undone.agent}\0${undone.target}`) return false;
    const agentThere = this.scanned.worktrees.some((worktree) => worktree.path === undone.agent && !worktree.gone);
    if (!undone.forced && !agentThere) return false;
    const uncommittedInTarget = (source: Source) => source === `files:${undone.target}` || source === `index:${undone.target}`;
    return was.size > 0 && [...was].every(uncommittedInTarget);
  }

  /** Counts a liveness or fault check that applied, so the report shows the checks really ran. */
  count(check: string): void {
    this.checks.set(check, (this.checks.get(check) ?? 0) + 1);
  }

  private countReason(label: string, message: string): void {
    const reason = `${stepKind(label)}: ${message}`
      .replaceAll(path.dirname(this.main), '…')
      .replace(/too: .*?\. Commit/s, 'too: …. Commit')
      .replace(/tk\d+x/g, 'tk…')
      .replace(/\ba\d+\b/g, 'a…')
      .replace(/\s+/g, ' ');
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  /**
   * After a keep: what is newly in the target is the target's to answer for, no longer the agent's.
   * What the target already had uncommitted and the agent has too (the agent worktree was made
   * with the target's uncommitted changes) is now the kept state there as well: the agent's next
   * keep may change it as it changes what the keep delivered — the review shows that change, and
   * Undo Keep takes it back.
   */
  private handOver(agent: string, target: string, before: Scan, after: Scan): void {
    const uncommittedInTarget = (source: Source) => source === `files:${target}` || source === `index:${target}`;
    for (const [token, custodians] of this.custody) {
      const inTarget = isCurrentIn(after.tokens.get(token), target);
      if (custodians.has(agent)) {
        if (inTarget && !isCurrentIn(before.tokens.get(token), target)) {
          custodians.delete(agent);
          custodians.add(target);
          this.delivered.set(token, `${agent}\0${target}`);
        }
        continue;
      }
      const copiedFromTarget =
        custodians.size === 1 &&
        custodians.has(target) &&
        isCurrentIn(before.tokens.get(token), agent) &&
        [...(after.tokens.get(token) ?? [])].filter((source) => !source.endsWith(`:${agent}`)).every(uncommittedInTarget);
      if (inTarget && copiedFromTarget) this.delivered.set(token, `${agent}\0${target}`);
    }
  }

  /**
   * An incremental keep may replace what an earlier keep of the same agent put in the same target
   * and nobody committed since (#11 item 4: that copy is the extension's own, not the user's work),
   * once the agent itself no longer has it. Anything the user wrote there stays in custody.
   */
  private superseded(token: string, kept: ProductOutcome['kept'], was: ReadonlySet<Source>): boolean {
    if (!kept || this.delivered.get(token) !== `${kept.agent}\0${kept.target}`) return false;
    const custodians = this.custody.get(token);
    if (custodians?.size !== 1 || !custodians.has(kept.target)) return false;
    const uncommittedInTarget = (source: Source) => source === `files:${kept.target}` || source === `index:${kept.target}`;
    return was.size > 0 && [...was].every(uncommittedInTarget);
  }

  /** Writes a file, making parent folders; false (nothing written) when a file is where a folder must be. */
  write(root: string, relative: string, content: string | Buffer): boolean {
    const file = path.join(root, relative);
    if (!this.makeFolder(path.dirname(file)) || statSync(file, { throwIfNoEntry: false })?.isDirectory()) return false;
    writeFileSync(file, content);
    return true;
  }

  /** mkdir -p; false when a file is in the way. */
  makeFolder(folder: string): boolean {
    try {
      mkdirSync(folder, { recursive: true });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR' || (error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }
}

const DOCUMENTED_CODES: readonly string[] = ['invalid', 'exists', 'blocked', 'needs-confirmation', 'failed'];

/**
 * The API promises every refusal as a `WorktreeOperationError` with one of the documented codes
 * and a message a user can act on (git's own error at most as its `cause`): a raw `GitError`, a
 * `TypeError` or anything else escaping an operation is a defect even when it changed nothing.
 */
function requireDocumentedRefusal(label: string, refusal: Error): void {
  const documented =
    refusal instanceof WorktreeOperationError && DOCUMENTED_CODES.includes(refusal.code) && refusal.message.trim() !== '';
  if (!documented) {
    const kind = refusal instanceof WorktreeOperationError ? `code ${quoteCode(refusal.code)}` : refusal.name;
    throw new Violation(`${label}: refused with ${kind}, not a documented refusal: ${refusal.stack ?? refusal.message}`);
  }
}

const quoteCode = (code: unknown) => JSON.stringify(code);

/** `new Keep(0, …)` → `Keep`. */
function stepKind(label: string): string {
  return label.replace(/^new (\w+).*$/s, '$1');
}

function isCurrentIn(sources: ReadonlySet<Source> | undefined, location: string): boolean {
  return (
    sources !== undefined &&
    (sources.has(`files:${location}`) || sources.has(`index:${location}`) || sources.has(`tree:${location}`))
  );
}

function difference(before: string, after: string): string {
  const was = new Set(before.split('\n'));
  const now = new Set(after.split('\n'));
  return [
    ...[...was].filter((line) => !now.has(line)).map((line) => `- ${line}`),
    ...[...now].filter((line) => !was.has(line)).map((line) => `+ ${line}`),
  ]
    .slice(0, 20)
    .join('\n');
}
