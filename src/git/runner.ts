import type { ChildProcess } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import { getSystemErrorName } from 'node:util';
import { parseArgv, parseEnv, type VulnerabilityCategory } from '@simple-git/argv-parser';
import {
  GitConstructError,
  GitPluginError,
  type SimpleGit,
  GitError as SimpleGitError,
  type SimpleGitOptions,
  simpleGit,
} from 'simple-git';
import { classifyGitFailure, firstMeaningfulLine, GitError } from './errors';
import { type Logger, silentLogger } from './logger';

export interface GitRunOptions {
  /** Folder git runs in. Must exist: a missing folder is reported as such, not as "git not found". */
  readonly cwd: string;
  /** Read-only calls set GIT_OPTIONAL_LOCKS=0 so `status` never fights the user's own git for index.lock. */
  readonly readOnly?: boolean;
  /** Extra environment (e.g. GIT_INDEX_FILE for a temp index). */
  readonly env?: Readonly<Record<string, string>>;
  /** Exit codes that mean success for this call (default: only 0). */
  readonly acceptExitCodes?: readonly number[];
  /** Bytes for git's stdin (e.g. object ids for `cat-file --batch`); by default stdin is closed at once. */
  readonly input?: Buffer;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /**
   * Leave git's pathspec magic on (no GIT_LITERAL_PATHSPECS) for a call that passes no path from
   * data: `git stash push --include-untracked` cleans through a magic pathspec of its own, and
   * with literal pathspecs it stashed untracked files without removing them.
   */
  readonly pathspecMagic?: boolean;
}

export interface GitResult {
  readonly args: readonly string[];
  readonly exitCode: number;
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
  readonly durationMs: number;
  /** stdout decoded as UTF-8 (porcelain -z output is bytes of paths; git writes them as UTF-8 on Linux/macOS). */
  readonly stdout: string;
}

export interface GitRunnerOptions {
  readonly gitPath?: string;
  readonly logger?: Logger;
  readonly defaultTimeoutMs?: number;
  /** When false, every run is refused without spawning (Restricted Mode). Default true. */
  readonly enabled?: boolean;
}

/**
 * Variables that would silently redirect git to another repository or index if VS Code itself
 * was started from inside a git hook; we never inherit them, callers set them explicitly.
 */
const INHERITED_VARIABLES_TO_DROP = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_PREFIX',
  'GIT_NAMESPACE',
  // Would contradict GIT_LITERAL_PATHSPECS (git refuses the combination).
  'GIT_GLOB_PATHSPECS',
  'GIT_NOGLOB_PATHSPECS',
  'GIT_ICASE_PATHSPECS',
];

/** simple-git stops a git with SIGINT only; one that is still running this much later gets SIGKILL. */
const KILL_GRACE_MS = 2000;

/** What simple-git's `binary` option accepts without `unsafe.allowUnsafeCustomBinary` (its own check). */
const PLAIN_BINARY = /^([a-z]:)?([a-z0-9/.\\_~-]+)$/i;

/**
 * A zero-length chunk. As simple-git's `input` it closes git's stdin at once (an empty string would
 * leave it open, and a git that reads stdin would wait forever); see also the outputHandler.
 */
const EMPTY = Buffer.alloc(0);

type StopReason = 'Timeout' | 'Cancelled';

/** What one call's pieces share: why it was stopped, its process, what git returned when accepted. */
interface CallState {
  readonly stopper: AbortController;
  stopped?: StopReason;
  killTimer?: NodeJS.Timeout;
  child?: ChildProcess;
  accepted?: { exitCode: number; stdoutBytes: Buffer; stderr: string };
}

/**
 * How a git call ended when it did not end as the caller accepts, as our `errors` option hands it
 * back to simple-git. It extends simple-git's GitError so simple-git rejects with it unchanged (a
 * plain Error is re-wrapped and loses these fields); `run` turns it into our GitError.
 */
class GitCallFailure extends SimpleGitError {
  constructor(
    /** null: killed by a signal; negative: git could not be started (a libuv error number). */
    readonly exitCode: number | null,
    readonly stdoutBytes: Buffer,
    readonly stderr: string,
  ) {
    super(undefined, 'git call failed');
  }
}

/**
 * THE place git is started, through `simple-git` (one instance per call): argument arrays only (no
 * shell), a fixed locale for parsing, exact exit codes and bytes, a timeout and an AbortSignal, and
 * exactly one log line per call.
 */
