// The one place besides the git runner that starts a process: the user's own check command
// (`agentWorktrees.checkCommand`, e.g. `npm test`), never git. It is a command line the user wrote
// for their shell, so it runs in one, the way their terminal would run it.
import { type ChildProcess, spawn } from 'node:child_process';

/** What a check left: its exit code and the end of its output. */
export interface CheckResult {
  /** null when it did not exit by itself (stopped, or killed by a signal) or could not start. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Its stdout and stderr as they interleaved, the last OUTPUT_LIMIT characters. */
  readonly output: string;
  readonly truncated: boolean;
  readonly durationMs: number;
  /** Why it could not start, or that it was stopped. */
  readonly problem: string | undefined;
}

/** A test suite's summary is at its end: that much of the output is kept per attempt. */
export const OUTPUT_LIMIT = 200_000;

export interface CheckOptions {
  /** Added to the environment (an attempt's PORT, so servers a check starts do not collide). */
  readonly env?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

export function runCheck(commandLine: string, cwd: string, options: CheckOptions = {}): Promise<CheckResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let output = '';
    let truncated = false;
    let problem: string | undefined;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (exitCode: number | null, signal: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', stop);
      resolve({ exitCode, signal, output, truncated, durationMs: Date.now() - started, problem });
    };
    const append = (chunk: string) => {
      output += chunk;
      if (output.length > OUTPUT_LIMIT) {
        output = output.slice(-OUTPUT_LIMIT);
        truncated = true;
      }
    };
    let child: ChildProcess;
    try {
      child = spawn(commandLine, {
        cwd,
        shell: true,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so stopping it stops what it started (a test runner's workers).
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
    } catch (error) {
      // Some failures (a cwd that is a file) are thrown, not emitted.
      problem = `it could not start: ${(error as Error).message}`;
      finish(null, null);
      return;
    }
    function stop() {
      problem = 'stopped';
      signalTree(child, 'SIGTERM');
      // A check that ignores SIGTERM, or left something holding its output open, is not waited for.
      killTimer = setTimeout(() => {
        signalTree(child, 'SIGKILL');
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish(null, 'SIGKILL');
      }, KILL_AFTER_MS);
    }
    if (options.signal?.aborted) stop();
    else options.signal?.addEventListener('abort', stop, { once: true });
    // Decoded as a stream: a character split between two chunks stays one character.
    child.stdout?.setEncoding('utf8').on('data', append);
    child.stderr?.setEncoding('utf8').on('data', append);
    child.on('error', (error) => {
      problem ??= `it could not start: ${error.message}`;
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/** How long a stopped check has to end after SIGTERM before it is killed. */
const KILL_AFTER_MS = 3000;

/** The check and everything it started (its process group; on Windows, its process tree). */
function signalTree(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (!child.pid) return;
    if (process.platform === 'win32') spawn('taskkill', ['/pid', String(child.pid), '/T', '/F'], { windowsHide: true });
    else process.kill(-child.pid, signal);
  } catch {
    // it has exited already
  }
}

/**
 * The check in each folder, at most `concurrency` at a time (each may be a whole test suite);
 * `onResult` hears each as it ends. Results in the folders' order.
 */
export async function runChecks(
  commandLine: string,
  runs: ReadonlyArray<{ readonly cwd: string; readonly env?: Readonly<Record<string, string>> }>,
  options: {
    readonly concurrency: number;
    readonly signal?: AbortSignal;
    readonly onStart?: (index: number) => void;
    readonly onResult?: (index: number, result: CheckResult) => void;
  },
): Promise<CheckResult[]> {
  const results: CheckResult[] = new Array(runs.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < runs.length; index = next++) {
      const run = runs[index] as (typeof runs)[number];
      if (options.signal?.aborted) {
        // Stopped before its turn: never started.
        const skipped = { exitCode: null, signal: null, output: '', truncated: false, durationMs: 0, problem: 'stopped' };
        results[index] = skipped;
        options.onResult?.(index, skipped);
        continue;
      }
      options.onStart?.(index);
      const result = await runCheck(commandLine, run.cwd, { env: run.env, signal: options.signal });
      results[index] = result;
      options.onResult?.(index, result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, runs.length)) }, worker));
  return results;
}
