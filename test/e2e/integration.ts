// Runs the mocha integration suite (test/integration) inside a real extension host, three times:
// a trusted window on a fixture repository, a Restricted Mode window on the same kind of repo, and
// a trusted window on a bare repository's worktree (git's admin dir outside every worktree).
// Writes the counts for scripts/test.mjs to out/test-results/integration.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runExtensionTests } from './harness/extensionTests';
import { createBareLayoutRepo, createFixtureRepo } from './harness/fixtures';
import { say } from './harness/log';
import { OUT_DIR } from './harness/paths';
import { loadPrepared } from './harness/prepared';

const TIMEOUT_MS = Number(process.env.AGENT_WORKTREES_HOST_TIMEOUT_MS ?? 180_000);

async function main(): Promise<void> {
  const prepared = loadPrepared();
  const totals = { passed: 0, failed: 0 };
  for (const scenario of [
    { label: 'trusted', trusted: true, fixture: createFixtureRepo },
    { label: 'untrusted', trusted: false, fixture: createFixtureRepo },
    { label: 'bare', trusted: true, fixture: createBareLayoutRepo },
  ]) {
    const parent = mkdtempSync(path.join(tmpdir(), `agent-worktrees-integration-${scenario.label}-`));
    try {
      const fixture = scenario.fixture(parent);
      say(`integration suite, ${scenario.label} window, on ${fixture.repo}`);
      const run = await runExtensionTests({
        install: prepared.install,
        label: `integration-${scenario.label}`,
        folder: fixture.repo,
        extensionDevelopmentPath: prepared.extensionDir,
        extensionTestsPath: prepared.integrationTests,
        trusted: scenario.trusted,
        env: { AGENT_WORKTREES_SCENARIO: scenario.label },
        timeoutMs: TIMEOUT_MS,
      });
      totals.passed += run.passed;
      totals.failed += run.failed;
      if (run.exitCode !== 0 && run.failed === 0) totals.failed += 1; // the host failed outside any test
    } catch (error) {
      console.error((error as Error).message);
      totals.failed += 1;
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  }
  const results = path.join(OUT_DIR, 'test-results');
  mkdirSync(results, { recursive: true });
  writeFileSync(path.join(results, 'integration.json'), JSON.stringify(totals));
  say(`integration: ${totals.passed} passed, ${totals.failed} failed`);
  process.exit(totals.failed > 0 ? 1 : 0);
}

void main();
