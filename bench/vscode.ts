// The benchmarks that need the real VS Code: the review panel's first paint and activation, in
// code-server + Chromium (the harness of the UI tests), plus the bundle checks.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { getAgentChanges } from '../src/agents/agentChanges';
import { createAgentWorktree } from '../src/agents/createAgentWorktree';
import { GitService } from '../src/agents/service';
import { GitRunner } from '../src/git/runner';
import { EMPTY_SELECTION, type HostMessage } from '../src/webview/protocol';
import { buildReviewData } from '../src/webview/reviewData';
import { launchBrowser, openWorkbench, type Page, runCommand } from '../test/e2e/harness/browser';
import { startCodeServer } from '../test/e2e/harness/codeServer';
import { prepare } from '../test/e2e/harness/prepared';
import { findFrame, openWorktreesView, row } from '../test/e2e/ui/workbench';
import { compareFixture, comparePaintRound } from './comparePaint';
import { createRepo, git } from './fixtures';
import { capPatch, describeFailure, type RoundFailure, reasonOf, runRounds } from './rounds';
import {
  ACTIVATION_PART,
  type ActivationSample,
  type BundleChecks,
  COMPARE_PART,
  PAINT_PART,
  type PaintSample,
  type VsCodeResult,
} from './vscodeResult';

/** Sizes of the bundles as installed from the .vsix, and whether diff2html's code is in the host's. */
function bundleChecks(extensionDir: string): BundleChecks {
  const hostFile = path.join(extensionDir, 'dist', 'extension.js');
  const pageFile = path.join(extensionDir, 'media', 'dist', 'review.js');
  // Class names only diff2html's templates produce; the page bundle must have them, the host not.
  const markers = ['d2h-file-wrapper', 'd2h-code-line'];
  const missingInPage = markers.filter((marker) => !readFileSync(pageFile, 'utf8').includes(marker));
  if (missingInPage.length > 0) throw new Error(`The markers do not find diff2html even in the page: ${missingInPage}`);
  const host = readFileSync(hostFile, 'utf8');
  return {
    hostBundleBytes: statSync(hostFile).size,
    pageBundleBytes: statSync(pageFile).size,
    diff2htmlInHost: markers.filter((marker) => host.includes(marker)),
  };
}

/**
 * `files` files of `linesPerFile` lines, every line changed by the agent; the eager floor gets the
 * first `eagerFiles` of them.
 */
async function paintFixture(parent: string, files: number, linesPerFile: number, eagerFiles: number) {
  const repo = createRepo(parent, 1);
  for (let i = 0; i < files; i++) {
    const lines = Array.from({ length: linesPerFile }, (_, line) => `const original_${i}_${line} = ${line};`);
    writeFileSync(path.join(repo, `src/module-0/paint-${i}.ts`), `${lines.join('\n')}\n`);
  }
  git(repo, ['add', '--all']);
  git(repo, ['commit', '--quiet', '-m', 'files to change']);
  const service = new GitService(new GitRunner());
  const agent = await createAgentWorktree(service, { repoPath: repo, name: 'paint', task: 'Rewrite every line' });
  for (let i = 0; i < files; i++) {
    const lines = Array.from({ length: linesPerFile }, (_, line) => `let rewritten_${i}_${line} = ${line * 2};`);
    writeFileSync(path.join(agent.path, `src/module-0/paint-${i}.ts`), `${lines.join('\n')}\n`);
  }
  const changes = await getAgentChanges(service, agent.path);
  const review = buildReviewData(
    changes,
    { title: 'Review paint', task: 'Rewrite every line', branch: 'agent/paint', base: 'main', target: repo },
    1000,
  );
  const message: HostMessage = { type: 'review', review, layout: 'side-by-side', selection: EMPTY_SELECTION, viewed: {} };
  const diffLines = changes.patch.toString('utf8').split('\n').length;
  const eager = capPatch(changes.patch.toString('utf8'), eagerFiles);
  return { repo, agentPath: agent.path, message, eager, diffLines, files };
}

// Page scripts, as source text: what tsx compiles would reference its own helpers (`__name`).
// Both time from the start of rendering until it is on screen (one frame later).
const PAINTED = 'const painted = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));';

/**
 * Ours: the page's own handler gets the review message the host would post. Measured until the
 * list and the first file's diff are on screen — scrolled to, since with hundreds of files the
 * list alone fills the first screen and no diff would be drawn at all.
 */
const RENDER_OURS = `(async () => {
  ${PAINTED}
  window.scrollTo(0, 0);
  const start = performance.now();
  window.dispatchEvent(new MessageEvent('message', { data: window.__benchMessage }));
  await painted();
  document.getElementById('file-0').scrollIntoView();
  while (!document.querySelector('#file-0 .d2h-file-wrapper')) await painted();
  await painted();
  return performance.now() - start;
})()`;

/**
 * The eager way: diff2html renders the (capped) patch into the same page at once. Also reports the
 * page's JS heap right after, before the container is dropped (Chromium's non-standard
 * performance.memory; undefined elsewhere).
 */
