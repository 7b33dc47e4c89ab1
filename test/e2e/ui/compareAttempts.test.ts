import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createAttempts, GitService } from '../../../src/agents';
import { GitRunner } from '../../../src/git';
import { sleep } from '../harness/codeServer';
import { createFixtureRepo, git } from '../harness/fixtures';
import { ROOT } from '../harness/paths';
import { useWorkbench } from './session';
import {
  clickRowAction,
  openWorktreesView,
  reviewFrame,
  row,
  runCommand,
  screenshotsDir,
  setColorTheme,
  threeThemes,
  useTheme,
  waitUntil,
} from './workbench';

const TASK = 'Make product search fast';

/** Three attempts that each did the task their own way: one passes the check, two do not. */
async function attemptsFixture(parent: string): Promise<string> {
  const repo = createFixtureRepo(parent).repo;
  const { attempts } = await createAttempts(new GitService(new GitRunner()), {
    repoPath: repo,
    task: TASK,
    attempts: [{ agentCommand: 'claude' }, { agentCommand: 'codex' }, { agentCommand: 'claude' }],
  });
  const write = (folder: string, relative: string, text: string) => {
    mkdirSync(path.dirname(path.join(folder, relative)), { recursive: true });
    writeFileSync(path.join(folder, relative), text);
  };
  const [indexed, cached, scanned] = attempts.map((attempt) => attempt.path) as [string, string, string];
  write(
    indexed,
    'src/search.ts',
    'export const search = (index: Map<string, string[]>, term: string) => index.get(term) ?? [];\n',
  );
  write(
    indexed,
    'src/searchIndex.ts',
    'export function buildIndex(products: string[]) {\n  return new Map<string, string[]>();\n}\n',
  );
  write(indexed, 'PASS', '');
  write(
    cached,
    'src/search.ts',
    'const cache = new Map<string, string[]>();\nexport const search = (term: string) => cache.get(term) ?? [];\n',
  );
  git(cached, ['add', '--all']);
  git(cached, ['commit', '--quiet', '-m', 'Cache search results']);
  write(
    scanned,
    'src/search.ts',
    'export const search = (products: string[], term: string) => products.filter((p) => p.includes(term));\n',
  );
  write(scanned, 'README.md', '# shop\n\nSearch scans every product.\n');
  return repo;
}

