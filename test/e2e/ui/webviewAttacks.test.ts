import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { createAgentWorktree, GitService } from '../../../src/agents';
import { GitRunner } from '../../../src/git';
import { createFixtureRepo, git } from '../harness/fixtures';
import { useWorkbench } from './session';
import { findFrame, openWorktreesView, row, waitUntil } from './workbench';

/**
 * Injects an inline script and an inline event handler into the review page, and resolves on
 * positive signals: the image's error event (dispatched after its inline onerror handler would have
 * run) and a violation report for each injection. The timeout only bounds the wait.
 * A string, not a function: tsx wraps named functions in a helper the page does not have.
 */
const CSP_PROBE = `new Promise((resolve) => {
  const seen = { violated: [], imageFailed: false };
  const settle = () => resolve({ ...seen, ran: window.__injectedRan === true });
  document.addEventListener('securitypolicyviolation', (event) => {
    seen.violated.push(event.violatedDirective);
    if (seen.imageFailed && seen.violated.length >= 2) settle();
  });
  const script = document.createElement('script');
  script.textContent = 'window.__injectedRan = true;';
  document.body.append(script);
  const image = document.createElement('img');
  image.setAttribute('onerror', 'window.__injectedRan = true;');
  image.addEventListener('error', () => {
    seen.imageFailed = true;
    if (seen.violated.length >= 2) settle();
  });
  image.setAttribute('src', 'x');
  document.body.append(image);
  setTimeout(settle, 10000);
})`;

/**
 * The review page treated as compromised: whatever a script in it posts reaches the extension the
 * way VS Code's own `acquireVsCodeApi().postMessage` does, and must not make the extension write,
 * delete or run anything.
 */
describe('Review panel under attack from its own page', () => {
  let repo: string;
  let agentPath: string;
  const session = useWorkbench({
    label: 'attacks',
    settings: { 'agentWorktrees.afterKeep': 'keep' },
    makeFolder: async (parent) => {
      repo = createFixtureRepo(parent).repo;
      const created = await createAgentWorktree(new GitService(new GitRunner()), { repoPath: repo, name: 'target' });
      agentPath = created.path;
      writeFileSync(path.join(agentPath, 'agent.txt'), 'agent work\n');
      return repo;
    },
  });

  /** Everything the extension could change: refs, worktrees, both worktrees' status. */
  const state = () =>
    [
      git(repo, ['for-each-ref', '--format=%(refname) %(objectname)']),
      git(repo, ['worktree', 'list', '--porcelain']),
      git(repo, ['status', '--porcelain=v2', '--untracked-files=all']),
      git(agentPath, ['status', '--porcelain=v2', '--untracked-files=all']),
    ].join('\n');

  let page: Frame | undefined;
  /** The review page of the agent worktree, opened from the tree unless a test before opened it. */
  const reviewPage = async (): Promise<Frame> => {
    if (page && !page.isDetached() && (await page.$('#app .file-list'))) return page;
    const sidebar = await openWorktreesView(session.page);
    const agentRow = row(sidebar, 'target');
    await agentRow.waitFor({ timeout: 30_000 });
    await agentRow.hover();
    await agentRow.locator('.action-label[aria-label="Review Changes"]').click();
    page = await findFrame(session.page, '#app .file-list', 30_000);
    return page;
  };
  // What VS Code's `acquireVsCodeApi().postMessage` calls underneath. VS Code hides it from the
  // page (`window.parent = window`), but a script in the page still reaches it through its frame.
  const post = async (data: unknown) =>
    (await reviewPage()).evaluate((message) => {
      const host = window.frameElement?.ownerDocument.defaultView as unknown as Record<string, unknown> | null;
      const send = host?.__vscode_post_message__ as ((channel: string, data: unknown) => void) | undefined;
      if (!send) throw new Error('the page cannot reach the host frame');
      send('onmessage', { message });
    }, data);
  const ignoredLines = () =>
    session.server
      .extensionLog()
      .split('\n')
      .filter((line) => line.includes('ignored a malformed'));

  test('open the panel on the agent worktree', async () => {
    assert.ok(await (await reviewPage()).$('#keep-all'), 'the page is ready');
  });

  test('malformed, unknown and forged messages are ignored, logged, and change nothing', async () => {
    const page = await reviewPage();
    const before = state();
    assert.ok(await page.$('#keep-all'), 'the page is ready');
    const forged = [
      'keep',
      null,
      { type: 'eval', code: 'require("child_process").execSync("touch /tmp/pwned")' },
      { type: 'keepAll' },
      { type: 'keepAll', requestId: 1, capture: 'HEAD:HEAD' },
      { type: 'keep', requestId: 2, capture: `${'0'.repeat(40)}:${'0'.repeat(40)}`, files: ['../../etc/passwd'], hunks: {} },
      { type: 'discard', requestId: 3, worktreePath: repo },
      { type: 'openDiff', path: '/etc/passwd' },
      { type: 'chooseTarget', target: '/tmp' },
      { type: 'selection', selection: { unchecked: ['../x'], uncheckedHunks: {} } },
      { type: '__proto__', polluted: true },
    ];
    for (const message of forged) await post(message);
    await waitUntil(async () => ignoredLines().length >= forged.length, 'every forged message to be logged as ignored');
    assert.equal(state(), before, 'nothing was kept, removed or changed');
    assert.equal(existsSync('/tmp/pwned'), false);
    assert.equal(existsSync(agentPath), true);
    assert.equal(await session.page.locator('.monaco-dialog-box').count(), 0, 'no dialog was opened either');
  });

  test('a well-formed Keep naming a capture the page never showed keeps nothing', async () => {
    const page = await reviewPage();
    const before = state();
    await post({ type: 'keepAll', requestId: 7, capture: `${'a'.repeat(40)}:${'b'.repeat(40)}` });
    await page.locator('#status', { hasText: 'Nothing was kept' }).waitFor({ timeout: 15_000 });
    assert.equal(state(), before);
    assert.equal(existsSync(path.join(repo, 'agent.txt')), false);
  });

  test('the Content-Security-Policy blocks inline script and reports the violation', async () => {
    const page = await reviewPage();
    const outcome = (await page.evaluate(CSP_PROBE)) as { ran: boolean; violated: string[]; imageFailed: boolean };
    assert.equal(outcome.imageFailed, true, 'the image failed, so its onerror handler had its chance');
    assert.equal(outcome.ran, false, 'the injected script did not run');
    assert.equal(outcome.violated.length, 2, `both injections were reported: ${outcome.violated.join(', ')}`);
    assert.ok(
      outcome.violated.every((directive) => /script-src/.test(directive)),
      `as script-src violations: ${outcome.violated.join(', ')}`,
    );
  });
});