const RENDER_EAGER = `(async () => {
  ${PAINTED}
  const container = document.createElement('div');
  document.body.append(container);
  const start = performance.now();
  container.innerHTML = Diff2Html.html(window.__benchPatch, { outputFormat: 'side-by-side', drawFileList: true, matching: 'lines' });
  await painted();
  const ms = performance.now() - start;
  const heap = performance.memory ? performance.memory.usedJSHeapSize / 1048576 : undefined;
  container.remove();
  return { ms, heapMiB: heap };
})()`;

export interface BenchOptions {
  readonly files: number;
  readonly linesPerFile: number;
  /** The eager floor renders only this many of the files (capPatch). */
  readonly eagerFiles: number;
  readonly rounds: number;
}

/** Retries of a failed round, and failed attempts in all (per part) before the rest is given up. */
const RETRIES = 2;
const MAX_FAILURES = 5;
/** Per attempt, from launching a browser to the last measurement. */
const PAINT_ATTEMPT_MS = 300_000;
const ACTIVATION_ATTEMPT_MS = 180_000;

type Fixture = Awaited<ReturnType<typeof paintFixture>>;
interface Session {
  readonly url: string;
  readonly fixture: Fixture;
  readonly compare: Awaited<ReturnType<typeof compareFixture>>;
}

/**
 * Panel paint and activation, each round in a browser (so a renderer, a window, an extension host)
 * of its own. `save` gets the result so far after every round and every failure; a failed round is
 * retried, and one that fails every attempt is left out (its failures say why).
 */
export async function benchRealVsCode(parent: string, options: BenchOptions, save: (result: VsCodeResult) => void) {
  const result: VsCodeResult = { failures: [] };
  const prepared = prepare();
  result.bundles = bundleChecks(prepared.extensionDir);
  const fixture = await paintFixture(parent, options.files, options.linesPerFile, options.eagerFiles);
  const compare = await compareFixture(new GitService(new GitRunner()), fixture.repo);
  result.comparePaint = { roundsAsked: options.rounds, samples: [] };
  result.paint = {
    files: options.files,
    diffLines: fixture.diffLines,
    eagerFiles: fixture.eager.files,
    eagerLines: fixture.eager.lines,
    roundsAsked: options.rounds,
    samples: [],
  };
  result.activation = { roundsAsked: options.rounds, samples: [] };
  save(result);
  const server = await startCodeServer({
    install: prepared.install,
    folder: fixture.repo,
    extensionsDir: prepared.extensionsDir,
    label: 'bench',
    settings: { 'workbench.colorTheme': 'Default Dark Modern', 'agentWorktrees.staleNotification': false },
  });
  try {
    await measureRounds({ url: server.url, fixture, compare }, options.rounds, result, save);
  } finally {
    await server.stop();
  }
  result.finished = true;
  save(result);
  return result;
}

/** The paint rounds, then the activation rounds (a fresh extension host each: a new window). */
async function measureRounds(session: Session, rounds: number, result: VsCodeResult, save: (result: VsCodeResult) => void) {
  const common = {
    rounds,
    retries: RETRIES,
    maxFailures: MAX_FAILURES,
    onFailure: (failure: RoundFailure, willRetry: boolean) => {
      result.failures.push(failure);
      console.error(`  failed: ${describeFailure(failure)}${willRetry ? ' (retrying)' : ''}`);
      save(result);
    },
  };
  const saveSample = <T>(samples: T[] | undefined, sample: T, line: string) => {
    console.log(`  ${line}`);
    samples?.push(sample);
    save(result);
  };
  const painted = await runRounds({
    ...common,
    part: PAINT_PART,
    attempt: (round) => inFreshBrowser(session, PAINT_ATTEMPT_MS, (page) => paintRound(page, session.fixture, round)),
    onResult: (sample) =>
      saveSample(
        result.paint?.samples,
        sample,
        `paint round ${sample.round + 1}: ours ${sample.oursMs.toFixed(0)} ms, eager ${sample.eagerMs.toFixed(0)} ms`,
      ),
  });
  const compared = await runRounds({
    ...common,
    part: COMPARE_PART,
    attempt: (round) => inFreshBrowser(session, PAINT_ATTEMPT_MS, (page) => comparePaintRound(page, session.compare, round)),
    onResult: (sample) =>
      saveSample(
        result.comparePaint?.samples,
        sample,
        `compare round ${sample.round + 1}: click → grid ${sample.endToEndMs.toFixed(0)} ms (page loaded at ${sample.pageLoadedMs.toFixed(0)} ms), page render ${sample.pageMs.toFixed(0)} ms`,
      ),
  });
  const activated = await runRounds({
    ...common,
    part: ACTIVATION_PART,
    attempt: (round) => inFreshBrowser(session, ACTIVATION_ATTEMPT_MS, (page) => activationRound(page, round)),
    onResult: (sample) =>
      saveSample(
        result.activation?.samples,
        sample,
        `activation round ${sample.round + 1}: ${sample.activationText || '(not read)'}`,
      ),
  });
  for (const [part, outcome] of [
    [PAINT_PART, painted],
    [COMPARE_PART, compared],
    [ACTIVATION_PART, activated],
  ] as const) {
    if (outcome.missingRounds.length > 0)
      console.error(`  ${part}: no result for round(s) ${outcome.missingRounds.map((round) => round + 1).join(', ')}`);
  }
}

