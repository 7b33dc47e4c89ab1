import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/**
 * Entry point the extension host loads (`extensionTestsPath`), the same for code-server and for
 * `@vscode/test-electron`. Prints one machine-readable line with the counts for the harness.
 */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: 'spec' });
  // The harness starts code-server with this set: `untrusted` runs in a Restricted Mode window,
  // `bare` on a bare repository's worktree; each runs the files named for it.
  const scenario = `.${process.env.AGENT_WORKTREES_SCENARIO ?? 'trusted'}.test.js`;
  for (const file of readdirSync(__dirname).filter((name) => name.endsWith(scenario))) {
    mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const { passes = 0, failures: failed = 0 } = runner.stats ?? {};
      console.log(`AGENT_WORKTREES_RESULTS ${JSON.stringify({ passed: passes, failed })}`);
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
  });
}