export class GitRunner {
  private gitPath: string;
  private readonly logger: Logger;
  private readonly defaultTimeoutMs: number;
  private spawned = 0;
  private enabled: boolean;

  constructor(options: GitRunnerOptions = {}) {
    this.gitPath = options.gitPath ?? 'git';
    this.logger = options.logger ?? silentLogger;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 60_000;
    this.enabled = options.enabled ?? true;
  }

  /**
   * The last line of defence for "no git in an untrusted workspace": whatever path a call takes
   * (a command run programmatically ignores `enablement`), a disabled runner spawns nothing.
   */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
  }

  /** How many git processes this runner has started (tests and benchmarks count them). */
  get spawnCount(): number {
    return this.spawned;
  }

  setGitPath(gitPath: string): void {
    this.gitPath = gitPath;
  }

  run(args: readonly string[], options: GitRunOptions): Promise<GitResult> {
    const { cwd, signal } = options;
    const argv = [...args];

    if (!this.enabled) {
      return Promise.reject(
        new GitError('Git is not run in Restricted Mode. Trust this workspace to use Agent Worktrees.', {
          code: 'Disabled',
          args: argv,
          cwd,
        }),
      );
    }
    if (signal?.aborted) {
      return Promise.reject(new GitError('Cancelled before git started', { code: 'Cancelled', args: argv, cwd }));
    }
    return this.call(argv, options);
  }

  /** One git process through a simple-git instance of its own, stopped by timeout or signal; logged once. */
  private async call(argv: string[], options: GitRunOptions): Promise<GitResult> {
    const { cwd, signal } = options;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const started = performance.now();
    const call: CallState = { stopper: new AbortController() };
    const stop = (why: StopReason) => {
      if (call.stopped) return;
      call.stopped = why;
      call.stopper.abort(); // simple-git sends SIGINT
      call.killTimer = setTimeout(() => call.child?.kill('SIGKILL'), KILL_GRACE_MS);
      call.killTimer.unref?.();
    };
    const timeout = setTimeout(() => stop('Timeout'), timeoutMs);
    const onAbort = () => stop('Cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    const releaseChildren = watchNewChildren();

    let outcome: { result: GitResult } | { error: GitError };
    try {
      const env = this.environmentFor(options);
      // Guard categories the user's own environment trips (see unsafeOptions).
      const envCategories = new Set(parseEnv(env).vulnerabilities.map(({ category }) => category));
      const refusal = refusedArguments(argv, cwd, envCategories);
      if (refusal) throw refusal;
      await this.simpleGitFor(call, options, env, envCategories).raw(argv);
      if (!call.accepted) throw new Error('simple-git resolved without reporting an exit code');
      outcome = { result: gitResult(argv, call.accepted, performance.now() - started) };
    } catch (caught) {
      outcome = { error: this.translate(caught, argv, cwd, call, timeoutMs) };
    } finally {
      clearTimeout(timeout);
      if (call.killTimer) clearTimeout(call.killTimer);
      signal?.removeEventListener('abort', onAbort);
      releaseChildren();
    }

    const ms = Math.round(performance.now() - started);
    const failure = 'error' in outcome ? ` (${describeFailure(outcome.error)})` : '';
    this.logger.info(`> git ${formatArgs(argv)} [${ms}ms]${failure}`);
    if ('error' in outcome) throw outcome.error;
    return outcome.result;
  }

  /** A simple-git instance for one call (its abort signal, environment, errors and output handler are per call). */
  private simpleGitFor(
    call: CallState,
    options: GitRunOptions,
    env: NodeJS.ProcessEnv,
    envCategories: ReadonlySet<VulnerabilityCategory>,
  ): SimpleGit {
    const accept = options.acceptExitCodes ?? [0];
    return simpleGit({
      baseDir: options.cwd,
      binary: this.gitPath,
      abort: call.stopper.signal,
      input: () => options.input ?? EMPTY,
      // Only `close` ends a call (all output read), as with a plain spawn; not `exit` + 50 ms.
      completion: { onClose: true, onExit: false },
      // Called after every command, successes too: the caller's accepted exit codes decide, not
      // simple-git's default (a non-zero exit with empty stderr would otherwise be a success).
      errors: (_error, result) => {
        const exitCode = result.exitCode as number | null;
        const stdoutBytes = Buffer.concat(result.stdOut);
        const stderr = Buffer.concat(result.stdErr).toString('utf8');
        if (!call.stopped && exitCode !== null && exitCode >= 0 && accept.includes(exitCode)) {
          call.accepted = { exitCode, stdoutBytes, stderr };
          return undefined;
        }
        return new GitCallFailure(exitCode, stdoutBytes, stderr);
      },
      // The whole environment is ours (computed from the user's own, see environmentFor), and
      // `.env()` replaces it all: every variable in it is deliberate.
      allowEnvironment: Object.keys(env),
      unsafe: this.unsafeOptions(envCategories),
    })
      .env(env)
      .outputHandler((_command, stdout) => {
        this.spawned++;
        call.child = claimNewChild(stdout);
        // simple-git waits 50 ms after `close` unless a `data` event arrived, so a command that
        // prints nothing (`diff --quiet`, `update-ref`) would pay it every time. An empty chunk
        // when stdout ends says the output is complete; it adds no bytes.
        stdout.once('end', () => stdout.emit('data', EMPTY));
      });
  }

  /**
   * simple-git's guard stays on for our arguments. Its environment check also refuses variables the
   * user's own environment may well hold (EDITOR, PAGER, GIT_SSH_COMMAND, GIT_CONFIG_GLOBAL, …):
   * those categories are allowed for the environment, and checked on the arguments by
   * `refusedArguments` instead. Abbreviated options stay allowed so simple-git does not switch on
   * GIT_TEST_DISALLOW_ABBREVIATED_OPTIONS for the user's hooks (none of our calls abbreviates).
   */
  private unsafeOptions(envCategories: ReadonlySet<VulnerabilityCategory>): NonNullable<SimpleGitOptions['unsafe']> {
    const unsafe: NonNullable<SimpleGitOptions['unsafe']> = { allowAbbreviatedOptions: true };
    for (const category of envCategories) unsafe[category] = true;
    // `git.path` is the user's (machine-scoped) setting and git is spawned without a shell, so a
    // path with spaces or other characters simple-git's check refuses is still just a file name.
    if (!PLAIN_BINARY.test(this.gitPath)) unsafe.allowUnsafeCustomBinary = true;
    return unsafe;
  }

  /** Our GitError for whatever ended the call: a stop, a start failure, git's exit, or a refusal. */
  private translate(caught: unknown, argv: string[], cwd: string, call: CallState, timeoutMs: number): GitError {
    if (caught instanceof GitError) return caught;
    if (caught instanceof GitCallFailure) {
      const { exitCode, stderr, stdoutBytes } = caught;
      const details = { args: argv, cwd, exitCode, stderr, stdoutBytes };
      if (call.stopped === 'Timeout') {
        return new GitError(`git ${argv[0]} timed out after ${timeoutMs} ms`, { ...details, code: 'Timeout' });
      }
      if (call.stopped === 'Cancelled') return new GitError(`git ${argv[0]} was cancelled`, { ...details, code: 'Cancelled' });
      if (exitCode !== null && exitCode < 0) return this.startFailure(exitCode, stderr, argv, cwd);
      const exited = exitCode === null ? `was killed by ${call.child?.signalCode ?? 'a signal'}` : `exited with ${exitCode}`;
      const reason = firstMeaningfulLine(stderr);
      return new GitError(`git ${argv[0]} ${exited}${reason ? `: ${reason}` : ''}`, {
        ...details,
        code: classifyGitFailure(stderr),
      });
    }
    if (caught instanceof GitConstructError) {
      // simple-git checks the folder before anything runs.
      const missing = !existsSync(cwd);
      return new GitError(missing ? `Folder does not exist: ${cwd}` : `Not a folder: ${cwd}`, {
        code: missing ? 'WorkingDirectoryMissing' : 'Failed',
        args: argv,
        cwd,
        cause: caught,
      });
    }
    const check = caught instanceof GitPluginError ? ` (simple-git's ${caught.plugin} check)` : '';
    return new GitError(`Could not run git${check}: ${(caught as Error).message}`, {
      code: 'Failed',
      args: argv,
      cwd,
      cause: caught,
    });
  }

  /** git did not start: simple-git reports the system error as a negative exit code, and its stack as stderr. */
  private startFailure(exitCode: number, stack: string, argv: string[], cwd: string): GitError {
    const name = errorName(exitCode);
    const cause = new Error(firstMeaningfulLine(stack) || name);
    if (name === 'ENOENT' && !existsSync(cwd)) {
      return new GitError(`Folder does not exist: ${cwd}`, { code: 'WorkingDirectoryMissing', args: argv, cwd, cause });
    }
    if (name === 'ENOENT') {
      return new GitError(`Git was not found (tried "${this.gitPath}"). Install git or set "git.path".`, {
        code: 'GitNotFound',
        args: argv,
        cwd,
        cause,
      });
    }
    return new GitError(`Could not run git: ${cause.message}`, { code: 'Failed', args: argv, cwd, cause });
  }

  private environmentFor(options: GitRunOptions): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of INHERITED_VARIABLES_TO_DROP) delete env[name];
    Object.assign(env, options.env);
    env.LC_ALL = 'C';
    env.GIT_TERMINAL_PROMPT = '0';
    // A path is a path: a file named `[ab].txt` or `*.ts` never selects other files too.
    if (options.pathspecMagic) delete env.GIT_LITERAL_PATHSPECS;
    else env.GIT_LITERAL_PATHSPECS = '1';
    if (options.readOnly) env.GIT_OPTIONAL_LOCKS = '0';
    return env;
  }
}

