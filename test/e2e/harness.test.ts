import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { runExtensionTests } from './harness/extensionTests';
import { loadPrepared } from './harness/prepared';

describe('the harness itself', () => {
  test('a hung extension host hits the timeout and fails with the log tail, instead of hanging', async () => {
    const prepared = loadPrepared();
    const folder = mkdtempSync(path.join(tmpdir(), 'agent-worktrees-hang-'));
    const hangingSuite = path.join(folder, 'hang.js');
    writeFileSync(
      hangingSuite,
      "exports.run = () => { console.log('suite started and now hangs'); return new Promise(() => {}); };\n",
    );
    try {
      const started = Date.now();
      await assert.rejects(
        runExtensionTests({
          install: prepared.install,
          label: 'hang',
          folder,
          extensionDevelopmentPath: prepared.extensionDir,
          extensionTestsPath: hangingSuite,
          trusted: true,
          timeoutMs: 20_000,
        }),
        (error: Error) => {
          assert.match(error.message, /did not finish within 20000 ms/);
          assert.match(error.message, /suite started and now hangs/, 'the host output tail is in the message');
          assert.match(error.message, /code-server log \(tail\)/);
          return true;
        },
      );
      assert.ok(Date.now() - started < 60_000, 'gave up at the timeout, with teardown');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
