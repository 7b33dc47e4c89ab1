import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { createAgentWorktree, GitService } from '../../../src/agents';
import { GitRunner } from '../../../src/git';
import { sleep } from '../harness/codeServer';
import { createFixtureRepo, git } from '../harness/fixtures';
import { ROOT } from '../harness/paths';
import { useWorkbench } from './session';
import { openReview as openReviewOf, screenshotsDir, setColorTheme, threeThemes, useTheme, waitUntil } from './workbench';

const CART = `import { price } from './price';

export interface Line {
  readonly sku: string;
  readonly quantity: number;
}

/** The cart's total, in cents. */
export function total(lines: readonly Line[]): number {
  let sum = 0;
  for (const line of lines) {
    sum += price(line.sku) * line.quantity;
  }
  return sum;
}

export function isEmpty(lines: readonly Line[]): boolean {
  return lines.length === 0;
}

export function count(lines: readonly Line[]): number {
  return lines.reduce((all, line) => all + line.quantity, 0);
}
`;
const LONG_LINE = `  throw new Error(\`The coupon \${code} cannot be combined with \${other} because both reduce the same line of the cart, and the shop's terms allow one reduction per line (see TERMS.md, section 4).\`);`;

/** The panel's look (themes, syntax colours, long lines) and the viewed marks, with the README's pictures. */
describe('Review panel: how it looks, viewed marks', () => {
  let repo: string;
  const session = useWorkbench({
    label: 'review-look',
    settings: { 'agentWorktrees.afterKeep': 'keep' },
    makeFolder: async (parent) => {
      repo = createFixtureRepo(parent).repo;
      writeFileSync(path.join(repo, 'src', 'cart.ts'), CART);
      git(repo, ['add', '--all']);
      git(repo, ['commit', '--quiet', '-m', 'cart']);
      const created = await createAgentWorktree(new GitService(new GitRunner()), {
        repoPath: repo,
        name: 'coupons',
        task: 'Coupons that cannot be combined',
      });
      const edited = CART.replace('  let sum = 0;', '  let sum = 0; // cents, never floats').replace(
        '  return lines.length === 0;',
        `  if (lines.some((line) => line.quantity < 0)) {\n${LONG_LINE}\n  }\n  return lines.length === 0;`,
      );
      writeFileSync(path.join(created.path, 'src', 'cart.ts'), edited);
      writeFileSync(path.join(created.path, 'src', 'coupons.ts'), 'export const COUPONS = ["SAVE10", "WELCOME"] as const;\n');
      mkdirSync(path.join(created.path, 'docs'), { recursive: true });
      writeFileSync(path.join(created.path, 'docs', 'coupons.md'), '# Coupons\n\nOne reduction per line.\n');
      return repo;
    },
  });

  const openReview = (name: string): Promise<FrameLocator> => openReviewOf(session.page, name);

  test('a long line scrolls instead of being cut off; colours come from the theme', async () => {
    const frame = await openReview('coupons');
    const longLine = frame.locator('.d2h-code-line-ctn', { hasText: 'one reduction per line (see TERMS.md' }).first();
    await longLine.waitFor();
    // The whole line is in the page (scrolled to, not clipped by the line's own box).
    const clipped = await longLine.evaluate((line) => line.scrollWidth > line.clientWidth + 1);
    assert.equal(clipped, false, 'the line’s own box holds all of its text');
    const scroller = await longLine.evaluate((line) => {
      const side = line.closest('.d2h-file-side-diff') as HTMLElement;
      return { overflow: getComputedStyle(side).overflowX, scrollable: side.scrollWidth > side.clientWidth };
    });
    assert.ok(['auto', 'scroll'].includes(scroller.overflow) && scroller.scrollable, JSON.stringify(scroller));
    const added = await frame
      .locator('td.d2h-ins')
      .first()
      .evaluate((cell) => getComputedStyle(cell).backgroundColor);
    const theme = await frame
      .locator('body')
      .evaluate((body) => getComputedStyle(body).getPropertyValue('--vscode-diffEditor-insertedLineBackground').trim());
    assert.ok(theme.length > 0, 'the theme defines the inserted-line colour');
    assert.notEqual(added, 'rgb(221, 255, 221)', 'not diff2html’s light green in the dark theme');

    // The inline view: the same theme colours (it used diff2html's light ones), the same scrolling.
    await frame.locator('#layout').click();
    const inline = frame.locator('.d2h-file-diff .d2h-code-line-ctn', { hasText: 'one reduction per line (see TERMS.md' });
    await inline.waitFor();
    const inlineLook = await inline.evaluate((line) => {
      const scroller = line.closest('.d2h-file-diff') as HTMLElement;
      const cell = line.closest('td') as HTMLElement;
      return {
        background: getComputedStyle(cell).backgroundColor,
        scrollable: scroller.scrollWidth > scroller.clientWidth,
        clipped: line.scrollWidth > line.clientWidth + 1,
      };
    });
    assert.equal(inlineLook.background, added, 'the inline view uses the same inserted-line colour');
    assert.deepEqual([inlineLook.scrollable, inlineLook.clipped], [true, false], JSON.stringify(inlineLook));
    await session.page.mouse.move(1200, 10);
    await sleep(800); // fade animations; the state in the picture was checked above
    await session.page.screenshot({ path: path.join(screenshotsDir(ROOT), 'review-panel-inline-dark.png') });
    await frame.locator('#layout').click();
    await frame.locator('.d2h-files-diff').first().waitFor();
  });

  test('viewed: a mark per file, the filter, and a new change by the agent clears it', async () => {
    const frame = await openReview('coupons');
    const viewed = frame.locator('input.viewed-check[aria-label="Viewed docs/coupons.md"]');
    await viewed.check();
    await frame.locator('li.file.viewed[data-path="docs/coupons.md"]').waitFor();
    await frame.locator('#viewed-count', { hasText: '1 of 3 viewed' }).waitFor();
    await frame.locator('#only-unviewed').check();
    await waitUntil(async () => !(await frame.locator('li.file[data-path="docs/coupons.md"]').isVisible()), 'viewed file hidden');
    await frame.locator('#only-unviewed').uncheck();
    await frame.locator('li.file[data-path="docs/coupons.md"]').waitFor({ state: 'visible' });

    const agentPath = path.join(path.dirname(repo), 'shop.worktrees', 'coupons');
    writeFileSync(path.join(agentPath, 'docs', 'coupons.md'), '# Coupons\n\nOne reduction per line, and none on gift cards.\n');
    await frame.locator('#viewed-count', { hasText: '0 of 3 viewed' }).waitFor({ timeout: 15_000 });
    assert.equal(await viewed.isChecked(), false, 'changed again: to view again');
    await viewed.check();
    await frame.locator('#viewed-count', { hasText: '1 of 3 viewed' }).waitFor();
  });

  test('README pictures in the dark, light and high-contrast themes', async () => {
    const frame = await openReview('coupons');
    await frame.locator('input.hunk-check[aria-label="Keep hunk 1 of src/cart.ts"]').uncheck();
    await frame.locator('#keep-selected', { hasText: 'Keep 3 files · 3 of 4 hunks' }).waitFor();
    const shots = screenshotsDir(ROOT);
    mkdirSync(shots, { recursive: true });
    for (const [theme, kind, file] of threeThemes('review-panel', 'high-contrast')) {
      await useTheme(session.page, theme, kind);
      await frame.locator('section.file-diff[data-path="src/cart.ts"] .hljs-keyword').first().waitFor();
      await session.page.mouse.move(1200, 10); // no hover in the picture
      await sleep(800); // the workbench's fade animations; what is checked was waited for above
      await session.page.screenshot({ path: path.join(shots, file) });
    }
    await setColorTheme(session.page, 'Dark Modern');
  });
});
