import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentWorktreesApi } from '../../src/api';
import { activatedApi } from './activated';
import { waitFor } from './waitFor';

describe('Agent worktree lifecycle through the API', () => {
  let api: AgentWorktreesApi;
  let repo: string;

  before(async () => {
    ({ api, repo } = await activatedApi());
  });

  it('create → run the agent in a terminal there → remove', async () => {
    const created = await api.createAgentWorktree({ repoPath: repo, task: 'Integration: add a changelog line' });
    assert.equal(created.slug, 'integration-add-a-changelog-line');
    assert.ok(existsSync(created.path));
    assert.ok(
      (await api.listWorktrees(repo)).some((snapshot) => snapshot.worktree.path === created.path && snapshot.worktree.agent),
    );

    // The task reaches the agent through the environment, never through the command line.
    const proof = path.join(path.dirname(created.path), 'agent-proof.txt');
    const agentCommand = `printf '%s|%s' "$PWD" "$AGENT_WORKTREES_TASK" > '${proof}'`;
    const terminal = (await vscode.commands.executeCommand('agentWorktrees.runAgent', {
      worktreePath: created.path,
      agentCommand,
    })) as vscode.Terminal;
    assert.equal(
      terminal.name,
      `${created.slug} · agent`,
      'told from a terminal of the user’s in that folder, after a reload too',
    );
    const options = terminal.creationOptions as vscode.TerminalOptions;
    assert.equal(typeof options.cwd === 'string' ? options.cwd : options.cwd?.fsPath, created.path);
    assert.equal(options.env?.AGENT_WORKTREES_TASK, 'Integration: add a changelog line');
    const written = await waitFor(
      'the agent command to run in the terminal',
      () => existsSync(proof) && readFileSync(proof, 'utf8'),
      15_000,
    );
    assert.equal(written, `${created.path}|Integration: add a changelog line`);
    terminal.dispose();

    const [outcome] = await api.removeWorktrees([created.path]);
    assert.equal(outcome?.removed, true);
    assert.equal(outcome?.branchDeleted, true);
    assert.equal(existsSync(created.path), false);
    const branches = execFileSync('git', ['branch', '--list', created.branch], { cwd: repo, encoding: 'utf8' });
    assert.equal(branches.trim(), '');
  });

  it('the API never prompts: losing work without force is refused and changes nothing', async () => {
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'api-dirty' });
    writeFileSync(path.join(created.path, 'agent-output.txt'), 'precious');
    await assert.rejects(api.removeWorktrees([created.path]), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'needs-confirmation');
      return true;
    });
    assert.equal(readFileSync(path.join(created.path, 'agent-output.txt'), 'utf8'), 'precious');
    await assert.rejects(api.removeWorktrees([repo], { force: true, forceLocked: true }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'blocked');
      return true;
    });
    const [outcome] = await api.removeWorktrees([created.path], { force: true });
    assert.equal(outcome?.removed, true);
  });

  it('invalid names are typed errors and create nothing', async () => {
    const before = execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: repo, encoding: 'utf8' });
    await assert.rejects(
      api.createAgentWorktree({ repoPath: repo, name: '$(touch pwned)' }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'invalid');
        return true;
      },
    );
    assert.equal(execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: repo, encoding: 'utf8' }), before);
  });

  it('review through the API: getAgentChanges, keep one file, then discard the rest', async () => {
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'api-review' });
    writeFileSync(path.join(created.path, 'kept-by-api.txt'), 'keep me\n');
    writeFileSync(path.join(created.path, 'left-behind.txt'), 'not me\n');
    const changes = await api.getAgentChanges(created.path);
    assert.deepEqual(changes.files.map((file) => file.path).sort(), ['kept-by-api.txt', 'left-behind.txt']);
    const result = await api.keep(created.path, { files: ['kept-by-api.txt'] });
    assert.deepEqual(result.keptFiles, ['kept-by-api.txt']);
    assert.equal(readFileSync(path.join(repo, 'kept-by-api.txt'), 'utf8'), 'keep me\n');
    assert.equal(existsSync(path.join(repo, 'left-behind.txt')), false);
    const remaining = await api.getAgentChanges(created.path);
    assert.deepEqual(
      remaining.files.map((file) => file.path),
      ['left-behind.txt'],
    );
    await assert.rejects(api.discard(created.path), (error: Error & { code?: string }) => error.code === 'needs-confirmation');
    const outcome = await api.discard(created.path, { force: true });
    assert.equal(outcome.removed, true);
    assert.equal(existsSync(created.path), false);
    execFileSync('git', ['clean', '--quiet', '--force', '--', 'kept-by-api.txt'], { cwd: repo });
  });

  it('a review panel restored without its page state finds its worktree by title; an unknown one is closed', async () => {
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'restored-review' });
    writeFileSync(path.join(created.path, 'work.txt'), 'agent work\n');
    const panels = api.testing.panels;
    const first = panels.open(created.path);
    await waitFor('the first panel to render', () => first.lastReview !== undefined);
    first.dispose(); // as on a window reload: gone without the user closing it

    const options = { enableScripts: true };
    const restored = vscode.window.createWebviewPanel(
      'agentWorktrees.review',
      'Review: restored-review',
      {
        viewColumn: vscode.ViewColumn.Active,
      },
      options,
    );
    await panels.restore(restored, undefined);
    const adopted = panels.get(created.path);
    assert.ok(adopted, 'adopted for the remembered worktree');
    await waitFor('the restored panel to render', () => adopted.lastReview?.files.some((file) => file.path === 'work.txt'));

    const stranger = vscode.window.createWebviewPanel(
      'agentWorktrees.review',
      'Review: no-such-worktree',
      vscode.ViewColumn.Active,
      options,
    );
    let closed = false;
    stranger.onDidDispose(() => {
      closed = true;
    });
    await panels.restore(stranger, { worktreePath: 42 });
    assert.equal(closed, true, 'a panel that names no agent worktree is closed, not left blank');

    adopted.dispose();
    const outcome = await api.discard(created.path, { force: true });
    assert.equal(outcome.removed, true);
  });

  it('a restored panel whose saved path is no agent worktree is closed, not adopted (so never watched)', async () => {
    const panels = api.testing.panels;
    // Not agent worktrees: the file system root, a plain linked worktree, the main worktree, a
    // subfolder of a real agent worktree, a relative path.
    const plain = execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: repo, encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.startsWith('worktree '))
      .map((line) => line.slice('worktree '.length))
      .find((worktreePath) => worktreePath !== repo);
    assert.ok(plain, 'the fixture has a linked worktree that is no agent worktree');
    const agent = await api.createAgentWorktree({ repoPath: repo, name: 'restore-guard' });
    mkdirSync(path.join(agent.path, 'sub'), { recursive: true });
    for (const worktreePath of ['/', plain, repo, path.join(agent.path, 'sub'), 'relative/path']) {
      const restored = vscode.window.createWebviewPanel('agentWorktrees.review', 'Review: x', vscode.ViewColumn.Active, {
        enableScripts: true,
      });
      let closed = false;
      restored.onDidDispose(() => {
        closed = true;
      });
      await panels.restore(restored, { worktreePath, scrollY: 0 });
      assert.equal(closed, true, `closed: ${worktreePath}`);
      assert.equal(panels.get(worktreePath), undefined, `not adopted: ${worktreePath}`);
    }
    const outcome = await api.discard(agent.path, { force: true });
    assert.equal(outcome.removed, true);
  });

  it('removing an agent worktree (API removeWorktrees) closes its review panel and its diff tabs', async () => {
    const created = await api.createAgentWorktree({ repoPath: repo, name: 'closes-on-remove' });
    writeFileSync(path.join(created.path, 'work.txt'), 'agent work\n');
    const panels = api.testing.panels;
    const panel = panels.open(created.path);
    await waitFor('the panel to render', () => panel.lastReview?.files.some((file) => file.path === 'work.txt'));
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: created.path, encoding: 'utf8' }).trim();
    // What "Open in Diff Editor" opens: the file at the review's start against the file on disk.
    const left = vscode.Uri.from({
      scheme: 'agent-worktrees-git',
      path: '/work.txt',
      query: JSON.stringify({ cwd: created.path, revision: head }),
    });
    await vscode.commands.executeCommand('vscode.diff', left, vscode.Uri.file(path.join(created.path, 'work.txt')), 'work.txt');
    const diffTabs = () =>
      vscode.window.tabGroups.all
        .flatMap((group) => group.tabs)
        .filter((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.original.scheme === 'agent-worktrees-git');
    await waitFor('the diff tab', () => diffTabs().length === 1);

    const [outcome] = await api.removeWorktrees([created.path], { force: true });
    assert.equal(outcome?.removed, true);
    await waitFor('the panel to close', () => panels.get(created.path) === undefined);
    await waitFor('the diff tab to close', () => diffTabs().length === 0);
  });
});
