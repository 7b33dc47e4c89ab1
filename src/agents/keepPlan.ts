import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { firstMeaningfulLine, parseStatusV2 } from '../git';
import { type AgentChanges, type ChangedFile, PATCH_FLAGS } from './agentChanges';
import { foldersInTheWay, type MergedFile, mergeDirtyFiles, type Unmergeable, whyNotMergeable } from './dirtyMerge';
import { selectHunks, splitPatch } from './hunks';
import { pathsHoldingKeptContent } from './keptContent';
import { WorktreeOperationError } from './operationErrors';
import type { GitService } from './service';

// What a keep will do, worked out before the target is touched: which files, the patch for those
// the target has clean, a three-way merge for those it has edits of its own on, and the kept state.
// Anything that needs the user's consent (files that cannot be merged, merges with conflicts)
// stops here with nothing written.

export interface KeepPlanInput {
  readonly changes: AgentChanges;
  readonly target: string;
  /** The agent's kept-up-to commit when the capture starts from it: the target's copy of it is no one's own work. */
  readonly keptBefore: string | undefined;
  readonly files: readonly string[] | undefined;
  readonly hunks: Readonly<Record<string, readonly number[]>>;
  readonly allowConflicts: boolean;
  readonly skipUnmergeable: boolean;
  readonly scratch: string;
}

export interface KeepPlan {
  /** The files kept (after any the user agreed to leave out). */
  readonly files: readonly ChangedFile[];
  /** Files left out because they cannot be merged with the target's own edits (with consent). */
  readonly skipped: readonly Unmergeable[];
  /** Everything kept so far plus this keep: the next review starts from it. */
  readonly keptTree: string;
  /** The patch for the files the target has clean (empty when every file is merged). */
  readonly patchFile: string | undefined;
  /** Every path the keep writes: checked, snapshotted and put back on failure. */
  readonly touched: readonly string[];
  /** Files merged with the target's own edits, written as they are here. */
  readonly merged: readonly MergedFile[];
  /**
   * Touched paths with uncommitted content in the target, an earlier keep's own copy included:
   * Keep and Commit refuses to commit over them (its commit would be the only way back, and it does
   * not hold what they were).
   */
  readonly uncommitted: readonly string[];
}

/** Nothing to keep (everything kept already, or every chosen file left out with consent). */
export interface NothingToKeep {
  readonly nothing: true;
  readonly skipped: readonly Unmergeable[];
}

/** The plan, or why there is nothing to keep. Throws `needs-confirmation` (with `consent`) or `invalid`. */
export async function planKeep(service: GitService, agentPath: string, input: KeepPlanInput): Promise<KeepPlan | NothingToKeep> {
  const { changes } = input;
  let selected = selectFiles(changes, input.files);
  const skipped: Unmergeable[] = [];
  for (let round = 0; selected.length > 0; round++) {
    const blocked = await foldersInTheWay(service, changes, input.target, selected);
    if (blocked.length > 0) {
      const paths = new Set(blocked.map((file) => file.path));
      selected = leaveOut(input, selected, blocked, new Set(selected.filter((file) => paths.has(file.path))), skipped);
      continue;
    }
    const chosen = await choosePatch(service, changes, selected, input.hunks);
    if (chosen.patch.length === 0) return { nothing: true, skipped };
    const patchFile = path.join(input.scratch, `keep-${round}.patch`);
    await writeFile(patchFile, chosen.patch);
    // A choice that is no consistent state on its own (a file kept under what is still a file) is
    // refused here, with nothing written.
    const keptTree = chosen.everything ? changes.tree : await keptTreeWith(service, agentPath, changes.from, patchFile);
    const dirty = await dirtyPaths(service, input.target, chosen.touched, input.keptBefore);
    const { uncommitted } = dirty;
    if (dirty.paths.length === 0)
      return { files: selected, skipped, keptTree, patchFile, touched: chosen.touched, merged: [], uncommitted };
    const fileOf = (relative: string) => selected.find((file) => file.path === relative || file.oldPath === relative);
    const unmergeable: Unmergeable[] = [];
    const mergeable: string[] = [];
    for (const relative of dirty.paths) {
      const reason = await whyNotMergeable(input.target, relative, fileOf(relative), dirty.conflicted);
      if (reason) unmergeable.push({ path: relative, reason });
      else mergeable.push(relative);
    }
    const merges = await mergeDirtyFiles(
      service,
      agentPath,
      input.target,
      mergeable,
      { from: changes.from, keptTree },
      input.scratch,
    );
    unmergeable.push(...merges.unmergeable);
    if (unmergeable.length > 0) {
      // Left out: every chosen file that writes that path — itself, or a file where the user has
      // a folder (or the reverse), which touches the paths under it; those say why too.
      const left = new Set<ChangedFile>();
      const reasons = [...unmergeable];
      for (const file of unmergeable) {
        for (const writer of filesWriting(selected, file.path)) {
          left.add(writer);
          const said = [...skipped, ...reasons].some((entry) => entry.path === writer.path);
          if (writer.path !== file.path && !said)
            reasons.push({ path: writer.path, reason: `it would replace ${file.path}, which you changed` });
        }
      }
      selected = leaveOut(input, selected, unmergeable, left, skipped, reasons);
      continue;
    }
    const conflicted = merges.merged.filter((file) => file.conflictLines.length > 0);
    if (conflicted.length > 0 && !input.allowConflicts) throw conflictError(conflicted);
    const mergedPaths = new Set(merges.merged.map((file) => file.path));
    const rest = selected.filter((file) => !mergedPaths.has(file.path));
    const restPatch = rest.length === selected.length ? patchFile : await restPatchFile(service, changes, rest, input, round);
    return {
      files: selected,
      skipped,
      keptTree,
      patchFile: restPatch,
      touched: chosen.touched,
      merged: merges.merged,
      uncommitted,
    };
  }
  return { nothing: true, skipped };
}

