import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeAgentMetadata } from '../../../src/agents/agentMetadata';

/** Fixed identity and dates so fixtures do not depend on the machine's git config. */
function gitEnv(date?: Date): NodeJS.ProcessEnv {
  const when = date ? `${Math.floor(date.getTime() / 1000)} +0000` : undefined;
  return {
    ...process.env,
    GIT_AUTHOR_NAME: 'Demo User',
    GIT_AUTHOR_EMAIL: 'demo@example.com',
    GIT_COMMITTER_NAME: 'Demo User',
    GIT_COMMITTER_EMAIL: 'demo@example.com',
    GIT_CONFIG_NOSYSTEM: '1',
    ...(when ? { GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when } : {}),
  };
}

export function git(cwd: string, args: string[], date?: Date): string {
  return execFileSync('git', args, { cwd, env: gitEnv(date), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function write(root: string, relative: string, content: string): void {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

function commit(repo: string, files: Record<string, string>, message: string, date?: Date): void {
  for (const [relative, content] of Object.entries(files)) write(repo, relative, content);
  git(repo, ['add', '--all']);
  git(repo, ['commit', '--quiet', '-m', message], date);
}

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);

export interface FixtureRepo {
  readonly repo: string;
  readonly clean: string;
  readonly dirty: string;
}

/** The tests' repository: a main worktree and two linked ones, one with uncommitted work. */
export function createFixtureRepo(parent: string): FixtureRepo {
  const repo = path.join(parent, 'shop');
  mkdirSync(repo, { recursive: true });
  git(repo, ['init', '--quiet', '--initial-branch=main']);
  commit(repo, { 'README.md': '# shop\n', 'src/cart.ts': 'export const cart = [];\n' }, 'Initial commit', hoursAgo(30));
  const worktrees = path.join(parent, 'shop.worktrees');
  const clean = path.join(worktrees, 'fix-tax');
  const dirty = path.join(worktrees, 'add-coupons');
  git(repo, ['worktree', 'add', '--quiet', '-b', 'agent/fix-tax', clean]);
  git(repo, ['worktree', 'add', '--quiet', '-b', 'agent/add-coupons', dirty]);
  write(dirty, 'src/cart.ts', 'export const cart = [];\nexport const coupons = [];\n');
  write(dirty, 'src/coupons.ts', 'export function apply() {}\n');
  return { repo, clean, dirty };
}

/**
 * The layout many agent users set up by hand: a bare `project.git` and its worktrees beside it,
 * so git's admin dir is inside no worktree (only a watcher on the common dir sees its changes).
 */
export function createBareLayoutRepo(parent: string): FixtureRepo {
  const seed = path.join(parent, 'seed');
  mkdirSync(seed, { recursive: true });
  git(seed, ['init', '--quiet', '--initial-branch=main']);
  commit(seed, { 'README.md': '# project\n' }, 'Initial commit', hoursAgo(5));
  const bare = path.join(parent, 'project.git');
  git(parent, ['clone', '--quiet', '--bare', seed, bare]);
  rmSync(seed, { recursive: true, force: true });
  const repo = path.join(parent, 'project');
  const clean = path.join(parent, 'project-fix-tax');
  const dirty = path.join(parent, 'project-add-coupons');
  git(bare, ['worktree', 'add', '--quiet', repo, 'main']);
  git(bare, ['worktree', 'add', '--quiet', '-b', 'agent/fix-tax', clean, 'main']);
  git(bare, ['worktree', 'add', '--quiet', '-b', 'agent/add-coupons', dirty, 'main']);
  write(dirty, 'src/coupons.ts', 'export function apply() {}\n');
  return { repo, clean, dirty };
}

/**
 * The `npm start` demo: a small project with history and agent worktrees in every state the view
 * knows — clean, dirty (staged, unstaged, untracked), locked, gone, detached, ahead of upstream.
 */
export async function createDemoRepo(parent: string): Promise<string> {
  rmSync(parent, { recursive: true, force: true });
  const repo = path.join(parent, 'acme-shop');
  mkdirSync(repo, { recursive: true });
  git(repo, ['init', '--quiet', '--initial-branch=main']);
  commit(
    repo,
    { 'README.md': '# ACME shop\n', 'src/cart.ts': 'export const cart: string[] = [];\n' },
    'Initial commit',
    hoursAgo(24 * 20),
  );
  commit(repo, { 'src/tax.ts': 'export const rate = 0.2;\n' }, 'Add tax rate', hoursAgo(24 * 9));
  commit(repo, { 'src/checkout.ts': 'export function checkout() {}\n' }, 'Add checkout', hoursAgo(26));

  const worktrees = path.join(parent, 'acme-shop.worktrees');
  const add = (name: string, options: string[] = [], commitish?: string) => {
    const target = path.join(worktrees, name);
    git(repo, ['worktree', 'add', '--quiet', ...options, target, ...(commitish ? [commitish] : [])]);
    return target;
  };

  const tax = add('fix-tax-rounding', ['-b', 'agent/fix-tax-rounding']);
  commit(
    tax,
    { 'src/tax.ts': 'export const rate = 0.2;\nexport const round = (n: number) => Math.round(n * 100) / 100;\n' },
    'Round tax to cents',
    hoursAgo(3),
  );
  git(tax, ['branch', '--quiet', '--set-upstream-to=main']);

  const coupons = add('add-coupons', ['-b', 'agent/add-coupons']);
  write(coupons, 'src/coupons.ts', 'export const coupons = new Map<string, number>();\n');
  git(coupons, ['add', 'src/coupons.ts']);
  write(coupons, 'src/cart.ts', 'export const cart: string[] = [];\nexport const discount = 0;\n');
  write(coupons, 'notes.md', 'agent scratch notes\n');
  const recent = new Date(Date.now() - 12 * 60_000);
  utimesSync(path.join(coupons, 'notes.md'), recent, recent);

  const running = add('speed-up-search', ['-b', 'agent/speed-up-search']);
  git(repo, ['worktree', 'lock', '--reason', 'agent still running', running]);

  const old = add('old-experiment', ['-b', 'agent/old-experiment']);
  rmSync(old, { recursive: true, force: true }); // its folder was deleted by hand: "gone"

  add('bisect', ['--detach'], 'HEAD~1');

  // Agent metadata as the extension writes it, so the demo shows agent worktrees with their tasks.
  const base = git(repo, ['rev-parse', 'HEAD']).trim();
  const agents: Array<[string, string, number]> = [
    ['fix-tax-rounding', 'Round tax totals to whole cents', 5],
    ['add-coupons', 'Add coupon codes to the cart', 1],
    ['speed-up-search', 'Make product search fast on large catalogues', 2],
    ['old-experiment', 'Try a GraphQL checkout', 30],
  ];
  for (const [name, task, hours] of agents) {
    const adminDir = path.join(repo, '.git', 'worktrees', name);
    await writeAgentMetadata(adminDir, {
      version: 1,
      branch: `agent/${name}`,
      baseCommit: base,
      baseBranch: 'main',
      createdAt: hoursAgo(hours).toISOString(),
      task,
      createdFrom: repo,
      agentCommand: 'claude',
    });
  }
  return repo;
}
