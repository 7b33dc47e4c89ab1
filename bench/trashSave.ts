// Saving an agent worktree to the trash before a removal (issue 15), against a bash floor doing the
// least git work that saves the same files: a copy of the index, `add -A`, `write-tree`,
// `commit-tree`, `update-ref`. Ours also records the index as a tree of its own and writes the record.
import * as path from 'node:path';
import { createAgentWorktree } from '../src/agents/createAgentWorktree';
import type { GitService } from '../src/agents/service';
import { saveToTrash, TRASH_REF_PREFIX } from '../src/agents/trash';
import { git, makeAgentChanges } from './fixtures';
import { compare, run } from './measure';
import type { Row } from './stats';

export const TRASH_SAVE_ROW = 'trash save';

export async function trashSaveRows(
  service: GitService,
  repo: string,
  size: { readonly changes: number; readonly rounds: number },
): Promise<Row[]> {
  const agent = await createAgentWorktree(service, { repoPath: repo, name: 'bench-trash' });
  makeAgentChanges(agent.path, size.changes);
  const commonDir = path.join(repo, '.git');
  const worktree = (await service.listWorktrees({ commonDir })).find((entry) => entry.path === agent.path);
  if (!worktree?.gitDir) throw new Error('the bench agent worktree is not listed');
  const head = git(agent.path, ['rev-parse', 'HEAD']).trim();
  const floor = [
    'set -e',
    'export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com',
    'scratch=$(mktemp -d)',
    `cp -p ${JSON.stringify(path.join(worktree.gitDir, 'index'))} "$scratch/index"`,
    'GIT_INDEX_FILE="$scratch/index" git add -A',
    'tree=$(GIT_INDEX_FILE="$scratch/index" git write-tree)',
    `commit=$(git commit-tree -p ${head} -m trash "$tree")`,
    'git update-ref refs/bench-floor/trash "$commit"',
    'rm -rf "$scratch"',
  ].join('\n');
  const reset = async () => {
    const refs = git(repo, ['for-each-ref', '--format=%(refname)', TRASH_REF_PREFIX, 'refs/bench-floor/']);
    for (const ref of refs.split('\n').filter(Boolean)) git(repo, ['update-ref', '-d', ref]);
  };
  const row = await compare(
    TRASH_SAVE_ROW,
    `an agent worktree with ${size.changes} changed files (modified, added, deleted, renamed, binary), not yet snapshotted`,
    1.3,
    () => run('bash', ['-c', floor], agent.path),
    () =>
      saveToTrash(service, {
        path: agent.path,
        commonDir,
        worktree,
        head,
        plannedState: undefined,
        uncommittedFiles: size.changes,
        uniqueCommits: 0,
      }),
    reset,
    size.rounds,
  );
  return [row];
}
