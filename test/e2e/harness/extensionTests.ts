import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { launchBrowser } from './browser';
import { startCodeServer } from './codeServer';
import type { HarnessInstall } from './install';
import { tail } from './log';

export interface ExtensionTestRun {
  readonly passed: number;
  readonly failed: number;
  readonly exitCode: number;
  readonly output: string;
}

export interface ExtensionTestOptions {
  readonly install: HarnessInstall;
  readonly label: string;
  readonly folder: string;
  /** The extension under test (the unpacked .vsix). */
  readonly extensionDevelopmentPath: string;
  /** A module exporting `run()`, as for @vscode/test-electron. */
  readonly extensionTestsPath: string;
  readonly trusted: boolean;
  readonly env?: Readonly<Record<string, string>>;
  /** The whole run, from starting code-server to the host's exit. A hung VS Code fails here. */
  readonly timeoutMs: number;
}

/** Noise a closed network and a browser-hosted workbench print on every run. */
const NOISE = [/No signed-in session resolved/, /AccountPolicyGate/, /marketplace|gallery/i, /ERR_NAME_NOT_RESOLVED/];

/**
 * Runs a mocha suite inside a real VS Code extension host: code-server with the smoke-test driver,
 * opened in Chromium with `extensionDevelopmentPath`/`extensionTestsPath` in the URL payload.
 * The host's console arrives through `codeAutomationLog`, its exit code through `codeAutomationExit`.
 */
export async function runExtensionTests(options: ExtensionTestOptions): Promise<ExtensionTestRun> {
  const emptyExtensions = mkdtempSync(path.join(tmpdir(), 'agent-worktrees-no-extensions-'));
  const server = await startCodeServer({
    install: options.install,
    folder: options.folder,
    extensionsDir: emptyExtensions,
    trusted: options.trusted,
    smokeTestDriver: true,
    env: options.env,
    label: options.label,
  });
  const browser = await launchBrowser();
  const lines: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const page = await browser.newPage();
    const exited = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      const line = format(...(Array.isArray(args) ? args : [args]));
      lines.push(line);
      if (!NOISE.some((pattern) => pattern.test(line))) process.stdout.write(`  ${line}\n`);
    });
    const remote = (file: string) => `vscode-remote://127.0.0.1:${server.port}${file}`;
    const payload = [
      ['extensionDevelopmentPath', remote(options.extensionDevelopmentPath)],
      ['extensionTestsPath', remote(options.extensionTestsPath)],
      ['skipWelcome', 'true'],
    ];
    await page.goto(
      `${server.url}/?folder=${encodeURIComponent(options.folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
    );
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
    });
    const outcome = await Promise.race([exited, timedOut]);
    if (outcome === 'timeout') {
      throw new Error(
        `The extension host did not finish within ${options.timeoutMs} ms (${options.label}).\n` +
          `--- extension host output (tail) ---\n${tail(lines.join('\n'), 40)}\n` +
          `--- code-server log (tail) ---\n${server.logTail(40)}`,
      );
    }
    const output = lines.join('\n');
    const results = /AGENT_WORKTREES_RESULTS (\{.*\})/.exec(output);
    const counts = results ? (JSON.parse(results[1] as string) as { passed: number; failed: number }) : undefined;
    return {
      passed: counts?.passed ?? 0,
      // No results line means the suite never ran to the end: that is a failure, not zero tests.
      failed: counts ? counts.failed : 1,
      exitCode: outcome,
      output,
    };
  } finally {
    if (timer) clearTimeout(timer);
    await browser.close();
    await server.stop();
    rmSync(emptyExtensions, { recursive: true, force: true });
  }
}
