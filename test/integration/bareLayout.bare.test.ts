import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import * as path from 'node:path';
import { activatedApi } from './activated';
import { cli } from './cli';
import { waitFor } from './waitFor';

/** `git` run where the user would run it; its stdout. */
function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

/**
 * The window is open on a worktree of a bare `project.git` that sits beside its worktrees: git's
 * admin dir is inside no watched worktree folder, so only the watcher on the common dir can see
 * what a terminal does to the worktree list.
 */
describe('A bare repository’s worktree as the workspace folder', () => {
  it('shows every worktree of the bare repository, the dirty one as dirty', async () => {
    const { api, repo } = await activatedApi();
    await api.testing.model.refreshAll();
    const commonDir = realpathSync(git(repo, ['rev-parse', '--path-format=absolute', '--git-common-dir']).trim());
    assert.equal(path.basename(commonDir), 'project.git');
    const listed = git(repo, ['worktree', 'list', '--porcelain'])
      .split('\n')
      .filter((line) => line.startsWith('worktree '))
      .map((line) => line.slice('worktree '.length))
      .filter((worktreePath) => worktreePath !== commonDir);
    assert.equal(listed.length, 3, 'the fixture: project, project-fix-tax, project-add-coupons');
    for (const worktreePath of listed) {
      const found = api.testing.model.findWorktree(worktreePath);
      assert.ok(found, `${worktreePath} is in the view`);
      const changed = git(worktreePath, ['status', '--porcelain']).split('\n').filter(Boolean).length;
      assert.equal(found.snapshot.status?.dirty, changed > 0, `${worktreePath}: ${changed} changed`);
    }
  });

  it('a worktree the CLI creates appears without a Refresh, and goes when the CLI discards it', async () => {
    const { api, repo } = await activatedApi();
    await api.testing.model.refreshAll();
    const created = JSON.parse(await cli(['new', 'in the bare layout', '--repo', repo, '--json'])) as { path: string };
    const createdPath = realpathSync(created.path);
    await waitFor('the CLI’s worktree in the view', () => api.testing.model.findWorktree(createdPath), 20_000);
    await cli(['discard', createdPath, '--repo', repo, '--yes', '--json']);
    await waitFor('the discarded worktree to leave the view', () => !api.testing.model.findWorktree(createdPath), 20_000);
  });

  it('a worktree git adds from the bare repository in a terminal appears, and goes when git removes it', async () => {
    const { api, repo } = await activatedApi();
    await api.testing.model.refreshAll();
    const commonDir = git(repo, ['rev-parse', '--path-format=absolute', '--git-common-dir']).trim();
    const added = path.join(path.dirname(realpathSync(commonDir)), `project-by-hand-${Date.now()}`);
    git(commonDir, ['worktree', 'add', '--quiet', '--detach', added, 'main']);
    await waitFor('the git-added worktree in the view', () => api.testing.model.findWorktree(added), 20_000);
    git(commonDir, ['worktree', 'remove', added]);
    await waitFor('the git-removed worktree to leave the view', () => !api.testing.model.findWorktree(added), 20_000);
  });
});
