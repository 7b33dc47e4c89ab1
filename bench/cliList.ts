// `agent-worktrees list --json` (issue 16) against the same parallel bash floor as the full refresh,
// process start-up included on both sides; and the CLI's start-up alone (against `node -e 0`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { compare, run } from './measure';
import type { Row } from './stats';

export const CLI_LIST_ROW = 'agent-worktrees list --json';
export const CLI_START_ROW = 'CLI start-up alone';

export async function cliListRows(
  repo: string,
  floorScript: string,
  size: { readonly worktrees: number; readonly files: number; readonly rounds: number },
): Promise<Row[]> {
  const root = path.resolve(__dirname, '..');
  const cli = path.join(root, 'dist', 'cli.js');
  if (!existsSync(cli)) {
    const built = spawnSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`building dist/cli.js failed: ${built.stderr}`);
  }
  const commonDir = path.join(repo, '.git');
  const list = await compare(
    CLI_LIST_ROW,
    `${size.worktrees} linked worktrees × ${size.files} files; floor: the full refresh's bash (worktree list + parallel status), both started as processes`,
    1.2,
    () => run('bash', ['-c', floorScript], commonDir, { ...process.env, GIT_OPTIONAL_LOCKS: '0' }),
    () => run(process.execPath, [cli, 'list', '--json', '--repo', repo], repo),
    undefined,
    size.rounds,
  );
  const startUp = await compare(
    CLI_START_ROW,
    '`agent-worktrees --help` (Node start, the bundle loaded, no git); floor: `node -e 0`',
    undefined,
    () => run(process.execPath, ['-e', '0'], root),
    () => run(process.execPath, [cli, '--help'], root),
    undefined,
    size.rounds,
  );
  return [list, startUp];
}