/**
 * The argument check for the guard categories `unsafeOptions` allows for the environment (with
 * simple-git's own table): arguments never get what the user's environment needed.
 */
function refusedArguments(argv: string[], cwd: string, envCategories: ReadonlySet<VulnerabilityCategory>): GitError | undefined {
  if (envCategories.size === 0) return undefined;
  const found = parseArgv(...argv).vulnerabilities.find(({ category }) => envCategories.has(category));
  if (!found) return undefined;
  return new GitError(`Refused to run git ${argv[0]}: ${found.message}`, { code: 'Failed', args: argv, cwd });
}

function gitResult(
  argv: string[],
  accepted: { exitCode: number; stdoutBytes: Buffer; stderr: string },
  durationMs: number,
): GitResult {
  const { exitCode, stdoutBytes, stderr } = accepted;
  let decoded: string | undefined;
  return {
    args: argv,
    exitCode,
    stdoutBytes,
    stderr,
    durationMs,
    get stdout() {
      decoded ??= stdoutBytes.toString('utf8');
      return decoded;
    },
  };
}

function errorName(code: number): string {
  try {
    return getSystemErrorName(code);
  } catch {
    return `error ${code}`;
  }
}

/*
 * simple-git keeps its ChildProcess to itself, and only sends SIGINT. To escalate to SIGKILL the
 * runner takes the process from Node's `child_process` diagnostics channel, which announces every
 * new ChildProcess synchronously; simple-git spawns and calls our outputHandler in one synchronous
 * step, so the newest one whose stdout is the stream handed to us is ours. Subscribed only while a
 * call is running.
 */
