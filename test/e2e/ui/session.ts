import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openWorkbench } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { tail } from '../harness/log';
import { ROOT } from '../harness/paths';
import { loadPrepared } from '../harness/prepared';

/** Where a failing UI test leaves a screenshot of the workbench (ignored by git). */
const FAILURES_DIR = path.join(ROOT, 'out', 'e2e', 'failures');

export interface WorkbenchSession {
  /** A temporary folder for the suite's repositories; removed afterwards. */
  readonly parent: string;
  readonly folder: string;
  readonly server: CodeServer;
  readonly page: Page;
}

/**
 * One code-server + Chromium workbench for a `describe` block: started in `before` on the folder
 * `makeFolder` creates, always torn down in `after`. Read the session inside tests only.
 */
export function useWorkbench(options: {
  readonly label: string;
  readonly makeFolder: (parent: string) => string | Promise<string>;
  readonly trusted?: boolean;
  readonly settings?: Readonly<Record<string, unknown>>;
}): WorkbenchSession {
  let parent: string | undefined;
  let folder: string | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  before(async () => {
    const prepared = loadPrepared();
    parent = mkdtempSync(path.join(tmpdir(), `agent-worktrees-${options.label}-`));
    folder = await options.makeFolder(parent);
    server = await startCodeServer({
      install: prepared.install,
      folder,
      extensionsDir: prepared.extensionsDir,
      label: options.label,
      trusted: options.trusted,
      settings: { 'workbench.colorTheme': 'Default Dark Modern', 'agentWorktrees.staleNotification': false, ...options.settings },
    });
    browser = await launchBrowser();
    page = await openWorkbench(browser, server.url, folder);
  });
  // A failing test reports what the extension logged: the git calls and errors behind the symptom.
  afterEach(async (context) => {
    if ((context as { passed?: boolean }).passed !== false || !server) return;
    console.log(`--- Agent Worktrees log (${options.label}) ---\n${tail(server.extensionLog(), 200)}`);
    const shot = path.join(FAILURES_DIR, `${options.label}-${context.name.replace(/[^\w-]+/g, '_').slice(0, 80)}.png`);
    mkdirSync(FAILURES_DIR, { recursive: true });
    await page?.screenshot({ path: shot }).then(
      () => console.log(`--- screenshot: ${shot}`),
      () => undefined,
    );
    // A dialog or menu the failed test left open would take the next test's clicks.
    for (let open = 0; open < 3 && (await page?.locator('.monaco-dialog-box, .monaco-menu').count()); open++) {
      await page?.keyboard.press('Escape');
    }
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (parent) rmSync(parent, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`The workbench session has no ${what} yet (use it inside a test)`);
    return value;
  };
  return {
    get parent() {
      return started(parent, 'folder');
    },
    get folder() {
      return started(folder, 'folder');
    },
    get server() {
      return started(server, 'server');
    },
    get page() {
      return started(page, 'page');
    },
  };
}
