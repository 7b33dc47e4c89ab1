// `npm run test:desktop`: the same integration suite in desktop VS Code via @vscode/test-electron.
// It downloads VS Code, so it needs internet (not available on the CI machines, which use
// code-server instead: see test/e2e). Trusted, Restricted Mode and bare-layout windows, like the CI run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { createBareLayoutRepo, createFixtureRepo } from '../e2e/harness/fixtures';

const ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  let failed = false;
  for (const scenario of ['trusted', 'untrusted', 'bare'] as const) {
    const parent = mkdtempSync(path.join(tmpdir(), `agent-worktrees-desktop-${scenario}-`));
    const userData = path.join(parent, 'user-data');
    mkdirSync(path.join(userData, 'User'), { recursive: true });
    writeFileSync(
      path.join(userData, 'User', 'settings.json'),
      JSON.stringify({ 'security.workspace.trust.startupPrompt': 'never' }),
    );
    try {
      const fixture = scenario === 'bare' ? createBareLayoutRepo(parent) : createFixtureRepo(parent);
      await runTests({
        extensionDevelopmentPath: ROOT,
        extensionTestsPath: path.join(ROOT, 'out', 'test', 'integration', 'index.js'),
        extensionTestsEnv: { AGENT_WORKTREES_SCENARIO: scenario },
        launchArgs: [
          fixture.repo,
          '--disable-extensions',
          `--user-data-dir=${userData}`,
          ...(scenario === 'untrusted' ? [] : ['--disable-workspace-trust']),
        ],
      });
    } catch (error) {
      console.error(`${scenario}: ${(error as Error).message}`);
      failed = true;
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  }
  process.exit(failed ? 1 : 0);
}

void main();