/**
 * The chosen files without `left`, with the user's consent (else the refusal that asks for it);
 * `skipped` gets why (`reasons`, by default the unmergeable files). A round that would leave
 * nothing out refuses: it would run again as it was, forever.
 */
function leaveOut(
  input: KeepPlanInput,
  selected: readonly ChangedFile[],
  unmergeable: readonly Unmergeable[],
  left: ReadonlySet<ChangedFile>,
  skipped: Unmergeable[],
  reasons: readonly Unmergeable[] = unmergeable,
): ChangedFile[] {
  if (!input.skipUnmergeable) throw unmergeableError(input.target, unmergeable);
  const remaining = selected.filter((file) => !left.has(file));
  if (remaining.length === selected.length) throw unmergeableError(input.target, unmergeable);
  skipped.push(...reasons);
  return remaining;
}

/** The chosen files whose change writes `relative`: at it, above it (a file for a folder) or below it. */
function filesWriting(selected: readonly ChangedFile[], relative: string): ChangedFile[] {
  const writes = (written: string | undefined) =>
    written !== undefined && (written === relative || relative.startsWith(`${written}/`) || written.startsWith(`${relative}/`));
  return selected.filter((file) => writes(file.path) || writes(file.oldPath));
}

/** The patch for the files the target has clean, or undefined when there are none. */
async function restPatchFile(
  service: GitService,
  changes: AgentChanges,
  rest: readonly ChangedFile[],
  input: KeepPlanInput,
  round: number,
): Promise<string | undefined> {
  if (rest.length === 0) return undefined;
  const patch =
    wholeFilesFromCapture(changes, rest, input.hunks) ?? (await choosePatch(service, changes, rest, input.hunks)).patch;
  if (patch.length === 0) return undefined;
  const file = path.join(input.scratch, `keep-${round}-clean.patch`);
  await writeFile(file, patch);
  return file;
}

/**
 * The captured patch's own sections for these files, when none of them has a hunk choice: no
 * second diff (which, over thousands of paths, git spends its time matching pathspecs for).
 */
function wholeFilesFromCapture(
  changes: AgentChanges,
  files: readonly ChangedFile[],
  hunks: Readonly<Record<string, readonly number[]>>,
): Buffer | undefined {
  if (files.some((file) => Object.hasOwn(hunks, file.path))) return undefined;
  const sections = splitPatch(changes.patch);
  if (sections.length !== changes.files.length) return undefined; // not one section per file: diff again
  const wanted = new Set(files);
  return Buffer.concat(sections.filter((_, index) => wanted.has(changes.files[index] as ChangedFile)));
}

/**
 * The touched paths the target has uncommitted work on (staged, unstaged, untracked, conflicted),
 * less those that hold exactly what the last keep put there (no one's own work).
 */
async function dirtyPaths(
  service: GitService,
  target: string,
  touched: readonly string[],
  keptBefore: string | undefined,
): Promise<{ paths: string[]; uncommitted: string[]; conflicted: Set<string> }> {
  const status = parseStatusV2(
    (await service.runner.run(['status', '--porcelain=v2', '-z', '--untracked-files=all'], { cwd: target, readOnly: true }))
      .stdout,
  );
  const wanted = new Set(touched);
  // The original path of a rename the user staged is theirs too (it is gone from the checkout).
  const changed = [...status.changedPaths, ...status.renamedFromPaths];
  const uncommitted = [...new Set(changed.filter((relative) => wanted.has(relative)))];
  let paths = uncommitted;
  if (paths.length > 0 && keptBefore) {
    const own = await pathsHoldingKeptContent(service, target, keptBefore, paths);
    paths = paths.filter((relative) => !own.has(relative));
  }
  return { paths, uncommitted, conflicted: new Set(status.conflictedPaths) };
}

function unmergeableError(target: string, files: readonly Unmergeable[]): WorktreeOperationError {
  const list = files.map((file) => `${file.path} (${file.reason})`).join(', ');
  return new WorktreeOperationError(
    'needs-confirmation',
    `Nothing was kept: ${target} has uncommitted changes of its own on ${files.length === 1 ? 'a file' : 'files'} that cannot be merged with the agent's: ${list}. Keep the rest without ${files.length === 1 ? 'it' : 'them'}?`,
    { consent: { kind: 'unmergeable', files } },
  );
}

