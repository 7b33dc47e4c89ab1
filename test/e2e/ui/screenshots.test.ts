import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { sleep } from '../harness/codeServer';
import { createDemoRepo } from '../harness/fixtures';
import { ROOT } from '../harness/paths';
import { useWorkbench } from './session';
import { openWorktreesView, row, screenshotsDir, setColorTheme, themeKind, waitUntil, widenSidebar } from './workbench';

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
      await setColorTheme(session.page, theme);
      await waitUntil(async () => (await themeKind(session.page)) === kind, `the ${theme} theme`);
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
    await setColorTheme(session.page, 'Dark Modern');
    await waitUntil(async () => (await themeKind(session.page)) === 'vs-dark', 'the dark theme');
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