describe('Compare Attempts: side by side, checked, two versions diffed', () => {
  const session = useWorkbench({
    label: 'compare-attempts',
    settings: { 'agentWorktrees.checkCommand': 'test -f PASS' },
    makeFolder: attemptsFixture,
  });
  const frame = () => reviewFrame(session.page);

  test('the attempts sit under their task in the view; its inline action opens the comparison', async () => {
    const sidebar = await openWorktreesView(session.page);
    const groupRow = row(sidebar, TASK);
    await groupRow.waitFor({ timeout: 30_000 });
    assert.match((await groupRow.textContent()) ?? '', /3 attempts/);
    // Under the task, each attempt is its number and agent; its name ends the row.
    const attemptRows = ['#1 · claude', '#2 · codex', '#3 · claude'].map((label) => row(sidebar, label));
    for (const attemptRow of attemptRows) await attemptRow.waitFor();
    assert.match((await attemptRows[1]?.textContent()) ?? '', /make-product-search-fast-2/);
    assert.match((await attemptRows[1]?.getAttribute('aria-label')) ?? '', /make-product-search-fast-2 \(attempt #2 · codex\)/);
    const heading = frame().locator('h1', { hasText: TASK });
    await clickRowAction(session.page, groupRow, 'Compare Attempts', () => heading.isVisible(), 'the comparison');
    await frame().locator('table.attempts th', { hasText: 'make-product-search-fast-3' }).waitFor();
    const shared = frame().locator('table.file-grid tr.shared th', { hasText: 'src/search.ts' });
    await shared.waitFor();
  });

  test('Run Check shows each attempt’s result; two versions of a shared file open in the diff editor', async () => {
    await frame().locator('button', { hasText: 'Run Check: test -f PASS' }).click();
    const results = frame().locator('.check');
    await waitUntil(async () => (await results.count()) === 3, 'three check results', 60_000);
    assert.deepEqual(await frame().locator('.check > span:first-child').allTextContents(), [
      'passed',
      'failed · exit 1',
      'failed · exit 1',
    ]);
    const cells = frame().locator('table.file-grid tr.shared', { hasText: 'src/search.ts' }).locator('button.cell');
    await cells.nth(0).click();
    await cells.nth(2).click();
    const tab = session.page.locator('.tab', { hasText: 'make-product-search-fast-1 ↔ make-product-search-fast-3' });
    await tab.waitFor({ timeout: 30_000 });
    await session.page.locator('.monaco-diff-editor').first().waitFor();
    await runCommand(session.page, 'View: Close Editor');
    // One version clicked twice: that attempt's change against the base.
    await session.page.locator('.tab', { hasText: 'Compare: ' }).click();
    await cells.nth(1).click();
    await cells.nth(1).click();
    await session.page.locator('.tab', { hasText: 'search.ts (agent changes since base)' }).waitFor({ timeout: 30_000 });
    await runCommand(session.page, 'View: Close Editor');
  });

  test('the pictures for the README, in three themes', async () => {
    const heading = frame().locator('h1', { hasText: TASK });
    await heading.waitFor();
    const shots = screenshotsDir(ROOT);
    mkdirSync(shots, { recursive: true });
    for (const [theme, kind, file] of threeThemes('compare-attempts', 'high-contrast')) {
      await useTheme(session.page, theme, kind);
      await frame().locator('.check').nth(2).waitFor();
      await session.page.mouse.move(1200, 10); // no hover in the picture
      await sleep(800); // the workbench's fade animations; what is checked was waited for above
      await session.page.screenshot({ path: path.join(shots, file) });
    }
    await setColorTheme(session.page, 'Dark Modern');
  });

  test('New Agent Attempts from the palette: Enter takes the highlighted agent, then how many; the attempts appear grouped', async () => {
    const sidebar = await openWorktreesView(session.page);
    // Not runCommand: the palette does not close, it becomes the command's first step.
    await session.page.keyboard.press('F1');
    const input = session.page.locator('.quick-input-widget input');
    await input.fill('>Agent Worktrees: New Agent Attempts');
    await session.page.locator('.quick-input-list .monaco-list-row', { hasText: 'New Agent Attempts' }).first().click();
    await session.page.locator('.quick-input-title', { hasText: 'the task' }).waitFor();
    await input.fill('Tidy the imports');
    await session.page.locator('.quick-input-message', { hasText: 'tidy-the-imports-1, tidy-the-imports-2' }).waitFor();
    await session.page.keyboard.press('Enter');
    await session.page.locator('.quick-input-title', { hasText: 'which agents?' }).waitFor();
    // Nothing ticked: Enter takes the highlighted one (here the filter leaves only "Custom command…").
    await input.fill('Custom');
    await session.page.keyboard.press('Enter');
    await session.page.locator('.quick-input-title', { hasText: 'agent command' }).waitFor();
    await input.fill("printf 'tidied\\n' > tidy.txt");
    await session.page.keyboard.press('Enter');
    await session.page.locator('.quick-input-title', { hasText: 'how many attempts' }).waitFor();
    await input.fill('2');
    await session.page.keyboard.press('Enter');
    const group = row(sidebar, 'Tidy the imports');
    await group.waitFor({ timeout: 30_000 });
    assert.match((await group.textContent()) ?? '', /2 attempts/);
    const folders = ['tidy-the-imports-1', 'tidy-the-imports-2'].map((name) =>
      path.join(path.dirname(session.folder), 'shop.worktrees', name),
    );
    await waitUntil(
      async () => folders.every((folder) => existsSync(path.join(folder, 'tidy.txt'))),
      'each attempt’s agent to run in its own worktree',
      30_000,
    );
  });
});