const CHILD_PROCESS_CHANNEL = 'child_process';
let callsWatching = 0;
let newestChild: ChildProcess | undefined;
const onNewChild = (message: unknown) => {
  newestChild = (message as { process?: ChildProcess }).process;
};

function watchNewChildren(): () => void {
  if (callsWatching++ === 0) subscribe(CHILD_PROCESS_CHANNEL, onNewChild);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--callsWatching === 0) {
      unsubscribe(CHILD_PROCESS_CHANNEL, onNewChild);
      newestChild = undefined;
    }
  };
}

function claimNewChild(stdout: NodeJS.ReadableStream): ChildProcess | undefined {
  const claimed = newestChild?.stdout === stdout ? newestChild : undefined;
  newestChild = undefined;
  return claimed;
}

function describeFailure(error: GitError): string {
  // A call refused or failing before git said anything: the message is all there is to say why.
  const unexplained = error.code === 'Failed' && error.exitCode === undefined;
  const reason = firstMeaningfulLine(error.stderr) || (unexplained ? error.message : '');
  const exit = error.exitCode === undefined || error.exitCode === null ? error.code : `exit ${error.exitCode}`;
  return reason ? `${exit}: ${reason}` : exit;
}

/** Quotes only what needs it, so the log line can be pasted into a shell to reproduce. */
export function formatArgs(args: readonly string[]): string {
  return args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}
