import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from './helpers/gitFixture';

const root = path.resolve(__dirname, '../..');
const biome = path.join(root, 'node_modules', '.bin', 'biome');

/** Lints probe files laid out like the project, with the project's own biome.json. */
function lintProbes(files: Record<string, string>): string {
  const probe = tempDir('layers');
  copyFileSync(path.join(root, 'biome.json'), path.join(probe, 'biome.json'));
  for (const [relative, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(probe, relative)), { recursive: true });
    writeFileSync(path.join(probe, relative), text);
  }
  try {
    return execFileSync(biome, ['lint', '--vcs-enabled=false', '--colors=off', '--max-diagnostics=100', '.'], {
      cwd: probe,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
  }
}

/** `file:line` of every diagnostic of one rule in biome's text report. */
function hits(report: string, rule: string): string[] {
  const pattern = new RegExp(`^(\\S+?):(\\d+):\\d+ lint/${rule}`, 'gm');
  return [...report.matchAll(pattern)].map((match) => `${match[1]}:${match[2]}`).sort();
}

describe('the layers: src/git (plumbing) ← src/agents (product operations) ← the extension', () => {
  test('the lint rule refuses imports against the direction, VS Code below the UI, and export *', () => {
    const report = lintProbes({
      'src/git/probe.ts': [
        "import * as vscode from 'vscode';",
        "import { keep } from '../agents';",
        "import { planRemoval } from '../agents/removeWorktrees';",
        "import { WorktreesModel } from '../views/worktreesModel';",
        'export const probe = [vscode, keep, planRemoval, WorktreesModel];',
        "export * from './paths';",
        '',
      ].join('\n'),
      'src/agents/probe.ts': [
        "import * as vscode from 'vscode';",
        "import { GitError } from '../git/errors';",
        "import { showLog } from '../commands/worktreeCommands';",
        "import { GitRunner } from '../git';",
        'export const probe = [vscode, GitError, showLog, GitRunner];',
        '',
      ].join('\n'),
      'src/views/probe.ts': [
        "import { keep } from '../agents';",
        "import { GitError } from '../git';",
        'export const probe = [keep, GitError];',
        '',
      ].join('\n'),
    });
    assert.deepEqual(hits(report, 'style/noRestrictedImports'), [
      'src/agents/probe.ts:1',
      'src/agents/probe.ts:2',
      'src/agents/probe.ts:3',
      'src/git/probe.ts:1',
      'src/git/probe.ts:2',
      'src/git/probe.ts:3',
      'src/git/probe.ts:4',
    ]);
    assert.deepEqual(hits(report, 'performance/noReExportAll'), ['src/git/probe.ts:6']);
  });

  test('git is started only by the runner: no other source file imports child_process or simple-git', () => {
    // The user's own check command (`agentWorktrees.checkCommand`) is the one other process: it
    // runs in their shell, never git, and that file must not import simple-git either.
    const allowed = new Map([[path.join('src', 'agents', 'checkCommand.ts'), /from 'simple-git'/]]);
    const offenders: string[] = [];
    const walk = (folder: string) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.tsx?$/.test(entry.name) && path.relative(root, full) !== path.join('src', 'git', 'runner.ts')) {
          const text = readFileSync(full, 'utf8');
          const forbidden =
            allowed.get(path.relative(root, full)) ??
            /from '(node:)?child_process'|require\('(node:)?child_process'\)|from 'simple-git'/;
          if (forbidden.test(text)) offenders.push(path.relative(root, full));
        }
      }
    };
    walk(path.join(root, 'src'));
    assert.deepEqual(offenders, []);
  });
});
