// New Agent Attempts (issue 17): eight agent worktrees from one base on a 5,000-file repository,
// against eight plain `git worktree add -b` in bash. Ours also checks every name, branch and folder
// before the first is made, and writes each attempt's metadata.
//
// Both sides write 40,000 files a round. On a disk of these machines the same bash loop ranges from
// 2 to 10 s (write-back, memory reclaim), which hides any difference; on tmpfs it varies by ±5 %.
// So this part builds its own repository in /dev/shm when the machine has it (the same for both).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createAttempts } from '../src/agents/attempts';
import type { GitService } from '../src/agents/service';
import { cleanup, createRepo, git } from './fixtures';
import { compare, run } from './measure';
import type { Row } from './stats';

export const ATTEMPTS_CREATE_ROW = 'create 8 attempts';
const COUNT = 8;

export async function attemptsCreateRows(
  service: GitService,
  size: { readonly files: number; readonly rounds: number },
): Promise<Row[]> {
  const memory = existsSync('/dev/shm') ? '/dev/shm' : undefined;
  const parent = mkdtempSync(path.join(memory ?? tmpdir(), 'agent-worktrees-bench-attempts-'));
  try {
    const repo = createRepo(parent, size.files);
    // Ours and the floor create next to each other, in the folder ours uses.
    const folder = `${repo}.worktrees`;
    const floor = `for i in $(seq 1 ${COUNT}); do git worktree add --quiet -b "bench-floor/try-$i" "${folder}/floor-try-$i" HEAD || exit 1; done`;
    const reset = async () => {
      for (const line of git(repo, ['worktree', 'list', '--porcelain']).split('\n')) {
        if (line.startsWith(`worktree ${folder}`)) git(repo, ['worktree', 'remove', '--force', line.slice('worktree '.length)]);
      }
      const branches = git(repo, ['for-each-ref', '--format=%(refname:short)', 'refs/heads/bench-floor/', 'refs/heads/agent/']);
      for (const branch of branches.split('\n').filter(Boolean)) git(repo, ['branch', '-D', branch]);
    };
    const row = await compare(
      ATTEMPTS_CREATE_ROW,
      `${COUNT} agent worktrees from one base, ${size.files} files each${memory ? ' (on tmpfs)' : ''}; floor: ${COUNT} × \`git worktree add -b\` in bash`,
      1.2,
      () => run('bash', ['-c', floor], repo),
      () => createAttempts(service, { repoPath: repo, name: 'try', attempts: Array.from({ length: COUNT }, () => ({})) }),
      reset,
      size.rounds,
    );
    return [row];
  } finally {
    cleanup(parent);
  }
}
