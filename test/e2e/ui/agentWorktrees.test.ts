import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openWorkbench } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { createFixtureRepo, type FixtureRepo, git } from '../harness/fixtures';
import { loadPrepared } from '../harness/prepared';
import { openWorktreesView, row, waitUntil } from './workbench';

describe('Agent worktrees in the real workbench', () => {
  let parent: string;
  let fixture: FixtureRepo;
  let server: CodeServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const prepared = loadPrepared();
    parent = mkdtempSync(path.join(tmpdir(), 'agent-worktrees-ui-agents-'));
    fixture = createFixtureRepo(parent);
    server = await startCodeServer({
      install: prepared.install,
      folder: fixture.repo,
      extensionsDir: prepared.extensionsDir,
      label: 'ui-agents',
      settings: { 'workbench.colorTheme': 'Default Dark Modern', 'agentWorktrees.staleNotification': false },
    });
    browser = await launchBrowser();
    page = await openWorkbench(browser, server.url, fixture.repo);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  test('New Agent Worktree from the view toolbar: type a task, the agent worktree appears', async () => {
    const sidebar = await openWorktreesView(page);
    await row(sidebar, 'shop').waitFor({ timeout: 30_000 });
    await sidebar.hover();
    await page.locator('.part.sidebar .actions-container .action-label[aria-label^="New Agent Worktree"]').first().click();
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill('Speed up the search page');
    await page.locator('.quick-input-message', { hasText: 'speed-up-the-search-page' }).waitFor();
    await page.keyboard.press('Enter');
    const created = row(sidebar, 'speed-up-the-search-page');
    await created.waitFor({ timeout: 30_000 });
    assert.match(await created.innerText(), /Speed up the search page/, 'the task is the description');
    const folder = path.join(parent, 'shop.worktrees', 'speed-up-the-search-page');
    assert.ok(existsSync(path.join(folder, 'README.md')));
    assert.equal(git(folder, ['symbolic-ref', '--short', 'HEAD']).trim(), 'agent/speed-up-the-search-page');
    await page.locator('.notifications-toasts', { hasText: 'is ready on branch agent/speed-up-the-search-page' }).waitFor();
  });

  test('multi-select Discard with a dirty target asks first; declining removes nothing', async () => {
    const sidebar = await openWorktreesView(page);
    for (const name of ['discard-a', 'discard-b']) {
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input').fill('>Agent Worktrees: New Agent Worktree');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'New Agent Worktree' }).first().click();
      await page.locator('.quick-input-widget input').fill(name);
      await page.keyboard.press('Enter');
      await row(sidebar, name).waitFor({ timeout: 30_000 });
    }
    const dirtyFolder = path.join(parent, 'shop.worktrees', 'discard-b');
    writeFileSync(path.join(dirtyFolder, 'agent-output.txt'), 'unsaved agent work');
    await waitUntil(async () => /\?1/.test(await row(sidebar, 'discard-b').innerText()), 'discard-b shows its untracked file');

    await row(sidebar, 'discard-a').click();
    await row(sidebar, 'discard-b').click({ modifiers: ['Control'] });
    await row(sidebar, 'discard-b').click({ button: 'right' });
    const item = page.locator('.monaco-menu .action-menu-item', { hasText: 'Discard Agent Work' }).first();
    await item.waitFor();
    await page.waitForTimeout(300);
    await item.click();

    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    const text = await dialog.innerText();
    assert.match(text, /discard-a/);
    assert.match(text, /discard-b — 1 uncommitted file/);
    assert.match(text, /permanently loses 1 uncommitted file/);
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });

    assert.ok(existsSync(path.join(dirtyFolder, 'agent-output.txt')), 'the agent’s work is still there');
    assert.ok(existsSync(path.join(parent, 'shop.worktrees', 'discard-a')));
    assert.equal(await row(sidebar, 'discard-a').count(), 1);
    assert.equal(await row(sidebar, 'discard-b').count(), 1);
  });

  test('a batch with a locked worktree is refused with the reason, and nothing is removed', async () => {
    const sidebar = await openWorktreesView(page);
    git(fixture.repo, ['worktree', 'lock', '--reason', 'agent still running', path.join(parent, 'shop.worktrees', 'discard-a')]);
    await waitUntil(async () => (await row(sidebar, 'discard-a').locator('.codicon-lock').count()) === 1, 'the lock icon');
    await row(sidebar, 'discard-a').click();
    await row(sidebar, 'speed-up-the-search-page').click({ modifiers: ['Control'] });
    await row(sidebar, 'discard-a').click({ button: 'right' });
    const item = page.locator('.monaco-menu .action-menu-item', { hasText: 'Discard Agent Work' }).first();
    await item.waitFor();
    await page.waitForTimeout(300);
    await item.click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    assert.match(await dialog.innerText(), /Nothing was removed[\s\S]*discard-a: it is locked \(agent still running\)/);
    await page.keyboard.press('Escape');
    assert.ok(existsSync(path.join(parent, 'shop.worktrees', 'discard-a')));
    assert.ok(existsSync(path.join(parent, 'shop.worktrees', 'speed-up-the-search-page')));
  });

  test('confirming the discard removes both worktrees and their branches', async () => {
    const sidebar = await openWorktreesView(page);
    git(fixture.repo, ['worktree', 'unlock', path.join(parent, 'shop.worktrees', 'discard-a')]);
    await waitUntil(async () => (await row(sidebar, 'discard-a').locator('.codicon-lock').count()) === 0, 'the lock icon to go');
    await row(sidebar, 'discard-a').click();
    await row(sidebar, 'discard-b').click({ modifiers: ['Control'] });
    await row(sidebar, 'discard-b').click({ button: 'right' });
    const item = page.locator('.monaco-menu .action-menu-item', { hasText: 'Discard Agent Work' }).first();
    await item.waitFor();
    await page.waitForTimeout(300);
    await item.click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    await dialog.locator('.monaco-button', { hasText: 'Discard and Lose Work' }).click();
    await waitUntil(
      async () => (await row(sidebar, 'discard-a').count()) === 0 && (await row(sidebar, 'discard-b').count()) === 0,
      'both rows to go',
    );
    assert.equal(existsSync(path.join(parent, 'shop.worktrees', 'discard-b')), false);
    assert.equal(git(fixture.repo, ['branch', '--list', 'agent/discard-*']).trim(), '');
  });
});
