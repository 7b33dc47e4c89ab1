// `npm start`: build, generate a demo repository with agent worktrees in every state, and open it
// in VS Code — desktop when a `code` binary is on PATH, else code-server in your browser at a
// printed http://127.0.0.1:<port> (loopback only). Runs until Ctrl+C; rebuilds on change.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { startCodeServer } from '../test/e2e/harness/codeServer';
import { createDemoRepo } from '../test/e2e/harness/fixtures';
import { ensureHarnessInstalled, ensureSystemPackages } from '../test/e2e/harness/install';
import { EXTENSION_ID, ROOT } from '../test/e2e/harness/paths';

const DEMO_DIR = path.join(ROOT, '.demo');

function commandOnPath(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

async function main(): Promise<void> {
  const build = spawnSync('node', ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const repo = await createDemoRepo(path.join(DEMO_DIR, 'workspace'));
  console.log(`Demo repository: ${repo}`);

  // Keep rebuilding while it runs: reload the window to pick up a change.
  const watcher = spawn('node', ['esbuild.mjs', '--watch'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const stopWatcher = () => watcher.kill();
  process.on('exit', stopWatcher);

  if (commandOnPath('code') && !process.env.AGENT_WORKTREES_USE_CODE_SERVER) {
    spawnSync('code', ['--new-window', `--extensionDevelopmentPath=${ROOT}`, repo], { stdio: 'inherit' });
    console.log('Opened in desktop VS Code. Rebuilding on change; press Ctrl+C to stop.');
    await new Promise(() => undefined);
  }

  // No desktop VS Code: code-server (VS Code in the browser), with this folder as a live extension.
  ensureSystemPackages();
  const install = ensureHarnessInstalled();
  const extensionsDir = path.join(DEMO_DIR, 'extensions');
  rmSync(extensionsDir, { recursive: true, force: true });
  mkdirSync(extensionsDir, { recursive: true });
  symlinkSync(ROOT, path.join(extensionsDir, `${EXTENSION_ID}-dev`), 'dir');
  const server = await startCodeServer({
    install,
    folder: repo,
    extensionsDir,
    label: 'demo',
    settings: { 'workbench.colorTheme': 'Default Dark Modern' },
  });
  console.log(`\nAgent Worktrees demo: open ${server.url}/?folder=${encodeURIComponent(repo)}\nPress Ctrl+C to stop.\n`);
  const shutdown = async () => {
    stopWatcher();
    await server.stop();
    process.exit(0);
  };
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
  await new Promise(() => undefined);
}

void main();
