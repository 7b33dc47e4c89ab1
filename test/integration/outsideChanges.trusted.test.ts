import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import * as path from 'node:path';
import { activatedApi } from './activated';
import { cli } from './cli';
import { waitFor } from './waitFor';

/**
 * The view follows worktrees that something other than this window creates and removes: the
 * bundled CLI (what a terminal agent or VS Code's agent mode through the MCP server runs) and plain
 * git in a terminal. Nothing here calls Refresh; the watchers on git's admin dirs must notice.
 */
describe('Worktrees changed outside this window', () => {
  it('a worktree the CLI creates appears in the view, and goes when the CLI discards it', async () => {
    const { api, repo } = await activatedApi();
    await api.testing.model.refreshAll();
    const task = `made from a terminal ${Date.now()}`;
    const created = JSON.parse(await cli(['new', task, '--repo', repo, '--json'])) as { path: string; branch: string };
    const createdPath = realpathSync(created.path);
    const found = await waitFor('the CLI’s worktree in the view', () => api.testing.model.findWorktree(createdPath), 20_000);
    assert.equal(found.snapshot.worktree.branch, created.branch);
    assert.equal(found.snapshot.worktree.agent?.task, task, 'its agent metadata is read too');

    await cli(['discard', createdPath, '--repo', repo, '--yes', '--json']);
    await waitFor('the discarded worktree to leave the view', () => !api.testing.model.findWorktree(createdPath), 20_000);
  });

  it('a worktree plain git adds and removes in a terminal appears and goes', async () => {
    const { api, repo } = await activatedApi();
    await api.testing.model.refreshAll();
    const added = path.join(path.dirname(realpathSync(repo)), `added-by-git-${Date.now()}`);
    execFileSync('git', ['worktree', 'add', '--quiet', '--detach', added], { cwd: repo });
    await waitFor('the git-added worktree in the view', () => api.testing.model.findWorktree(added), 20_000);
    execFileSync('git', ['worktree', 'remove', added], { cwd: repo });
    await waitFor('the git-removed worktree to leave the view', () => !api.testing.model.findWorktree(added), 20_000);
  });
});
