import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import { GitService } from '../../../src/agents';
import { GitRunner, type Logger } from '../../../src/git';

/**
 * Real temporary git repositories for tests, isolated from the machine's git config:
 * a private global config (name, email, default branch) and no system config.
 */
const sandbox = realpathSync(mkdtempSync(path.join(tmpdir(), 'agent-worktrees-test-')));
const globalConfig = path.join(sandbox, 'gitconfig');
writeFileSync(
  globalConfig,
  [
    '[user]',
    '\tname = Test User',
    '\temail = test@example.com',
    '[init]',
    '\tdefaultBranch = main',
    '[protocol "file"]',
    '\tallow = always', // local submodules in tests
    '[commit]',
    '\tgpgsign = false',
    '',
  ].join('\n'),
);
// The service under test inherits process.env, so it sees the same isolated config.
process.env.GIT_CONFIG_GLOBAL = globalConfig;
process.env.GIT_CONFIG_NOSYSTEM = '1';
delete process.env.GIT_DIR;
delete process.env.GIT_WORK_TREE;

after(() => rmSync(sandbox, { recursive: true, force: true }));

let counter = 0;
export function tempDir(name = 'dir'): string {
  counter++;
  const dir = path.join(sandbox, `${counter}-${name}`);
  execFileSync('mkdir', ['-p', dir]);
  return dir;
}

export function git(cwd: string, ...args: string[]): string {
  // Room for big listings (the fuzzer's oracle reads whole histories with it).
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function write(root: string, relative: string, content: string | Buffer): string {
  const file = path.join(root, relative);
  execFileSync('mkdir', ['-p', path.dirname(file)]);
  writeFileSync(file, content);
  return file;
}

/** A repository with one commit (`README.md`) on `main`. */
export function createRepo(name = 'repo'): string {
  const repo = path.join(tempDir(name), name);
  execFileSync('mkdir', ['-p', repo]);
  git(repo, 'init', '--quiet');
  write(repo, 'README.md', '# test\n');
  git(repo, 'add', 'README.md');
  git(repo, 'commit', '--quiet', '-m', 'initial commit');
  return repo;
}

export function commitFile(repo: string, relative: string, content: string, message = `change ${relative}`): string {
  write(repo, relative, content);
  git(repo, 'add', '--', relative);
  git(repo, 'commit', '--quiet', '-m', message);
  return git(repo, 'rev-parse', 'HEAD').trim();
}

/**
 * Two commits changing `relative` differently: one on a new branch `side`, then one on the branch
 * we were on (checked out again). Merging or rebasing onto `side` then conflicts.
 */
export function divergeOnFile(repo: string, relative: string, contents: { side: string; current: string }, side = 'side'): void {
  git(repo, 'checkout', '--quiet', '-b', side);
  commitFile(repo, relative, contents.side);
  git(repo, 'checkout', '--quiet', '-');
  commitFile(repo, relative, contents.current);
}

/** A logger that keeps every line, to count git calls and read what was logged. */
export function recordingLogger(): { lines: string[]; logger: Logger } {
  const lines: string[] = [];
  const logger: Logger = {
    trace: (message) => lines.push(message),
    info: (message) => lines.push(message),
    warn: (message) => lines.push(message),
    error: (message) => lines.push(String(message)),
  };
  return { lines, logger };
}

/** Makes every git call whose subcommand is `subcommand` fail, to simulate a step failing midway. */
export function failGitSubcommand(runner: GitRunner, subcommand: string, message: string): void {
  const run = runner.run.bind(runner);
  runner.run = (args, options) => (args[0] === subcommand ? Promise.reject(new Error(message)) : run(args, options));
}

/** A service whose every git call is recorded, to count processes and read the log lines. */
export function recordingService(options: { parallelism?: number; gitPath?: string } = {}) {
  const { lines, logger } = recordingLogger();
  const runner = new GitRunner({ logger, ...(options.gitPath ? { gitPath: options.gitPath } : {}) });
  const service = new GitService(runner, options.parallelism ? { parallelism: options.parallelism } : {});
  const gitCalls = () => lines.filter((line) => line.startsWith('> git '));
  return { service, runner, lines, gitCalls, reset: () => lines.splice(0) };
}
