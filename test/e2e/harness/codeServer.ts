import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { HarnessInstall } from './install';
import { say, tail } from './log';

export interface CodeServerOptions {
  readonly install: HarnessInstall;
  readonly folder: string;
  readonly extensionsDir: string;
  /** false: workspace trust is on and the folder opens untrusted (Restricted Mode). Default true. */
  readonly trusted?: boolean;
  /** Needed to run an extension test suite from the URL payload; it also hides notification toasts. */
  readonly smokeTestDriver?: boolean;
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Extra environment for the server and so for the extension host. */
  readonly env?: Readonly<Record<string, string>>;
  readonly label: string;
}

export interface CodeServer {
  readonly port: number;
  readonly url: string;
  readonly userSettingsFile: string;
  /** Rewrites the user settings on disk; VS Code picks the change up by itself. */
  updateSettings(settings: Readonly<Record<string, unknown>>): void;
  logTail(lines?: number): string;
  /** Every extension host's "Agent Worktrees" output channel so far, for a failing test's report. */
  extensionLog(): string;
  stop(): Promise<void>;
}

/** A workbench without tips, telemetry, update checks or AI side panels. */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'git.openRepositoryInParentFolders': 'never',
} as const;

const running = new Set<ChildProcess>();
let exitHooksInstalled = false;

/** Whatever happens (a failed assertion, Ctrl+C, an uncaught error), no code-server is left behind. */
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of running) killGroup(child, 'SIGKILL');
      process.exit(130);
    });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts code-server bound to 127.0.0.1 on a free port, with its own temporary user-data, XDG
 * and log folders, in its own process group (its file watcher outlives the main process otherwise).
 */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  installExitHooks();
  const home = mkdtempSync(path.join(tmpdir(), `agent-worktrees-${options.label}-`));
  const userDataDir = path.join(home, 'user-data');
  const xdg = path.join(home, 'xdg');
  const userSettingsFile = path.join(userDataDir, 'User', 'settings.json');
  mkdirSync(path.dirname(userSettingsFile), { recursive: true });
  mkdirSync(xdg, { recursive: true });
  const baseSettings = { ...QUIET_SETTINGS, ...options.settings };
  writeFileSync(userSettingsFile, JSON.stringify(baseSettings, null, 2));
  const configFile = path.join(home, 'config.yaml');
  writeFileSync(configFile, 'auth: none\ncert: false\n');

  const port = await freePort();
  const logFile = path.join(home, 'code-server.log');
  const logFd = openSync(logFile, 'a');
  const args = [
    options.install.codeServerEntry,
    '--config',
    configFile,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    options.extensionsDir,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--bind-addr',
    `127.0.0.1:${port}`,
    ...(options.trusted === false ? [] : ['--disable-workspace-trust']),
    ...(options.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    options.folder,
  ];
  const child = spawn(options.install.node, args, {
    detached: true, // own process group: one kill reaches the watcher and extension host too
    stdio: ['ignore', logFd, logFd],
    env: {
      ...process.env,
      ...options.env,
      XDG_CONFIG_HOME: path.join(xdg, 'config'),
      XDG_DATA_HOME: path.join(xdg, 'data'),
      XDG_CACHE_HOME: path.join(xdg, 'cache'),
    },
  });
  closeSync(logFd);
  running.add(child);
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup(child, 'SIGTERM');
    const pid = child.pid;
    const deadline = Date.now() + 10_000;
    while (pid !== undefined && groupAlive(pid) && Date.now() < deadline) await sleep(100);
    if (pid !== undefined && groupAlive(pid)) killGroup(child, 'SIGKILL');
    running.delete(child);
    rmSync(home, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, child, 60_000);
  } catch (error) {
    const log = readLog();
    await stop();
    throw new Error(`code-server (${options.label}) did not start: ${(error as Error).message}\n--- log tail ---\n${tail(log)}`);
  }
  say(`code-server (${options.label}) at ${url}`);
  return {
    port,
    url,
    userSettingsFile,
    updateSettings: (settings) => writeFileSync(userSettingsFile, JSON.stringify({ ...baseSettings, ...settings }, null, 2)),
    logTail: (lines = 60) => tail(readLog(), lines),
    extensionLog: () => readChannelLogs(path.join(userDataDir, 'logs'), 'Agent Worktrees'),
    stop,
  };
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`no answer on ${url}/healthz within ${timeoutMs} ms`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The output channel's log files of every window and extension host under a logs folder. */
function readChannelLogs(logsDir: string, channel: string): string {
  let files: string[];
  try {
    files = (readdirSync(logsDir, { recursive: true }) as string[]).filter((file) => file.endsWith(`${channel}.log`));
  } catch {
    return '';
  }
  return files
    .sort()
    .map((file) => `--- ${file}\n${readFileSync(path.join(logsDir, file), 'utf8')}`)
    .join('\n');
}
