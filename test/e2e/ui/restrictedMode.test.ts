import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openWorkbench } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { createFixtureRepo } from '../harness/fixtures';
import { ROOT } from '../harness/paths';
import { loadPrepared } from '../harness/prepared';
import { openWorktreesView } from './workbench';

describe('Worktrees view in Restricted Mode', () => {
  let parent: string;
  let server: CodeServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const prepared = loadPrepared();
    parent = mkdtempSync(path.join(tmpdir(), 'agent-worktrees-restricted-'));
    const fixture = createFixtureRepo(parent);
    server = await startCodeServer({
      install: prepared.install,
      folder: fixture.repo,
      extensionsDir: prepared.extensionsDir,
      trusted: false,
      label: 'restricted',
    });
    browser = await launchBrowser();
    page = await openWorkbench(browser, server.url, fixture.repo);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  test('the welcome view says why nothing is shown and offers to manage trust', async () => {
    const sidebar = await openWorktreesView(page);
    const welcome = sidebar.locator('.welcome-view-content');
    await welcome.waitFor({ timeout: 30_000 });
    assert.match(await welcome.innerText(), /runs no git in Restricted Mode/);
    await sidebar.locator('.welcome-view-content .monaco-button', { hasText: 'Manage Workspace Trust' }).waitFor();
    assert.equal(await sidebar.locator('.monaco-list-row').count(), 0);
    const shots = process.env.UPDATE_SCREENSHOTS ? path.join(ROOT, 'docs', 'images') : path.join(ROOT, 'out', 'screenshots');
    mkdirSync(shots, { recursive: true });
    await sidebar.screenshot({ path: path.join(shots, 'worktrees-view-restricted.png') });
  });
});
