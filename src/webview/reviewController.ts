import { type AgentChanges, type KeepConsent, type KeepResult, WorktreeOperationError } from '../agents';
import type { Logger } from '../git';
import type { HostMessage, PageMessage, ReviewData } from './protocol';
import { parsePageMessage } from './protocol';
import { captureId } from './reviewData';

export type KeepSelection = { files?: readonly string[]; hunks?: Readonly<Record<string, readonly number[]>> };

/** What the user agreed to so far for this keep. */
export type KeepConsents = { readonly allowConflicts: boolean; readonly skipUnmergeable: boolean };

/** What the controller needs from VS Code and git; plain functions, so it runs in unit tests too. */
export interface ReviewControllerDeps {
  readonly logger: Logger;
  readonly worktreePath: string;
  post(message: HostMessage): void;
  /** A fresh capture and the page's data for it. */
  load(): Promise<{ changes: AgentChanges; review: ReviewData }>;
  /** Sends the page its data (with the layout and the remembered selection). */
  show(review: ReviewData): void;
  /** Keeps (and with `commitMessage`, commits the kept files: Keep and Commit). */
  keep(selection: KeepSelection, reviewed: AgentChanges, consent: KeepConsents, commitMessage?: string): Promise<KeepResult>;
  /** Cherry-picks the agent's commits onto the target's branch; says what happened. */
  cherryPick(): Promise<string>;
  /**
   * Asks for what a keep needs consent for (conflict markers, or leaving out files that cannot be
   * merged); resolves true when the user agreed.
   */
  confirm(consent: KeepConsent, detail: string): Promise<boolean>;
  /** The guarded removal: true when removed, false when the user cancelled; rejects when refused. */
  discard(): Promise<boolean>;
  /**
   * Undoes this agent worktree's newest keep (asking when needed) and says what happened; rejects
   * when there is none or undo refuses.
   */
  undoLastKeep(): Promise<string>;
  /** After a keep that wrote something: `agentWorktrees.afterKeep`. */
  afterKeep(result: KeepResult, summary: string): Promise<void>;
  /** Messages without a reply (open a diff, choose a target, layout, selection). */
  other(
    message: Exclude<PageMessage, { requestId: number } | { type: 'ready' }>,
    changes: AgentChanges | undefined,
  ): Promise<void>;
  /** The page's panel closes (after its worktree was discarded, or when it can no longer exist). */
  close(): void;
  /** Why the worktree cannot be reviewed any more, or undefined when it still can. */
  gone(error: unknown): string | undefined;
}

type Reply = { readonly ok: boolean; readonly message: string; readonly afterwards?: () => Promise<void> };

/**
 * The review panel's behaviour, without VS Code: every page request gets exactly one reply (errors
 * included), one operation runs at a time, and only the newest capture is shown.
 */
export class ReviewController {
  private ready = false;
  private disposed = false;
  /** What runs now (a keep, a discard, an undo): a second request is refused instead of stacking a dialog. */
  private busy: string | undefined;
  /** Each refresh takes a number; a result is shown only if no newer refresh started meanwhile. */
  private generation = 0;
  changes: AgentChanges | undefined;
  lastReview: ReviewData | undefined;

  constructor(private readonly deps: ReviewControllerDeps) {}

  async onMessage(raw: unknown): Promise<void> {
    const message = parsePageMessage(raw);
    if (!message) {
      this.deps.logger.warn(`Review panel: ignored a malformed or unknown message: ${safePreview(raw)}`);
      return;
    }
    try {
      await this.handle(message);
    } catch (error) {
      // Only messages without a reply get here (requests answer their own failures): logged, never lost.
      this.deps.logger.error(`Review panel (${this.deps.worktreePath}): ${message.type} failed: ${errorMessage(error)}`);
    }
  }

