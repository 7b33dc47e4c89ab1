// Keep into a dirty target, and Undo of that keep (issue 13), against bash floors doing the least
// git work that reaches the same state: `git apply` of the clean files plus `git merge-file` of the
// dirty ones (their versions extracted beforehand, untimed); and for undo, copying the saved bytes
// back plus a stat refresh of the index.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { getAgentChanges } from '../src/agents/agentChanges';
import { readAgentMetadata, writeAgentMetadata } from '../src/agents/agentMetadata';
import { createAgentWorktree } from '../src/agents/createAgentWorktree';
import { keep } from '../src/agents/keep';
import type { GitService } from '../src/agents/service';
import { listKeeps, undoKeep } from '../src/agents/undoKeep';
import { git } from './fixtures';
import { compare, run } from './measure';
import type { Row } from './stats';

export const DIRTY_KEEP_ROW = 'keep into a dirty target';
export const UNDO_ROW = 'undo of that keep';
export const UNDO_FROM_RECORD_ROW = 'undo, against git reading the record';

/** The agent edits the last line of `changes` files; the user, the first line of `dirty` of them (no overlap). */
export async function dirtyKeepRows(
  service: GitService,
  repo: string,
  scratch: string,
  size: { readonly changes: number; readonly dirty: number; readonly rounds: number },
): Promise<Row[]> {
  const agent = await createAgentWorktree(service, { repoPath: repo, name: 'bench-dirty-keep' });
  const target = path.join(path.dirname(repo), 'dirty-target');
  git(repo, ['worktree', 'add', '--quiet', '--detach', target]);
  const files = Array.from({ length: size.changes }, (_, i) => `src/module-${i % 50}/file-${i}.ts`);
  const dirty = files.slice(0, size.dirty);
  for (const file of files)
    writeFileSync(path.join(agent.path, file), `${original(file).replace(/\/\/ line 3\n$/, '// the agent’s line 3\n')}`);
  const userEdit = (file: string) => original(file).replace(/^[^\n]*\n/, '// the user’s line 1\n');
  const dirtyTarget = () => {
    git(target, ['reset', '--quiet', '--hard']);
    for (const file of dirty) writeFileSync(path.join(target, file), userEdit(file));
  };
  function original(file: string): string {
    return readFileSync(path.join(repo, file), 'utf8');
  }
  const metadataDir = path.join(repo, '.git', 'worktrees', 'bench-dirty-keep');
  const metadata = await readAgentMetadata(metadataDir);
  if (!metadata) throw new Error('no agent metadata');
  const reviewed = await getAgentChanges(service, agent.path);
  const floor = await mergeFloor(agent.path, target, scratch, files, dirty, reviewed.tree);
  const resetKeep = async () => {
    dirtyTarget();
    await writeAgentMetadata(metadataDir, { ...metadata, keptUpTo: undefined });
  };
  const keepRow = await compare(
    DIRTY_KEEP_ROW,
    `${size.changes} files changed by the agent, ${size.dirty} of them also edited by the user (no overlap)`,
    1.3,
    () => run('bash', ['-c', floor.keep], target),
    () => keep(service, agent.path, { target, reviewed }),
    resetKeep,
    size.rounds,
  );

  // Undo: the same keep done (untimed) before each round; the floor copies the saved bytes back.
  const saved = path.join(scratch, 'before-keep');
  const resetUndo = async () => {
    await resetKeep();
    rmSync(saved, { recursive: true, force: true });
    for (const file of files) cpSync(path.join(target, file), path.join(saved, file), { preserveTimestamps: true });
    await keep(service, agent.path, { target, reviewed });
  };
  const undoLatest = async () => {
    const [latest] = await listKeeps(service, target);
    if (!latest) throw new Error('no keep to undo');
    await undoKeep(service, target, latest.id);
  };
  const undoFloor = `cp -a ${JSON.stringify(`${saved}/.`)} . && git update-index -q --refresh`;
  const undoRow = await compare(
    UNDO_ROW,
    `the keep above: ${size.changes} paths back as they were (${size.dirty} with the user’s edits)`,
    1.2,
    () => run('bash', ['-c', undoFloor], target),
    undoLatest,
    resetUndo,
    size.rounds,
  );
  // The same undo against git reading the same record: the bytes come out of git (the record is
  // kept in the repository, so it survives a reload) — what the copy floor above does not pay for.
  const fromRecord = [
    'set -e',
    `ref=$(git for-each-ref --sort=-refname --count=1 --format='%(refname)' refs/agent-worktrees/keeps/)`,
    'git archive --format=tar "$ref:before" | tar -x -C .',
    'git update-index -q --refresh',
  ].join('\n');
  const fromRecordRow = await compare(
    UNDO_FROM_RECORD_ROW,
    'the same undo; floor: the record’s saved bytes out of git (`git archive` of its tree | `tar -x`) + `git update-index --refresh`',
    undefined,
    () => run('bash', ['-c', fromRecord], target),
    undoLatest,
    resetUndo,
    size.rounds,
  );
  return [keepRow, undoRow, fromRecordRow];
}

/** The floor's script: apply the clean files' patch, then merge-file each dirty file with pre-extracted versions. */
async function mergeFloor(agentPath: string, target: string, scratch: string, files: string[], dirty: string[], tree: string) {
  const folder = path.join(scratch, 'merge-floor');
  mkdirSync(folder, { recursive: true });
  const dirtySet = new Set(dirty);
  const clean = files.filter((file) => !dirtySet.has(file));
  const patch = path.join(folder, 'clean.patch');
  writeFileSync(patch, git(agentPath, ['diff', '--binary', 'HEAD', tree, '--', ...clean]));
  const lines = [`git apply ${JSON.stringify(patch)}`];
  dirty.forEach((file, index) => {
    const base = path.join(folder, `${index}.base`);
    const theirs = path.join(folder, `${index}.theirs`);
    writeFileSync(base, git(agentPath, ['show', `HEAD:${file}`]));
    writeFileSync(theirs, git(agentPath, ['show', `${tree}:${file}`]));
    lines.push(`git merge-file ${JSON.stringify(path.join(target, file))} ${JSON.stringify(base)} ${JSON.stringify(theirs)}`);
  });
  return { keep: `set -e\n${lines.join('\n')}` };
}
