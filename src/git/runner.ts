import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
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
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
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

const KILL_GRACE_MS = 2000;

/**
 * THE place git is spawned: argument arrays only (no shell), a fixed locale for parsing,
 * a timeout and an AbortSignal, and exactly one log line per call.
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
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const accept = options.acceptExitCodes ?? [0];
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

    return new Promise<GitResult>((resolve, reject) => {
      const started = performance.now();
      const stdoutChunks: Buffer[] = [];
      const stderrChunks: Buffer[] = [];
      let settled = false;
      let timedOut = false;
      let aborted = false;
      let killTimer: NodeJS.Timeout | undefined;

      this.spawned++;
      const child = spawn(this.gitPath, argv, {
        cwd,
        env: this.environmentFor(options),
        shell: false,
        windowsHide: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });

      const terminate = () => {
        child.kill('SIGTERM');
        killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
        killTimer.unref();
      };
      const timeout = setTimeout(() => {
        timedOut = true;
        terminate();
      }, timeoutMs);
      const onAbort = () => {
        aborted = true;
        terminate();
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      const finish = (outcome: { result?: GitResult; error?: GitError }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        if (killTimer) clearTimeout(killTimer);
        signal?.removeEventListener('abort', onAbort);
        const ms = Math.round(performance.now() - started);
        const failure = outcome.error ? ` (${describeFailure(outcome.error)})` : '';
        this.logger.info(`> git ${formatArgs(argv)} [${ms}ms]${failure}`);
        if (outcome.error) reject(outcome.error);
        else if (outcome.result) resolve(outcome.result);
      };

      child.stdout.on('data', (chunk: Buffer) => stdoutChunks.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderrChunks.push(chunk));

      child.on('error', (cause: NodeJS.ErrnoException) => {
        const missingCwd = cause.code === 'ENOENT' && !existsSync(cwd);
        const code = missingCwd ? 'WorkingDirectoryMissing' : cause.code === 'ENOENT' ? 'GitNotFound' : 'Failed';
        const message = missingCwd
          ? `Folder does not exist: ${cwd}`
          : code === 'GitNotFound'
            ? `Git was not found (tried "${this.gitPath}"). Install git or set "git.path".`
            : `Could not run git: ${cause.message}`;
        finish({ error: new GitError(message, { code, args: argv, cwd, cause }) });
      });

      child.on('close', (exitCode, killSignal) => {
        const stderr = Buffer.concat(stderrChunks).toString('utf8');
        const durationMs = performance.now() - started;
        if (timedOut) {
          finish({
            error: new GitError(`git ${argv[0]} timed out after ${timeoutMs} ms`, {
              code: 'Timeout',
              args: argv,
              cwd,
              exitCode,
              stderr,
            }),
          });
          return;
        }
        if (aborted) {
          finish({
            error: new GitError(`git ${argv[0]} was cancelled`, { code: 'Cancelled', args: argv, cwd, exitCode, stderr }),
          });
          return;
        }
        if (exitCode === null || !accept.includes(exitCode)) {
          const how = exitCode === null ? `was killed by ${killSignal}` : `exited with ${exitCode}`;
          const reason = firstMeaningfulLine(stderr);
          finish({
            error: new GitError(`git ${argv[0]} ${how}${reason ? `: ${reason}` : ''}`, {
              code: classifyGitFailure(stderr),
              args: argv,
              cwd,
              exitCode,
              stderr,
            }),
          });
          return;
        }
        const stdoutBytes = Buffer.concat(stdoutChunks);
        let decoded: string | undefined;
        finish({
          result: {
            args: argv,
            exitCode,
            stdoutBytes,
            stderr,
            durationMs,
            get stdout() {
              decoded ??= stdoutBytes.toString('utf8');
              return decoded;
            },
          },
        });
      });
    });
  }

  private environmentFor(options: GitRunOptions): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of INHERITED_VARIABLES_TO_DROP) delete env[name];
    Object.assign(env, options.env);
    env.LC_ALL = 'C';
    env.GIT_TERMINAL_PROMPT = '0';
    // A path is a path: a file named `[ab].txt` or `*.ts` never selects other files too.
    env.GIT_LITERAL_PATHSPECS = '1';
    if (options.readOnly) env.GIT_OPTIONAL_LOCKS = '0';
    return env;
  }
}

function describeFailure(error: GitError): string {
  const reason = firstMeaningfulLine(error.stderr);
  const exit = error.exitCode === undefined || error.exitCode === null ? error.code : `exit ${error.exitCode}`;
  return reason ? `${exit}: ${reason}` : exit;
}

/** Quotes only what needs it, so the log line can be pasted into a shell to reproduce. */
export function formatArgs(args: readonly string[]): string {
  return args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}