/** Launches a browser, opens the workbench in it, runs `fn`, closes the browser whatever happens. */
async function inFreshBrowser<T>(session: Session, timeoutMs: number, fn: (page: Page) => Promise<T>): Promise<T> {
  const browser = await launchBrowser();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    const work = (async () => fn(await openWorkbench(browser, session.url, session.fixture.repo)))();
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
    await browser.close().catch(() => undefined);
  }
}

/** One paint round in a fresh window: open the panel as a user does, then a warm-up and a measurement of each. */
async function paintRound(page: Page, fixture: Fixture, round: number): Promise<PaintSample> {
  const sidebar = await openWorktreesView(page);
  // As a user does: the Review Changes button on the agent worktree's row.
  const agentRow = row(sidebar, 'paint');
  await agentRow.waitFor({ timeout: 60_000 });
  await agentRow.hover();
  const review = agentRow.locator('.action-label[aria-label="Review Changes"]');
  await review.waitFor();
  const start = Date.now();
  await review.click();
  await findFrame(page, '#app'); // the page's HTML is in; its script has yet to ask for data
  const pageLoadedMs = Date.now() - start;
  const frame = await findFrame(page, '#app .file-list');
  const endToEndMs = Date.now() - start;

  // The eager renderer: diff2html's own browser bundle, loaded into the same page.
  await frame.evaluate(readFileSync(require.resolve('diff2html/bundles/js/diff2html.min.js'), 'utf8'));
  await frame.evaluate(([message, patch]) => Object.assign(window, { __benchMessage: message, __benchPatch: patch }), [
    fixture.message,
    fixture.eager.patch,
  ] as const);
  await frame.evaluate<number>(RENDER_OURS); // a warm-up of each
  await frame.evaluate<{ ms: number }>(RENDER_EAGER);
  const oursMs = await frame.evaluate<number>(RENDER_OURS);
  const eager = await frame.evaluate<{ ms: number; heapMiB: number | undefined }>(RENDER_EAGER);
  return { round, oursMs, eagerMs: eager.ms, eagerHeapMiB: eager.heapMiB, pageLoadedMs, endToEndMs };
}

async function activationRound(page: Page, round: number): Promise<ActivationSample> {
  await row(await openWorktreesView(page), 'paint').waitFor({ timeout: 60_000 });
  return { round, ...(await readActivation(page)) };
}

/** VS Code's own measurement, as shown in Developer: Show Running Extensions. */
async function readActivation(page: Page): Promise<{ activationText: string; activationMs: number | undefined }> {
  await runCommand(page, 'Developer: Show Running Extensions');
  // Sorted slowest first and virtualised: focus the list and page down until ours is drawn.
  const anyRow = page.locator('.monaco-list-row', { hasText: 'Activation' }).first();
  await anyRow.waitFor({ timeout: 30_000 });
  await anyRow.click();
  const ours = page.locator('.monaco-list-row', { hasText: 'Agent Worktrees' }).filter({ hasText: 'Activation' }).first();
  for (let page_ = 0; page_ < 40 && !(await ours.isVisible()); page_++) {
    await page.keyboard.press('PageDown');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await ours.waitFor({ timeout: 10_000 });
  const activationText = /[\w ]*Activation: [^\n]*/.exec(await ours.innerText())?.[0]?.trim() ?? '';
  const match = /([\d.]+)\s*ms/.exec(activationText);
  await page.keyboard.press('Escape');
  return { activationText, activationMs: match ? Number(match[1]) : undefined };
}
// Run by bench/run.ts as its own process (playwright-core resolves only from the harness install):
// node --import tsx bench/vscode.ts <result.json> <files> <linesPerFile> <eagerFiles> <rounds>
// It rewrites <result.json> after every round; it exits 1 after a failure, even one that left
// rounds missing but the others measured.
if (require.main === module) {
  const [resultFile, files, linesPerFile, eagerFiles, rounds] = process.argv.slice(2) as [string, ...string[]];
  const save = (result: VsCodeResult) => writeFileSync(resultFile, JSON.stringify(result));
  let last: VsCodeResult = { failures: [] };
  void (async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'agent-worktrees-bench-vscode-'));
    try {
      const options = {
        files: Number(files),
        linesPerFile: Number(linesPerFile),
        eagerFiles: Number(eagerFiles),
        rounds: Number(rounds),
      };
      const result = await benchRealVsCode(parent, options, (partial) => {
        last = partial;
        save(partial);
      });
      const complete =
        result.paint?.samples.length === options.rounds &&
        result.comparePaint?.samples.length === options.rounds &&
        result.activation?.samples.length === options.rounds;
      process.exitCode = complete ? 0 : 1;
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  })().catch((error: unknown) => {
    console.error(error);
    // A failure outside the rounds (preparing, starting code-server): recorded with what was measured.
    save({ ...last, failures: [...last.failures, { part: 'real VS Code', round: -1, attempt: 0, reason: reasonOf(error) }] });
    process.exit(1);
  });
}
