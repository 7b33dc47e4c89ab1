import type { Frame, FrameLocator, Locator, Page } from 'playwright-core';

/** Selectors for our view in the VS Code 1.139 workbench, kept in one place. */
export const VIEW_CONTAINER_TITLE = 'Agent Worktrees';

export async function openWorktreesView(page: Page): Promise<Locator> {
  const entry = page.locator(`.activitybar [aria-label^="${VIEW_CONTAINER_TITLE}"]`).first();
  await entry.waitFor({ timeout: 60_000 });
  const sidebar = page.locator('.part.sidebar');
  // Clicking an already-open container closes it: only click when ours is not showing.
  if (
    !(await sidebar
      .locator('.title-label', { hasText: VIEW_CONTAINER_TITLE })
      .isVisible()
      .catch(() => false))
  ) {
    await entry.click();
  }
  await sidebar.locator('.title-label', { hasText: VIEW_CONTAINER_TITLE }).waitFor();
  return sidebar;
}

/** A worktree row by its label (the folder name). */
export function row(sidebar: Locator, label: string): Locator {
  return sidebar.locator('.monaco-list-row', {
    has: sidebar.page().locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }),
  });
}

/**
 * The decoration badge VS Code draws after a row's label (a CSS ::after on the label container),
 * or '' when there is none.
 */
export async function badgeOf(rowLocator: Locator): Promise<string> {
  return rowLocator.evaluate((element) => {
    for (const node of [element, ...Array.from(element.querySelectorAll('*'))]) {
      const content = getComputedStyle(node, '::after').content;
      if (content && content !== 'none' && content !== 'normal' && content !== '""') return content.replace(/^"|"$/g, '');
    }
    return '';
  });
}

