// Compare Attempts' first paint (issue 17): 8 attempts × 200 changed files each (100 files all of
// them changed, 100 of their own), in the real VS Code. Per round: clicking Compare Attempts on the
// group's row until the whole file grid is on screen, of which VS Code creating the webview and
// loading its page (not ours: the review panel's is the same), then reading the eight attempts and
// drawing them; and the page alone drawing the comparison message. Target: first paint (ours, after
// the page loaded) under a second.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { compareAttempts } from '../src/agents/attemptComparison';
import { findAttemptGroup } from '../src/agents/attemptGroups';
import { createAttempts } from '../src/agents/attempts';
import type { GitService } from '../src/agents/service';
import { buildCompareData } from '../src/webview/compareData';
import type { CompareHostMessage } from '../src/webview/compareProtocol';
import type { Page } from '../test/e2e/harness/browser';
import { findFrame, openWorktreesView, row } from '../test/e2e/ui/workbench';
import type { ComparePaintSample } from './vscodeResult';

export const COMPARE_TASK = 'Rewrite the paint modules';
const ATTEMPTS = 8;
const SHARED = 100;
const OWN = 100;

/** The attempts, in the paint fixture's repository (whose `paint-<i>.ts` files they rewrite). */
export async function compareFixture(service: GitService, repo: string): Promise<{ message: CompareHostMessage; rows: number }> {
  const { group, attempts } = await createAttempts(service, {
    repoPath: repo,
    task: COMPARE_TASK,
    attempts: Array.from({ length: ATTEMPTS }, () => ({ agentCommand: 'claude' })),
  });
  attempts.forEach((attempt, index) => {
    for (let i = 0; i < SHARED; i++) {
      writeFileSync(path.join(attempt.path, `src/module-0/paint-${i}.ts`), `export const attempt${index}_${i} = ${i};\n`);
    }
    for (let i = 0; i < OWN; i++) {
      writeFileSync(path.join(attempt.path, `src/module-0/own-${index}-${i}.ts`), `export const own = ${i};\n`);
    }
  });
  const snapshot = await service.readRepository({ commonDir: attempts[0]?.commonDir as string });
  const found = findAttemptGroup(snapshot.worktrees, group);
  if (!found) throw new Error('the bench attempts are not found as a group');
  const data = buildCompareData(await compareAttempts(service, found), {
    activityOf: () => undefined,
    now: Date.now(),
    checkCommand: 'npm test',
  });
  const message: CompareHostMessage = {
    type: 'comparison',
    data,
    version: -1,
    state: { group, commonDir: attempts[0]?.commonDir as string },
  };
  return { message, rows: SHARED + ATTEMPTS * OWN };
}

const PAINTED = 'const painted = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));';

/** The page's own handler draws the comparison message the host would post, until its last row is on screen. */
const RENDER_COMPARE = `(async () => {
  ${PAINTED}
  const start = performance.now();
  // A version the page has not drawn: the whole grid is drawn, every time.
  const data = { ...window.__benchCompare, version: -1 - Math.floor(Math.random() * 1e9) };
  window.dispatchEvent(new MessageEvent('message', { data }));
  await painted();
  while (document.querySelectorAll('table.file-grid tbody tr').length < window.__benchRows) await painted();
  return performance.now() - start;
})()`;

export async function comparePaintRound(
  page: Page,
  fixture: { message: CompareHostMessage; rows: number },
  round: number,
): Promise<ComparePaintSample> {
  const sidebar = await openWorktreesView(page);
  const groupRow = row(sidebar, COMPARE_TASK);
  await groupRow.waitFor({ timeout: 60_000 });
  await groupRow.hover();
  const action = groupRow.locator('.action-label[aria-label="Compare Attempts"]');
  await action.waitFor();
  const start = Date.now();
  await action.click();
  await findFrame(page, '#app'); // the page's HTML is in; its script has yet to ask for data
  const pageLoadedMs = Date.now() - start;
  const frame = await findFrame(page, 'table.file-grid');
  await frame.waitForFunction((rows) => document.querySelectorAll('table.file-grid tbody tr').length >= rows, fixture.rows, {
    timeout: 60_000,
    polling: 'raf',
  });
  const endToEndMs = Date.now() - start;
  await frame.evaluate(([message, rows]) => Object.assign(window, { __benchCompare: message, __benchRows: rows }), [
    fixture.message,
    fixture.rows,
  ] as const);
  await frame.evaluate<number>(RENDER_COMPARE); // a warm-up
  const pageMs = await frame.evaluate<number>(RENDER_COMPARE);
  return { round, endToEndMs, pageLoadedMs, pageMs };
}
