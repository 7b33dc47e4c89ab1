import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { sleep } from '../harness/codeServer';
import { createDemoRepo } from '../harness/fixtures';
import { ROOT } from '../harness/paths';
import { useWorkbench } from './session';
import { openWorktreesView, row, screenshotsDir, threeThemes, useTheme, waitUntil, widenSidebar } from './workbench';

/** The README's pictures, taken on the `npm start` demo repository (every state the view knows). */
describe('README screenshots of the demo repository', () => {
  const session = useWorkbench({ label: 'screenshots', makeFolder: (parent) => createDemoRepo(path.join(parent, 'workspace')) });

  test('the view in the dark and the light theme, every worktree state visible', async () => {
    const shots = screenshotsDir(ROOT);
    mkdirSync(shots, { recursive: true });
    let sidebar = await openWorktreesView(session.page);
    for (const label of ['acme-shop', 'fix-tax-rounding', 'add-coupons', 'speed-up-search', 'old-experiment', 'bisect']) {
      await row(sidebar, label).waitFor({ timeout: 30_000 });
    }
    await widenSidebar(session.page, 560);
    for (const [theme, kind, file] of [
      ['Dark Modern', 'vs-dark', 'worktrees-view-dark.png'],
      ['Light Modern', 'vs', 'worktrees-view-light.png'],
    ] as const) {
      await useTheme(session.page, theme, kind);
      sidebar = await openWorktreesView(session.page);
      await session.page.mouse.move(1200, 780); // no hover highlight or tooltip in the picture
      await sleep(800); // fade animations
      const box = await sidebar.boundingBox();
      assert.ok(box);
      const target = path.join(shots, file);
      await session.page.screenshot({ path: target, clip: { x: box.x, y: box.y, width: box.width, height: 230 } });
      assert.ok(existsSync(target));
    }
  });

  test('the tooltip of a dirty agent worktree', async () => {
    await useTheme(session.page, 'Dark Modern', 'vs-dark');
    const sidebar = await openWorktreesView(session.page);
    const dirty = row(sidebar, 'add-coupons');
    await dirty.hover();
    const hover = session.page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'add-coupons' }).first();
    await hover.waitFor({ timeout: 10_000 });
    await waitUntil(async () => /staged/.test(await hover.innerText()), 'the tooltip to resolve');
    assert.match(await hover.innerText(), /Add\s+checkout/, 'HEAD subject, read on hover');
    assert.match(await hover.innerText(), /1\s+staged,\s+1\s+unstaged,\s+1\s+untracked/);
    await sleep(500);
    const box = await sidebar.boundingBox();
    const hoverBox = await hover.boundingBox();
    assert.ok(box && hoverBox);
    const bottom = Math.max(hoverBox.y + hoverBox.height, box.y + 230);
    const right = Math.max(hoverBox.x + hoverBox.width, box.x + box.width);
    await session.page.screenshot({
      path: path.join(screenshotsDir(ROOT), 'worktrees-tooltip.png'),
      clip: { x: box.x, y: box.y, width: right - box.x + 8, height: bottom - box.y + 8 },
    });
  });
});

/** An agent worktree's row expanded into its changed files, at the default sidebar width. */
describe('an expanded agent worktree row', () => {
  const session = useWorkbench({ label: 'expanded-row', makeFolder: (parent) => createDemoRepo(path.join(parent, 'workspace')) });

  test('lists its commits ahead and its changed files with status letters, in dark, light and high contrast', async () => {
    let sidebar = await openWorktreesView(session.page);
    const agentRow = row(sidebar, 'add-coupons');
    await agentRow.waitFor({ timeout: 30_000 });
    assert.equal(await agentRow.getAttribute('aria-expanded'), 'false', 'an agent worktree row can expand');
    await agentRow.click();
    await session.page.keyboard.press('ArrowRight');
    const note = sidebar.locator('.monaco-list-row', { hasText: '0 commits ahead · 3 files' });
    await note.waitFor({ timeout: 30_000 });
    for (const [file, change] of [
      ['cart.ts', 'Modified src/cart.ts'],
      ['coupons.ts', 'Added src/coupons.ts'],
      ['notes.md', 'Added notes.md'],
    ] as const) {
      const fileRow = row(sidebar, file);
      await fileRow.waitFor({ timeout: 10_000 });
      assert.equal(await fileRow.getAttribute('aria-label'), change);
    }
    const shots = screenshotsDir(ROOT);
    mkdirSync(shots, { recursive: true });
    for (const [theme, kind, file] of threeThemes('worktrees-expanded', 'high-contrast')) {
      await useTheme(session.page, theme, kind);
      sidebar = await openWorktreesView(session.page);
      await note.waitFor({ timeout: 10_000 });
      await session.page.mouse.move(1200, 780); // no hover highlight or tooltip in the picture
      await waitUntil(async () => (await session.page.locator('.monaco-hover').count()) === 0, 'no hover');
      const box = await sidebar.boundingBox();
      assert.ok(box);
      await session.page.screenshot({
        path: path.join(shots, file),
        clip: { x: box.x, y: box.y, width: box.width, height: 260 },
      });
    }
  });
});