function conflictError(files: readonly MergedFile[]): WorktreeOperationError {
  const range = ([first, last]: readonly [number, number]) => (first === last ? `${first}` : `${first}–${last}`);
  const list = files.map((file) => `${file.path} (lines ${file.conflictLines.map(range).join(', ')})`).join(', ');
  return new WorktreeOperationError(
    'needs-confirmation',
    `Nothing was kept: the agent's changes overlap your uncommitted edits in ${list}. Keep with conflict markers?`,
    { consent: { kind: 'conflicts', files: files.map((file) => ({ path: file.path, lines: file.conflictLines })) } },
  );
}

/**
 * The patch for the chosen files (whole files in one diff, files with a hunk choice reduced to
 * those hunks) and every path it writes. That is more than the chosen paths: a pathspec names a
 * folder's files too, so a file that replaced a folder takes the folder's files with it, and those
 * must be checked for the user's work and put back on failure as well.
 */
async function choosePatch(
  service: GitService,
  changes: AgentChanges,
  selected: readonly ChangedFile[],
  hunkChoices: Readonly<Record<string, readonly number[]>>,
): Promise<{ patch: Buffer; everything: boolean; touched: string[] }> {
  const pathsOf = (file: ChangedFile) => (file.oldPath ? [file.oldPath, file.path] : [file.path]);
  const chosen = [...new Set(selected.flatMap(pathsOf))];
  const git = async (args: string[], paths: readonly string[]) =>
    service.runner.run([...args, '--end-of-options', changes.from, changes.tree, '--', ...paths], {
      cwd: changes.worktreePath,
      readOnly: true,
    });
  // Own keys only: a file named `constructor` or `__proto__` is a path, not an object property.
  const hunksOf = (file: ChangedFile) => (Object.hasOwn(hunkChoices, file.path) ? hunkChoices[file.path] : undefined);
  const everything = selected.length === changes.files.length && Object.keys(hunkChoices).length === 0;
  // Keeping everything: the captured patch is exactly it (no second diff).
  if (everything) return { patch: changes.patch, everything, touched: chosen };
  const wholePaths = [...new Set(selected.filter((file) => hunksOf(file) === undefined).flatMap(pathsOf))];
  const parts: Buffer[] = wholePaths.length > 0 ? [(await git(['diff', ...PATCH_FLAGS], wholePaths)).stdoutBytes] : [];
  for (const file of selected) {
    const hunks = hunksOf(file);
    if (hunks === undefined) continue;
    const sections = splitPatch((await git(['diff', ...PATCH_FLAGS], pathsOf(file))).stdoutBytes);
    if (sections.length !== 1) {
      // Its path names a folder's files too (it replaced a folder, or became one): no hunks of its own.
      throw new WorktreeOperationError('invalid', `${file.path} replaced a folder or became one: keep it whole.`);
    }
    parts.push(selectHunks(sections[0] as Buffer, hunks, file.path));
  }
  // Without rename detection both sides of every change are listed.
  const touched = new Set(chosen);
  for (const name of (await git(['diff', '--name-only', '-z', '--no-renames'], chosen)).stdout.split('\0')) {
    if (name) touched.add(name);
  }
  return { patch: Buffer.concat(parts), everything, touched: [...touched] };
}

export function refuseOutdated(reviewed: AgentChanges, worktreePath: string, keptState: string): void {
  if (reviewed.worktreePath !== worktreePath || reviewed.from !== keptState) {
    throw new WorktreeOperationError(
      'blocked',
      'Nothing was kept: the review is out of date (changes were kept since it was captured). Review again.',
    );
  }
}

function selectFiles(changes: AgentChanges, files: readonly string[] | undefined) {
  if (!files) return changes.files;
  const wanted = new Set(files);
  const unknown = files.filter((file) => !changes.files.some((change) => change.path === file));
  if (unknown.length > 0) throw new WorktreeOperationError('invalid', `Not among the agent's changes: ${unknown.join(', ')}`);
  return changes.files.filter((file) => wanted.has(file.path));
}

/** The previous kept tree plus the chosen patch, built in a temporary index (`apply --cached`). */
async function keptTreeWith(service: GitService, agentPath: string, from: string, patchFile: string): Promise<string> {
  const env = { GIT_INDEX_FILE: `${patchFile}.index` };
  const git = (args: string[], accept = [0]) => service.runner.run(args, { cwd: agentPath, env, acceptExitCodes: accept });
  await git(['read-tree', '--end-of-options', from]);
  const applied = await git(['apply', '--cached', '--recount', patchFile], [0, 1, 128]);
  if (applied.exitCode !== 0) {
    throw new WorktreeOperationError(
      'invalid',
      `Nothing was kept: the chosen changes cannot be kept without others they depend on (${firstMeaningfulLine(applied.stderr)}). Keep them together with the related files, or keep everything.`,
    );
  }
  return (await git(['write-tree'])).stdout.trim();
}
