import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { createFixtureRepo } from '../harness/fixtures';
import { ROOT } from '../harness/paths';
import { useWorkbench } from './session';
import { openWorktreesView, screenshotsDir } from './workbench';

describe('Worktrees view in Restricted Mode', () => {
  const session = useWorkbench({ label: 'restricted', trusted: false, makeFolder: (parent) => createFixtureRepo(parent).repo });

  test('the welcome view says why nothing is shown and offers to manage trust', async () => {
    const sidebar = await openWorktreesView(session.page);
    const welcome = sidebar.locator('.welcome-view-content');
    await welcome.waitFor({ timeout: 30_000 });
    assert.match(await welcome.innerText(), /runs no git in Restricted Mode/);
    await sidebar.locator('.welcome-view-content .monaco-button', { hasText: 'Manage Workspace Trust' }).waitFor();
    assert.equal(await sidebar.locator('.monaco-list-row').count(), 0);
    const shots = screenshotsDir(ROOT);
    mkdirSync(shots, { recursive: true });
    await sidebar.screenshot({ path: path.join(shots, 'worktrees-view-restricted.png') });
  });
});