  private async handle(message: PageMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        return this.refresh();
      case 'keep':
        return this.request(message.requestId, 'a keep', () =>
          this.keepShown(message.capture, { files: message.files, hunks: message.hunks }, message.commitMessage),
        );
      case 'keepAll':
        return this.request(message.requestId, 'a keep', () => this.keepShown(message.capture, {}, message.commitMessage));
      case 'cherryPick':
        return this.request(message.requestId, 'a cherry-pick', () => this.cherryPickShown(message.capture));
      case 'discard':
        return this.request(message.requestId, 'a discard', () => this.discard());
      case 'undoKeep':
        return this.request(message.requestId, 'an undo', async () => ({
          ok: true,
          message: await this.deps.undoLastKeep(),
          afterwards: () => this.refresh(),
        }));
      default:
        return this.deps.other(message, this.changes);
    }
  }

  /** Runs one request: exactly one reply, whatever happens; refused while another one runs. */
  private async request(requestId: number, what: string, operation: () => Promise<Reply>): Promise<void> {
    if (this.busy) {
      this.reply(requestId, { ok: false, message: `Nothing was done: ${this.busy} is still running.` });
      return;
    }
    this.busy = what;
    let reply: Reply;
    try {
      reply = await operation();
    } catch (error) {
      this.deps.logger.error(`Review panel (${this.deps.worktreePath}): ${what} failed: ${errorMessage(error)}`);
      reply = { ok: false, message: errorMessage(error) };
    } finally {
      this.busy = undefined;
    }
    this.reply(requestId, reply);
    await reply.afterwards?.().catch((error: unknown) => {
      this.deps.logger.error(`Review panel (${this.deps.worktreePath}): after ${what}: ${errorMessage(error)}`);
    });
  }

  private reply(requestId: number, reply: Reply): void {
    if (!this.disposed) this.deps.post({ type: 'result', requestId, ok: reply.ok, message: reply.message });
  }

  /**
   * Keep from the capture the page showed when the user clicked: exactly what they saw, with hunk
   * numbers meaning the hunks they saw. If a newer capture replaced it meanwhile, nothing is kept.
   */
  private async keepShown(capture: string, selection: KeepSelection, commitMessage?: string): Promise<Reply> {
    const shown = this.changes;
    const review = this.lastReview;
    if (!shown || !review || captureId(shown) !== capture) return this.outdated('kept');
    try {
      const result = await this.keepWithConsent(selection, shown, commitMessage);
      if (!result) return { ok: true, message: 'Nothing was kept.' };
      const summary = describeKept(result, selection, review);
      return {
        ok: true,
        message: summary,
        afterwards: async () => {
          await this.refresh();
          if (result.keptFiles.length > 0) await this.deps.afterKeep(result, summary);
        },
      };
    } catch (error) {
      this.deps.logger.error(`Keep from ${this.deps.worktreePath} failed: ${errorMessage(error)}`);
      const where = `The agent worktree and its branch are unchanged at ${this.deps.worktreePath}.`;
      return { ok: false, message: `${errorMessage(error)} ${where}` };
    }
  }

  /**
   * Keeps, asking for each consent the keep needs (first files to leave out, then conflict
   * markers); undefined when the user declined one.
   */
  private async keepWithConsent(
    selection: KeepSelection,
    shown: AgentChanges,
    commitMessage: string | undefined,
  ): Promise<KeepResult | undefined> {
    let consents: KeepConsents = { allowConflicts: false, skipUnmergeable: false };
    for (;;) {
      try {
        return await this.deps.keep(selection, shown, consents, commitMessage);
      } catch (error) {
        if (!(error instanceof WorktreeOperationError && error.code === 'needs-confirmation')) throw error;
        const consent: KeepConsent = error.consent ?? { kind: 'conflicts', files: [] };
        const key = consent.kind === 'unmergeable' ? 'skipUnmergeable' : 'allowConflicts';
        if (consents[key]) throw error; // asked already: never loop
        if (!(await this.deps.confirm(consent, error.message))) return undefined;
        consents = { ...consents, [key]: true };
      }
    }
  }

  /** The page showed a capture that is no longer the newest: nothing is done, the update is shown. */
  private outdated(what: 'kept' | 'picked'): Reply {
    return {
      ok: false,
      message: `Nothing was ${what}: the agent’s changes were updated while you chose. Review the update and try again.`,
      afterwards: () => this.refresh(),
    };
  }

  /** Cherry-pick, from the review the user saw (its capture names the agent's state then). */
  private async cherryPickShown(capture: string): Promise<Reply> {
    const shown = this.changes;
    if (!shown || captureId(shown) !== capture) return this.outdated('picked');
    return { ok: true, message: await this.deps.cherryPick(), afterwards: () => this.refresh() };
  }

  private async discard(): Promise<Reply> {
    if (!(await this.deps.discard())) return { ok: true, message: 'Nothing was discarded.' };
    this.deps.close();
    return { ok: true, message: 'Discarded.' };
  }

  /** Capture again and show it, unless a newer refresh started meanwhile (its result wins). */
  async refresh(): Promise<void> {
    if (!this.ready || this.disposed) return;
    const generation = ++this.generation;
    try {
      const { changes, review } = await this.deps.load();
      if (generation !== this.generation || this.disposed) return;
      this.changes = changes;
      this.lastReview = review;
      this.deps.show(review);
    } catch (error) {
      if (generation !== this.generation || this.disposed) return;
      const gone = this.deps.gone(error);
      if (gone) {
        this.deps.logger.info(`Review panel closed: ${gone}`);
        this.deps.close();
        return;
      }
      this.deps.logger.error(`Review of ${this.deps.worktreePath} failed: ${errorMessage(error)}`);
      this.deps.post({ type: 'gone', message: `Cannot review ${this.deps.worktreePath}: ${errorMessage(error)}` });
    }
  }

  dispose(): void {
    this.disposed = true;
  }
}

/**
 * What a keep wrote, in words: whole files counted, files kept in part named with their hunks —
 * "Kept 1 file and 1 of 2 hunks of src/cart.ts into /repo".
 */
export function describeKept(result: KeepResult, selection: KeepSelection, review: Pick<ReviewData, 'files'>): string {
  if (result.keptFiles.length === 0 && result.skipped.length > 0)
    return `Nothing was kept: ${result.skipped.map((file) => `${file.path} (${file.reason})`).join(', ')} left out.`;
  if (result.keptFiles.length === 0) return 'Nothing to keep: everything was kept already.';
  const partial: string[] = [];
  let whole = 0;
  for (const file of result.keptFiles) {
    const chosen = Object.hasOwn(selection.hunks ?? {}, file) ? selection.hunks?.[file] : undefined;
    const total = review.files.find((candidate) => candidate.path === file)?.hunkCount ?? 0;
    const hunks = chosen ? new Set(chosen).size : total;
    if (chosen && hunks < total) partial.push(`${hunks} of ${total} hunks of ${file}`);
    else whole++;
  }
  const parts = [...(whole > 0 ? [`${whole} file${whole === 1 ? '' : 's'}`] : []), ...partial];
  const listed = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0];
  const conflicts = result.conflicts.length > 0 ? ` (${result.conflicts.length} with conflicts)` : '';
  const merged =
    result.merged.length > 0
      ? ` ${result.merged.length === 1 ? '1 file was' : `${result.merged.length} files were`} merged with your uncommitted edits.`
      : '';
  const skipped =
    result.skipped.length > 0 ? ` Left out (still to review): ${result.skipped.map((file) => file.path).join(', ')}.` : '';
  return `Kept ${listed} into ${result.target}${conflicts}.${merged}${skipped}`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function safePreview(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return String(value).slice(0, 200);
  }
}
