// What each agent is doing, from what the editor reports: its terminal's command starting and
// ending (with an exit code, through shell integration), its output, and file changes in its
// worktree. Pure (no `vscode` import, time passed in): the extension feeds it events, and every
// transition — including working → waiting, which happens by time alone — is unit-tested.

export type AgentState = 'working' | 'waiting' | 'done' | 'failed' | 'not-running';

/**
 * How an agent's activity is known: its terminal reports commands (shell integration), or only
 * opens and closes; or it is a terminal found again after a window reload (the command it runs
 * started before: its output cannot be read, only file changes and the terminal closing).
 */
export type ActivitySource = 'shell-integration' | 'terminal-only' | 'reattached';

export interface AgentActivity {
  readonly state: AgentState;
  /** When this state began (ms since the epoch). */
  readonly since: number;
  /** The agent command's exit code, once it ended (undefined when the terminal could not say). */
  readonly exitCode?: number;
  /** The last line the agent printed (control sequences removed), when output is known. */
  readonly lastLine?: string;
  readonly source?: ActivitySource;
}

interface Session {
  source: ActivitySource;
  startedAt: number;
  lastOutputAt?: number;
  lastFileAt?: number;
  /** The latest output chunks, at least TAIL_CHARS of them when there were (the last line is computed only when asked). */
  recent: string[];
  recentChars: number;
  ended?: { at: number; exitCode: number | undefined };
  /** What the agent itself said through its hooks (exact: it outranks output and quiet time). */
  declared?: 'working' | 'waiting';
  /** Until when it holds: its next declaration (hooks for both ways), or its next output (a notify that only says "done with this turn"). */
  declaredUntil?: 'declaration' | 'output';
  /** The state last reported to listeners, and since when. */
  reported: { state: AgentState; since: number };
  timer?: ReturnType<typeof setTimeout>;
}

export interface ActivityClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): ReturnType<typeof setTimeout>;
  clearTimeout(timer: ReturnType<typeof setTimeout>): void;
}

const SYSTEM_CLOCK: ActivityClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return timer;
  },
  clearTimeout: (timer) => clearTimeout(timer),
};

/** Output kept per agent for its last line: enough for one long line, never the whole log. */
const TAIL_CHARS = 2000;

export type ActivityListener = (key: string, activity: AgentActivity, previous: AgentState) => void;

/**
 * Per agent worktree (by key, its path): *working* while output or file changes came in the last
 * `quietMs`, *waiting* once both have been quiet that long while the agent runs, then *done*
 * (exit 0), *failed* (another exit code) or *not running*. Listeners hear each change of state once.
 */
export class AgentActivityTracker {
  private readonly sessions = new Map<string, Session>();
  private readonly listeners = new Set<ActivityListener>();

  private readonly quietMsOf: () => number;

  /** `quietMs`: a number, or a function read each time (a setting that may change). */
  constructor(
    quietMs: number | (() => number),
    private readonly clock: ActivityClock = SYSTEM_CLOCK,
  ) {
    this.quietMsOf = typeof quietMs === 'number' ? () => quietMs : quietMs;
  }

  private get quietMs(): number {
    return this.quietMsOf();
  }