export async function contextMenuAction(page: Page, rowLocator: Locator, title: string): Promise<void> {
  await rowLocator.click({ button: 'right' });
  const item = page.locator('.monaco-menu .action-menu-item', { hasText: title }).first();
  try {
    await item.waitFor({ timeout: 10_000 });
    // A menu ignores a click that lands right as it opens (it guards against the opening
    // right-click's own mouse-up); a user's second click always comes later than this.
    await page.waitForTimeout(300);
    await item.click({ timeout: 10_000 });
  } catch (error) {
    await page.keyboard.press('Escape'); // never leave a menu open over the next test
    throw error;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where screenshots go: the README's images with UPDATE_SCREENSHOTS=1, else out/ (a test run leaves git clean). */
export function screenshotsDir(root: string): string {
  return process.env.UPDATE_SCREENSHOTS ? `${root}/docs/images` : `${root}/out/screenshots`;
}

/** Drags the sash at the sidebar's right edge so descriptions are not cut off in screenshots. */
export async function widenSidebar(page: Page, width: number): Promise<void> {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) throw new Error('no sidebar to widen');
  const edge = box.x + box.width;
  const sashes = await page.locator('.monaco-sash.vertical').all();
  for (const sash of sashes) {
    const sashBox = await sash.boundingBox();
    if (!sashBox || Math.abs(sashBox.x + sashBox.width / 2 - edge) > 6) continue;
    const y = sashBox.y + sashBox.height / 2;
    await page.mouse.move(sashBox.x + sashBox.width / 2, y);
    await page.mouse.down();
    await page.mouse.move(box.x + width, y, { steps: 8 });
    await page.mouse.up();
    return;
  }
  throw new Error('no sash found at the sidebar edge');
}

/** The workbench's theme kind from its root classes: 'vs' (light), 'vs-dark' or 'hc-black'. */
export async function themeKind(page: Page): Promise<string | undefined> {
  const classes = ((await page.locator('.monaco-workbench').getAttribute('class')) ?? '').split(/\s+/);
  return classes.find((name) => name === 'vs' || name === 'vs-dark' || name === 'hc-black' || name === 'hc-light');
}

export async function waitUntil(probe: () => Promise<boolean>, what: string, timeoutMs = 15_000, pollMs = 150): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * The frame (at any depth: a webview's page sits two iframes down) that has `selector`, found by
 * polling — for evaluating in the page itself, which a FrameLocator cannot.
 */
export async function findFrame(page: Page, selector: string, timeoutMs = 60_000, pollMs = 20): Promise<Frame> {
  let found: Frame | undefined;
  await waitUntil(
    async () => {
      for (const frame of page.frames()) {
        if (await frame.$(selector).catch(() => null)) {
          found = frame;
          return true;
        }
      }
      return false;
    },
    `a frame with ${selector}`,
    timeoutMs,
    pollMs,
  );
  return found as Frame;
}

/** Switches the colour theme the way a user does: Preferences: Color Theme, type, Enter. */
export async function setColorTheme(page: Page, theme: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill('>Preferences: Color Theme');
  // Exactly this command: "Browse Color Themes in Marketplace" matches the same words.
  const exactly = (text: string) =>
    page.locator('.quick-input-list .monaco-list-row', {
      has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(text)}$`) }),
    });
  await exactly('Preferences: Color Theme').first().click();
  await page
    .locator('.quick-input-widget input[aria-label*="Color Theme" i], .quick-input-widget input[placeholder*="Color Theme" i]')
    .first()
    .waitFor();
  // The list is virtual: a theme far down (the high-contrast ones) exists only once filtered.
  await input.fill(theme);
  await exactly(theme).first().click();
}

/** Switches the colour theme as a user does, and waits until the workbench shows it (its kind). */
export async function useTheme(page: Page, theme: string, kind: string): Promise<void> {
  await setColorTheme(page, theme);
  await waitUntil(async () => (await themeKind(page)) === kind, `the ${theme} theme`);
}

/**
 * The three themes every picture is taken in, each with its kind and its file name:
 * `<name>-dark.png`, `<name>-light.png`, `<name>-<highContrast>.png`.
 */
export function threeThemes(name: string, highContrast = 'hc'): ReadonlyArray<readonly [string, string, string]> {
  return [
    ['Dark Modern', 'vs-dark', `${name}-dark.png`],
    ['Light Modern', 'vs', `${name}-light.png`],
    ['Dark High Contrast', 'hc-black', `${name}-${highContrast}.png`],
  ];
}

/** Runs a command from the palette the way a user does: F1, its exact title, Enter. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  const exactly = page.locator('.quick-input-list .monaco-list-row', {
    has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
  });
  await exactly.first().click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/**
 * Selects the rows (Ctrl-click after the first) and runs a context-menu action on the selection.
 * The action runs only once exactly these rows show as selected: a row redrawn under the pointer
 * (its counts arriving) can drop a click, and a user who sees one row unselected selects again.
 */
export async function actOnRows(page: Page, sidebar: Locator, labels: readonly string[], action: string): Promise<void> {
  const [first, ...rest] = labels;
  if (!first) throw new Error('no rows to act on');
  const allSelected = async () => {
    for (const label of labels) if ((await row(sidebar, label).getAttribute('aria-selected')) !== 'true') return false;
    return (await sidebar.locator('.monaco-list-row[aria-selected="true"]').count()) === labels.length;
  };
  for (let attempt = 1; ; attempt++) {
    await row(sidebar, first).click();
    for (const label of rest) await row(sidebar, label).click({ modifiers: ['Control'] });
    try {
      await waitUntil(allSelected, `the rows ${labels.join(', ')} to be selected`, 2_000);
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  await contextMenuAction(page, row(sidebar, labels[labels.length - 1] as string), action);
}

/** The review panel's page: the frame inside its webview, once the webview is ready. */
export function reviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

/**
 * Opens the review of one agent worktree from its row in the view, with every other editor closed
 * first, so that `reviewFrame` is this review's page (a test that opens its own review needs no
 * earlier test).
 */
export async function openReview(page: Page, name: string): Promise<FrameLocator> {
  await runCommand(page, 'View: Close All Editors');
  await waitUntil(async () => (await page.locator('iframe.webview').count()) === 0, 'no review open');
  const sidebar = await openWorktreesView(page);
  const agentRow = row(sidebar, name);
  await agentRow.waitFor({ timeout: 30_000 });
  const heading = reviewFrame(page).locator('h1', { hasText: `Review ${name}` });
  await clickRowAction(page, agentRow, 'Review Changes', () => heading.isVisible(), `the review of ${name}`);
  return reviewFrame(page);
}

/**
 * Clicks a row's inline action and waits until `done`. A row redrawn under the pointer (its
 * counts or its agent's state arriving) can take the click without the row: the command then asks
 * which worktree. The picker is closed and the action clicked again, as a user would.
 */
export async function clickRowAction(
  page: Page,
  rowLocator: Locator,
  label: string,
  done: () => Promise<boolean>,
  what: string,
): Promise<void> {
  // The worktree picker ("Choose a worktree" is its placeholder, not its text): any quick input.
  const picker = page.locator('.quick-input-widget');
  for (let attempt = 1; ; attempt++) {
    await rowLocator.hover();
    await rowLocator.locator(`.action-label[aria-label="${label}"]`).first().click();
    let outcome: 'done' | 'picker' | undefined;
    for (const deadline = Date.now() + 30_000; !outcome; ) {
      if (await done()) outcome = 'done';
      else if (await picker.isVisible()) outcome = 'picker';
      else if (Date.now() > deadline) throw new Error(`${label}: no ${what} within 30 s`);
      else await page.waitForTimeout(150);
    }
    if (outcome === 'done') return;
    if (attempt === 3) throw new Error(`${label} asked which worktree three times instead of ${what}`);
    await page.keyboard.press('Escape');
  }
}
