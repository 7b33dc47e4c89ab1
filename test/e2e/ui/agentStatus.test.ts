import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { writeAgentMetadata } from '../../../src/agents/agentMetadata';
import { sleep } from '../harness/codeServer';
import { createDemoRepo, git } from '../harness/fixtures';
import { ROOT } from '../harness/paths';
import { useWorkbench } from './session';
import {
  clickRowAction,
  openWorktreesView,
  row,
  runCommand,
  screenshotsDir,
  threeThemes,
  useTheme,
  waitUntil,
} from './workbench';

/**
 * One fake agent for every worktree of the demo, behaving by its folder's name: printing on and
 * on, asking and waiting, finishing, failing.
 */
const FAKE_AGENT = `case "$(basename "$PWD")" in
  fix-tax-rounding) while true; do echo "editing src/tax.ts"; sleep 1; done ;;
  add-coupons) echo "Allow edit to src/coupons.ts? [y/n]"; read answer ;;
  speed-up-search) echo "all 42 tests pass"; exit 0 ;;
  try-new-parser) echo "error: 3 tests failed"; exit 2 ;;
esac
`;

async function demoWithOneMoreAgent(parent: string): Promise<string> {
  const repo = await createDemoRepo(path.join(parent, 'workspace'));
  const worktree = path.join(path.dirname(repo), 'acme-shop.worktrees', 'try-new-parser');
  git(repo, ['worktree', 'add', '--quiet', '-b', 'agent/try-new-parser', worktree]);
  await writeAgentMetadata(path.join(repo, '.git', 'worktrees', 'try-new-parser'), {
    version: 1,
    branch: 'agent/try-new-parser',
    baseCommit: git(repo, ['rev-parse', 'HEAD']).trim(),
    baseBranch: 'main',
    createdAt: new Date(Date.now() - 3_600_000).toISOString(),
    task: 'Replace the search query parser',
    createdFrom: repo,
    agentCommand: undefined,
  });
  writeFileSync(path.join(parent, 'fake-agent.sh'), FAKE_AGENT);
  return repo;
}

describe('What every agent is doing, in the view', () => {
  const session = useWorkbench({
    label: 'agent-status',
    makeFolder: demoWithOneMoreAgent,
    // Every agent terminal starts in its worktree, two folders below the session's: the script is beside them.
    settings: { 'agentWorktrees.agentQuietSeconds': 5, 'agentWorktrees.agentCommand': 'sh ../../../fake-agent.sh' },
  });

  test('working, waiting, done and failed agents: rows, status bar, and the pictures in three themes', async () => {
    assert.ok(existsSync(path.join(session.parent, 'fake-agent.sh')));
    let sidebar = await openWorktreesView(session.page);
    const agents = ['fix-tax-rounding', 'add-coupons', 'speed-up-search', 'try-new-parser'];
    for (const name of agents) await row(sidebar, name).waitFor({ timeout: 30_000 });
    for (const name of agents) {
      // The row's own Run Agent button (the robot, shown on hover).
      await clickRowAction(
        session.page,
        row(sidebar, name),
        'Run Agent in Worktree',
        async () => /working|waiting|done|failed/.test(await row(sidebar, name).innerText()),
        `${name}'s agent starting`,
      );
    }
    const expected: Record<string, RegExp> = {
      // The label and the description run together in innerText: the word and what follows it.
      'fix-tax-rounding': /working · /,
      'add-coupons': /waiting · /,
      'speed-up-search': /done · /,
      'try-new-parser': /failed \(2\) · /,
    };
    for (const [name, word] of Object.entries(expected)) {
      const text = () => row(sidebar, name).innerText();
      await waitUntil(async () => word.test(await text()), `${name}: ${word}`, 45_000).catch(async (error: Error) => {
        throw new Error(`${error.message}; the row reads ${JSON.stringify(await text())}`);
      });
    }
    const statusBar = session.page.locator('.statusbar-item', { hasText: /working/ }).first();
    await waitUntil(
      async () => /1 working · 1 waiting · 1 failed · 1 done/.test(await statusBar.innerText()),
      'the status bar summary',
    );

    // As a user leaves it: rows folded (selecting them unfolded them), focus in the editor area.
    for (const name of agents) {
      if ((await row(sidebar, name).getAttribute('aria-expanded')) === 'true')
        await row(sidebar, name).locator('.monaco-tl-twistie').click();
    }
    await row(sidebar, 'acme-shop').click();
    await session.page.keyboard.press('Escape'); // no row selected: no row shows its inline actions over its description
    await session.page.mouse.click(800, 620); // into the terminal: the view loses the focus

    const shots = screenshotsDir(ROOT);
    mkdirSync(shots, { recursive: true });
    for (const [theme, kind, file] of threeThemes('agent-status')) {
      await useTheme(session.page, theme, kind);
      sidebar = await openWorktreesView(session.page);
      // At the default width the whole title shows (text-overflow would cut it: compare widths).
      const title = sidebar.locator('.title-label h2').first();
      assert.match(await title.innerText(), /Agent Worktrees/i);
      assert.ok(await title.evaluate((element) => element.scrollWidth <= element.clientWidth), 'the view title is not cut');
      await session.page.mouse.click(800, 620); // into the terminal: the view loses the focus (no inline actions over a row)
      await session.page.mouse.move(1200, 780);
      await sleep(800);
      const box = await sidebar.boundingBox();
      assert.ok(box);
      await session.page.screenshot({
        path: path.join(shots, file),
        clip: { x: box.x, y: box.y, width: box.width, height: 260 },
      });
    }
  });

  test('after a window reload the agent terminals are found again, and their rows say what is known', async () => {
    // fix-tax-rounding's agent (started by the test above) is still printing.
    await runCommand(session.page, 'Developer: Reload Window');
    // The workbench comes back with the view open: wait for it rather than click its icon (a
    // click on the icon of the open container closes it).
    const title = session.page.locator('.part.sidebar .title-label', { hasText: 'Agent Worktrees' });
    await title.waitFor({ timeout: 60_000 }).catch(() => undefined);
    const sidebar = await openWorktreesView(session.page);
    await row(sidebar, 'fix-tax-rounding').waitFor({ timeout: 60_000 });
    // Its output started before the reload and cannot be read again: working while files change,
    // and its tooltip says why it is known less well.
    await waitUntil(
      async () => /(working|waiting) · /.test(await row(sidebar, 'fix-tax-rounding').innerText()),
      'fix-tax-rounding shows its agent again',
      60_000,
    );
  });
});