  onDidChange(listener: ActivityListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** An agent started in the worktree's terminal (a new session: what came before is forgotten). */
  started(key: string, source: ActivitySource): void {
    const previous = this.sessions.get(key);
    if (previous?.timer) this.clock.clearTimeout(previous.timer);
    const now = this.clock.now();
    const session: Session = { source, startedAt: now, recent: [], recentChars: 0, reported: { state: 'working', since: now } };
    this.sessions.set(key, session);
    this.emit(key, session, previous ? this.derive(previous).state : 'not-running');
    this.scheduleQuietCheck(key, session);
  }

  /** Output from the agent: cheap on purpose (a chatty agent prints many times a second). */
  output(key: string, text: string): void {
    const session = this.sessions.get(key);
    if (!session || session.ended) return;
    session.lastOutputAt = this.clock.now();
    if (session.declared && session.declaredUntil === 'output') {
      // An agent that only says when its turn is over is at work again once it prints.
      session.declared = undefined;
      session.declaredUntil = undefined;
    }
    // Kept as chunks (no string built per chunk): older ones go once the newer hold enough.
    session.recent.push(text);
    session.recentChars += text.length;
    while (session.recent.length > 1 && session.recentChars - (session.recent[0] as string).length >= TAIL_CHARS) {
      session.recentChars -= (session.recent.shift() as string).length;
    }
    if (session.reported.state !== 'working') this.refresh(key, session);
  }

  /** A file changed in the worktree. */
  fileChanged(key: string): void {
    const session = this.sessions.get(key);
    if (!session || session.ended) return;
    session.lastFileAt = this.clock.now();
    this.refresh(key, session);
  }

  /** The agent said what it is doing (its hooks: waiting for permission or input, or back at work). */
  declared(key: string, state: 'working' | 'waiting', until: 'declaration' | 'output' = 'declaration'): void {
    const session = this.sessions.get(key);
    if (!session || session.ended) return;
    session.declared = state;
    session.declaredUntil = until;
    this.refresh(key, session);
  }

  /** The agent's command ended (exit code when the terminal reported one). */
  ended(key: string, exitCode: number | undefined): void {
    const session = this.sessions.get(key);
    if (!session || session.ended) return;
    session.ended = { at: this.clock.now(), exitCode };
    if (session.timer) this.clock.clearTimeout(session.timer);
    session.timer = undefined;
    this.refresh(key, session);
  }

  /** The terminal is gone: an agent still counted as running is not any more. */
  terminalClosed(key: string): void {
    const session = this.sessions.get(key);
    if (session && !session.ended) this.ended(key, undefined);
  }

  /** Forget a worktree (removed): listeners hear it is not running, so no count still includes it. */
  forget(key: string): void {
    const session = this.sessions.get(key);
    if (!session) return;
    if (session.timer) this.clock.clearTimeout(session.timer);
    this.sessions.delete(key);
    const activity = this.activity(key);
    for (const listener of this.listeners) listener(key, activity, session.reported.state);
  }

  activity(key: string): AgentActivity {
    const session = this.sessions.get(key);
    if (!session) return { state: 'not-running', since: 0 };
    const { state } = this.derive(session);
    const since = state === session.reported.state ? session.reported.since : this.clock.now();
    return {
      state,
      since,
      exitCode: session.ended?.exitCode,
      lastLine: session.source === 'shell-integration' ? lastLine(session.recent.join('').slice(-TAIL_CHARS)) : undefined,
      source: session.source,
    };
  }

  /** Every tracked agent's state, for a summary. */
  states(): Map<string, AgentState> {
    return new Map([...this.sessions].map(([key, session]) => [key, this.derive(session).state]));
  }

  dispose(): void {
    for (const session of this.sessions.values()) if (session.timer) this.clock.clearTimeout(session.timer);
    this.sessions.clear();
    this.listeners.clear();
  }

  private derive(session: Session): { state: AgentState; changedAt: number } {
    if (session.ended) {
      const { exitCode, at } = session.ended;
      const state = exitCode === 0 ? 'done' : exitCode === undefined ? 'not-running' : 'failed';
      return { state, changedAt: at };
    }
    if (session.declared) return { state: session.declared, changedAt: this.clock.now() };
    const last = Math.max(session.startedAt, session.lastOutputAt ?? 0, session.lastFileAt ?? 0);
    const quietSince = last + this.quietMs;
    return this.clock.now() < quietSince ? { state: 'working', changedAt: last } : { state: 'waiting', changedAt: quietSince };
  }

  private refresh(key: string, session: Session): void {
    const previous = session.reported.state;
    const { state } = this.derive(session);
    if (state === previous) return;
    this.emit(key, session, previous);
    if (state === 'working') this.scheduleQuietCheck(key, session);
  }

  private emit(key: string, session: Session, previous: AgentState): void {
    const { state, changedAt } = this.derive(session);
    session.reported = { state, since: Math.min(changedAt, this.clock.now()) };
    const activity = this.activity(key);
    for (const listener of this.listeners) listener(key, activity, previous);
  }

  /** One timer per working agent, at the moment it would turn quiet; moved on only when it fires. */
  private scheduleQuietCheck(key: string, session: Session): void {
    // Its hooks say what it does: quiet time decides nothing (and no timer spins on a declared state).
    if (session.timer || session.ended || session.declared) return;
    const last = Math.max(session.startedAt, session.lastOutputAt ?? 0, session.lastFileAt ?? 0);
    const wait = Math.max(0, last + this.quietMs - this.clock.now());
    session.timer = this.clock.setTimeout(() => {
      session.timer = undefined;
      if (this.sessions.get(key) !== session || session.ended || session.declared) return;
      if (this.derive(session).state === 'working') this.scheduleQuietCheck(key, session);
      else this.refresh(key, session);
    }, wait);
  }
}

/** The last non-empty line of some terminal output, without colours, cursor moves or a carriage-return's overwritten text. */
export function lastLine(output: string): string | undefined {
  const plain = output.replace(CSI, '').replace(OSC, '').replace(OTHER_ESCAPE, '');
  const lines = plain.split(/\r?\n/).map((line) => {
    // A carriage return starts the line over (progress bars): what follows the last one is shown.
    const parts = line.split('\r').filter((part) => part.trim() !== '');
    return withoutControls(parts.at(-1) ?? '').trim();
  });
  const found = lines.filter(Boolean).at(-1);
  return found === undefined ? undefined : found.length > 200 ? `${found.slice(0, 199)}…` : found;
}

// Terminal control sequences, built from strings (control characters in a regex literal read badly).
const ESC = '\u001b';
const BEL = '\u0007';
/** Colours and cursor moves. */
const CSI = new RegExp(`${ESC}\\[[0-?]*[ -/]*[@-~]`, 'g');
/** Titles, links and shell integration's marks. */
const OSC = new RegExp(`${ESC}\\][^${BEL}${ESC}]*(?:${BEL}|${ESC}\\\\)`, 'g');
const OTHER_ESCAPE = new RegExp(`${ESC}[@-_]`, 'g');

function withoutControls(text: string): string {
  let kept = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (code >= 0x20 && code !== 0x7f) kept += char;
  }
  return kept;
}
