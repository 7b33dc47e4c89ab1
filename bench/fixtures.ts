import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, env: ENV, encoding: 'utf8', maxBuffer: 1 << 30 });
}

/** A repository of `files` small text files in 50 folders, one commit. */
export function createRepo(parent: string, files: number): string {
  const repo = path.join(parent, 'repo');
  mkdirSync(repo, { recursive: true });
  git(repo, ['init', '--quiet', '--initial-branch=main']);
  for (let i = 0; i < files; i++) {
    const dir = path.join(repo, `src/module-${i % 50}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `file-${i}.ts`), `export const value${i} = ${i};\n// line 2\n// line 3\n`);
  }
  git(repo, ['add', '--all']);
  git(repo, ['commit', '--quiet', '-m', 'initial']);
  return repo;
}

/** `count` linked worktrees next to the repository; `dirty` of them with an edited file. */
export function addWorktrees(repo: string, count: number, dirty: number): string[] {
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const worktree = path.join(path.dirname(repo), 'repo.worktrees', `wt-${i}`);
    git(repo, ['worktree', 'add', '--quiet', '-b', `bench/wt-${i}`, worktree]);
    if (i < dirty) writeFileSync(path.join(worktree, 'src/module-0/file-0.ts'), `export const changed = ${i};\n`);
    paths.push(worktree);
  }
  return paths;
}

/** An agent's work of every kind over `changes` files: modified, added, deleted, renamed, binary. */
export function makeAgentChanges(worktree: string, changes: number): void {
  const per = Math.floor(changes / 5);
  for (let i = 0; i < per; i++)
    writeFileSync(path.join(worktree, `src/module-${i % 50}/file-${i}.ts`), `export const edited${i} = ${i};\n// line 2\n`);
  mkdirSync(path.join(worktree, 'added'), { recursive: true });
  for (let i = 0; i < per; i++) writeFileSync(path.join(worktree, 'added', `new-${i}.ts`), `export const added${i} = ${i};\n`);
  for (let i = per; i < 2 * per; i++) unlinkSync(path.join(worktree, `src/module-${i % 50}/file-${i}.ts`));
  mkdirSync(path.join(worktree, 'moved'), { recursive: true });
  for (let i = 2 * per; i < 3 * per; i++)
    renameSync(path.join(worktree, `src/module-${i % 50}/file-${i}.ts`), path.join(worktree, 'moved', `file-${i}.ts`));
  mkdirSync(path.join(worktree, 'assets'), { recursive: true });
  for (let i = 0; i < per; i++)
    writeFileSync(path.join(worktree, 'assets', `blob-${i}.bin`), Buffer.from([0, i % 256, 255, 1, 2, 3, 0]));
}

export function cleanup(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
}
