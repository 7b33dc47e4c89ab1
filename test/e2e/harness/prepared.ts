import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { withFileLock } from './fileLock';
import { buildAndPackage, ensureHarnessInstalled, ensureSystemPackages, type HarnessInstall, SAY_WHEN_WAITING } from './install';
import { say } from './log';
import { EXTENSION_ID, OUT_DIR } from './paths';

export interface Prepared {
  readonly install: HarnessInstall;
  /** A throwaway `--extensions-dir` with the packaged .vsix installed, as a user would have it. */
  readonly extensionsDir: string;
  /** The installed extension's folder inside it. */
  readonly extensionDir: string;
  readonly integrationTests: string;
}

const PREPARED_FILE = path.join(OUT_DIR, 'e2e', 'prepared.json');

/** Everything the real-VS-Code suites need, done once per `npm test`. */
export function prepare(): Prepared {
  ensureSystemPackages();
  const install = ensureHarnessInstalled();
  // The build, the .vsix and out/e2e belong to this clone: two runs in it take turns here too.
  const purpose = 'building and installing the .vsix';
  return withFileLock(path.join(OUT_DIR, 'e2e.lock'), purpose, () => preparePackagedExtension(install), SAY_WHEN_WAITING);
}

function preparePackagedExtension(install: HarnessInstall): Prepared {
  const extensionDir = installPackagedExtension(install, buildAndPackage());
  const prepared: Prepared = {
    install,
    extensionsDir: path.dirname(extensionDir),
    extensionDir,
    integrationTests: path.join(OUT_DIR, 'test', 'integration', 'index.js'),
  };
  writeFileSync(PREPARED_FILE, JSON.stringify(prepared, null, 2));
  return prepared;
}

/** Installs the .vsix into a fresh `out/e2e/extensions` as a user would; returns the extension's folder. */
function installPackagedExtension(install: HarnessInstall, vsix: string): string {
  const extensionsDir = path.join(OUT_DIR, 'e2e', 'extensions');
  rmSync(extensionsDir, { recursive: true, force: true });
  mkdirSync(extensionsDir, { recursive: true });
  const userData = mkdtempSync(path.join(tmpdir(), 'agent-worktrees-install-'));
  say(`installing ${path.basename(vsix)} into ${extensionsDir}`);
  const result = spawnSync(
    install.node,
    [install.codeServerEntry, '--user-data-dir', userData, '--extensions-dir', extensionsDir, '--install-extension', vsix],
    { encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: userData, XDG_DATA_HOME: userData, XDG_CACHE_HOME: userData } },
  );
  rmSync(userData, { recursive: true, force: true });
  if (result.status !== 0) throw new Error(`Installing the .vsix failed:\n${result.stdout}\n${result.stderr}`);
  const folder = readdirSync(extensionsDir).find((name) => name.startsWith(`${EXTENSION_ID}-`));
  if (!folder) throw new Error(`The .vsix did not install into ${extensionsDir}:\n${result.stdout}`);
  return path.join(extensionsDir, folder);
}

/** What `prepare()` left for the suites; prepares now if nobody did. */
export function loadPrepared(): Prepared {
  if (existsSync(PREPARED_FILE)) return JSON.parse(readFileSync(PREPARED_FILE, 'utf8')) as Prepared;
  return prepare();
}
