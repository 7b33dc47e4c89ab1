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
import { createRepo, git } from './fixtures';
import type { ActivationResult, VsCodeResult } from './vscodeResult';

/** Sizes of the bundles as installed from the .vsix, and whether diff2html's code is in the host's. */
function bundleChecks(extensionDir: string): Omit<ActivationResult, 'activationText' | 'activationMs'> {
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

/** `files` files of `linesPerFile` lines, every line changed by the agent. */
async function paintFixture(parent: string, files: number, linesPerFile: number) {
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
  const message: HostMessage = { type: 'review', review, layout: 'side-by-side', selection: EMPTY_SELECTION };
  const diffLines = changes.patch.toString('utf8').split('\n').length;
  return { repo, agentPath: agent.path, message, patch: changes.patch.toString('utf8'), diffLines };
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

/** The eager way: diff2html renders the whole patch into the same page at once. */
const RENDER_EAGER = `(async () => {
  ${PAINTED}
  const container = document.createElement('div');
  document.body.append(container);
  const start = performance.now();
  container.innerHTML = Diff2Html.html(window.__benchPatch, { outputFormat: 'side-by-side', drawFileList: true, matching: 'lines' });
  await painted();
  const elapsed = performance.now() - start;
  container.remove();
  return elapsed;
})()`;

export async function benchRealVsCode(
  parent: string,
  options: { files: number; linesPerFile: number; rounds: number },
): Promise<VsCodeResult> {
  const prepared = prepare();
  const fixture = await paintFixture(parent, options.files, options.linesPerFile);
  const server = await startCodeServer({
    install: prepared.install,
    folder: fixture.repo,
    extensionsDir: prepared.extensionsDir,
    label: 'bench',
    settings: { 'workbench.colorTheme': 'Default Dark Modern', 'agentWorktrees.staleNotification': false },
  });
  const browser = await launchBrowser();
  try {
    const page = await openWorkbench(browser, server.url, fixture.repo);
    const sidebar = await openWorktreesView(page);

    // As a user does: the Review Changes button on the agent worktree's row.
    const agentRow = row(sidebar, 'paint');
    await agentRow.waitFor({ timeout: 30_000 });
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
    const oursMs: number[] = [];
    const eagerMs: number[] = [];
    await frame.evaluate(([message, patch]) => Object.assign(window, { __benchMessage: message, __benchPatch: patch }), [
      fixture.message,
      fixture.patch,
    ] as const);
    await frame.evaluate<number>(RENDER_OURS); // a warm-up of each
    await frame.evaluate<number>(RENDER_EAGER);
    for (let round = 0; round < options.rounds; round++) {
      oursMs.push(await frame.evaluate<number>(RENDER_OURS));
      eagerMs.push(await frame.evaluate<number>(RENDER_EAGER));
    }
    // Activation: VS Code's own measurement in fresh extension hosts (one per window reload).
    const activations = [await readActivation(page)];
    for (let round = 1; round < options.rounds; round++) {
      await page.keyboard.press('Escape');
      await page.reload();
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await row(await openWorktreesView(page), 'paint').waitFor({ timeout: 30_000 });
      activations.push(await readActivation(page));
    }
    const activation = {
      activationText: activations.map((entry) => entry.activationText).join('; '),
      activationMs: activations.map((entry) => entry.activationMs ?? Number.NaN),
    };
    return {
      paint: { files: options.files, diffLines: fixture.diffLines, oursMs, eagerMs, pageLoadedMs, endToEndMs },
      activation: { ...activation, ...bundleChecks(prepared.extensionDir) },
    };
  } finally {
    await browser.close();
    await server.stop();
  }
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
// node --import tsx bench/vscode.ts <result.json> <files> <linesPerFile> <rounds>
if (require.main === module) {
  const [resultFile, files, linesPerFile, rounds] = process.argv.slice(2);
  void (async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'agent-worktrees-bench-vscode-'));
    try {
      const result = await benchRealVsCode(parent, {
        files: Number(files),
        linesPerFile: Number(linesPerFile),
        rounds: Number(rounds),
      });
      writeFileSync(resultFile as string, JSON.stringify(result));
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
