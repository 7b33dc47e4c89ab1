import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CreatedAttempts } from '../../src/agents';
import type { AgentWorktreesApi } from '../../src/api';
import type { WorktreesNode } from '../../src/views/worktreesTree';
import type { ComparePanel } from '../../src/webview/comparePanel';
import { activatedApi } from './activated';
import { waitFor } from './waitFor';

/**
 * A fake agent: writes its verdict (what the check command exits with) and its own version of a
 * file every attempt touches, then a file of its own. Plain shell, so any terminal runs it.
 */
function fakeAgent(verdict: number, search: string): string {
  return `printf '%s\\n' '${search}' > search.ts && printf '${verdict}' > verdict.txt && printf 'own\\n' > own-${verdict}.txt`;
}

const CHECK = 'cat verdict.txt; exit "$(cat verdict.txt)"';

async function setCheckCommand(value: string | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('agentWorktrees').update('checkCommand', value, vscode.ConfigurationTarget.Global);
}

describe('Best of N: attempts, compared, one adopted and the rest discarded', () => {
  let api: AgentWorktreesApi;
  let repo: string;
  let created: CreatedAttempts | undefined;

  before(async () => {
    ({ api, repo } = await activatedApi());
  });

  after(async () => {
    await setCheckCommand(undefined);
    // Whatever a failure left behind goes, so the other suites see the fixture as it was.
    const left = (created?.attempts ?? []).map((attempt) => attempt.path).filter((folder) => existsSync(folder));
    if (left.length > 0) await api.removeWorktrees(left, { force: true, perItemOutcomes: true });
    for (const terminal of vscode.window.terminals) if (terminal.name.includes('make-search-fast')) terminal.dispose();
  });

  it('three agents at one task: one base, grouped in the view, each launched in its own terminal', async () => {
    created = await api.createAttempts({
      repoPath: repo,
      task: 'Make search fast',
      agents: [fakeAgent(0, 'index'), fakeAgent(1, 'cache'), fakeAgent(3, 'scan')],
    });
    assert.equal(created.attempts.length, 3);
    assert.deepEqual(
      created.attempts.map((attempt) => path.basename(attempt.path)),
      ['make-search-fast-1', 'make-search-fast-2', 'make-search-fast-3'],
    );
    for (const attempt of created.attempts) {
      assert.equal(attempt.metadata.baseCommit, created.baseCommit);
      await waitFor(
        `${attempt.slug}'s agent to write its verdict`,
        () => existsSync(path.join(attempt.path, 'verdict.txt')),
        20_000,
      );
    }
    // The three agents ending one by one are one notice, not three.
    await waitFor(
      'one notice for all three attempts',
      () => api.testing.agentNotices.includes('All 3 attempts at "Make search fast" have ended.'),
      30_000,
    );
    assert.deepEqual(
      api.testing.agentNotices.filter((notice) => notice.includes('make-search-fast')),
      [],
    );
    const group = (api.testing.treeDataProvider.getChildren() as WorktreesNode[]).find(
      (node): node is Extract<WorktreesNode, { type: 'attempts' }> => node.type === 'attempts',
    );
    assert.ok(group, 'the view has a row for the attempts');
    assert.equal(group.attempts.group, created.group);
    const item = api.testing.treeDataProvider.getTreeItem(group) as vscode.TreeItem;
    assert.equal(item.label, 'Make search fast');
    assert.match(String(item.description), /^3 attempts/);
    const children = (await api.testing.treeDataProvider.getChildren(group)) as WorktreesNode[];
    assert.deepEqual(
      children.map((child) => (child.type === 'worktree' ? child.snapshot.worktree.path : child.type)),
      created.attempts.map((attempt) => attempt.path),
    );
    assert.deepEqual(api.testing.treeDataProvider.getParent(children[1] as WorktreesNode)?.type, 'attempts');
  });

  it('Compare Attempts: files per attempt, the file all three touched marked, the check command’s exit codes', async () => {
    assert.ok(created);
    await setCheckCommand(CHECK);
    const panel = await vscode.commands.executeCommand<ComparePanel>('agentWorktrees.compareAttempts', { group: created.group });
    assert.ok(panel);
    await panel.refresh();
    const { data } = panel.shown();
    assert.ok(data);
    assert.equal(data.checkCommand, CHECK);
    assert.deepEqual(
      data.attempts.map((attempt) => [attempt.name, attempt.files]),
      [
        ['make-search-fast-1', 3],
        ['make-search-fast-2', 3],
        ['make-search-fast-3', 3],
      ],
    );
    const search = data.files.find((file) => file.path === 'search.ts');
    assert.equal(search?.shared, true);
    assert.equal(data.files[0]?.shared, true, 'files several attempts changed come first');
    assert.equal(data.files.find((file) => file.path === 'own-1.txt')?.shared, false);

    await panel.runChecks();
    const { checks } = panel.shown();
    assert.deepEqual(
      checks.map((check) => [check.state, check.exitCode]),
      [
        ['done', 0],
        ['done', 1],
        ['done', 3],
      ],
    );
    const output = api.testing.compare.outputs.get(created.group, 3) ?? '';
    assert.match(output, /^3\n— exit code 3/m);
    assert.ok(output.startsWith(`$ ${CHECK}\n  (in ${created.attempts[2]?.path})\n`), 'the log says what ran where');
    panel.dispose();
  });

  it('adopt: keep one attempt, then discard the others in one step (refused without force: they hold work)', async () => {
    assert.ok(created);
    const [chosen, ...others] = created.attempts;
    assert.ok(chosen);
    const kept = await api.keep(chosen.path);
    assert.equal(readFileSync(path.join(repo, 'search.ts'), 'utf8'), 'index\n');
    // The comparison tells the adopted attempt from the others.
    const panel = await vscode.commands.executeCommand<ComparePanel>('agentWorktrees.compareAttempts', { group: created.group });
    assert.ok(panel);
    await panel.refresh();
    assert.deepEqual(
      panel.shown().data?.attempts.map((attempt) => attempt.keptInto),
      [[path.basename(repo)], [], []],
    );
    panel.dispose();
    // Without force it refuses, removing none of them: they hold the agents' work.
    await assert.rejects(
      api.discardOtherAttempts(chosen.path),
      (error: Error & { code?: string }) => error.code === 'needs-confirmation' && /would lose/.test(error.message),
    );
    assert.ok(
      others.every((attempt) => existsSync(attempt.path)),
      'nothing was removed',
    );
    const outcomes = await api.discardOtherAttempts(chosen.path, { force: true });
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.path, outcome.removed, typeof outcome.trashId]),
      others.map((attempt) => [attempt.path, true, 'string']),
    );
    assert.ok(existsSync(chosen.path), 'the adopted attempt stays');
    // Their agents are let go with them: no count includes them, and their terminals close.
    for (const attempt of others) assert.equal(api.agentActivity(attempt.path).state, 'not-running');
    assert.notEqual(api.agentActivity(chosen.path).state, 'not-running', 'the adopted attempt’s agent is still known');
    const othersNames = others.map((attempt) => path.basename(attempt.path));
    await waitFor(
      'the discarded attempts’ agent terminals to close',
      () => !vscode.window.terminals.some((terminal) => othersNames.some((name) => terminal.name.startsWith(name))),
      10_000,
    );
    assert.ok(
      vscode.window.terminals.some((terminal) => terminal.name.startsWith(path.basename(chosen.path))),
      'the adopted attempt’s terminal stays',
    );
    const trash = await api.listTrash(repo);
    assert.ok(
      others.every((attempt) => trash.some((entry) => entry.path === attempt.path)),
      'the others are recoverable',
    );
    // The adopted one is alone now: a plain row again, its kept work no longer unkept.
    const rows = api.testing.treeDataProvider.getChildren() as WorktreesNode[];
    assert.equal(
      rows.some((node) => node.type === 'attempts'),
      false,
    );
    // Leave the fixture's checkout as it was for the suites after this one.
    assert.ok(kept.undoId);
    await api.undoKeep(kept.undoId, { repoPath: repo });
    assert.equal(existsSync(path.join(repo, 'search.ts')), false);
    await api.discard(chosen.path, { force: true });
  });

  it('count with no agent command anywhere: the attempts are made and no agent starts; launch: true is refused first', async () => {
    assert.equal(vscode.workspace.getConfiguration('agentWorktrees').get('agentCommand'), '');
    const worktreesBefore = (await api.listWorktrees(repo)).length;
    await assert.rejects(
      api.createAttempts({ repoPath: repo, task: 'Tidy imports', count: 2, launch: true }),
      (error: Error & { code?: string }) => error.code === 'invalid' && /No agent command/.test(error.message),
    );
    assert.equal((await api.listWorktrees(repo)).length, worktreesBefore, 'a refused request makes nothing');

    const quiet = await api.createAttempts({ repoPath: repo, task: 'Tidy imports', count: 2 });
    try {
      assert.deepEqual(
        quiet.attempts.map((attempt) => [path.basename(attempt.path), attempt.metadata.attempt?.index]),
        [
          ['tidy-imports-1', 1],
          ['tidy-imports-2', 2],
        ],
      );
      assert.equal(
        vscode.window.terminals.some((terminal) => terminal.name.includes('tidy-imports')),
        false,
        'no agent was started',
      );
    } finally {
      await api.removeWorktrees(
        quiet.attempts.map((attempt) => attempt.path),
        { force: true },
      );
    }
  });
});
