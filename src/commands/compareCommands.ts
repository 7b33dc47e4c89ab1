import * as path from 'node:path';
import * as v from 'valibot';
import * as vscode from 'vscode';
import {
  type AttemptGroup,
  arrangeByAttempts,
  executeRemoval,
  failIfRefused,
  isAttemptGroup,
  planRemoval,
  type RemovalOutcome,
  WorktreeOperationError,
} from '../agents';
import type { AgentSessions } from '../views/agentSessions';
import { CHECK_OUTPUT_SCHEME, CheckOutputs } from '../webview/checkOutputs';
import { COMPARE_VIEW_TYPE, type ComparePanel, ComparePanels } from '../webview/comparePanel';
import { classifyArgument, parseArguments, resolveWorktree } from './commandArguments';
import { registerCommand, UserError } from './commandRunner';
import { confirmAndRemove, openFolders, type RemoveCommandDeps } from './removeCommands';

export interface CompareCommandDeps extends RemoveCommandDeps {
  readonly agents: AgentSessions;
}

const CompareArguments = v.strictObject({
  group: v.pipe(v.string(), v.regex(/^[0-9a-f]{8,32}$/)),
  repoPath: v.optional(v.pipe(v.string(), v.minLength(1))),
});
/** `discardOtherAttempts` from the API or another extension: no prompt; losing work needs `force`. */
const DiscardOthersArguments = v.strictObject({
  worktreePath: v.pipe(v.string(), v.minLength(1)),
  force: v.optional(v.boolean()),
});

/** Compare Attempts (panel, its serializer, the check outputs) and Discard Other Attempts. */
export function registerCompareCommands(
  context: vscode.ExtensionContext,
  deps: CompareCommandDeps,
): { readonly panels: ComparePanels; readonly outputs: CheckOutputs } {
  const outputs = new CheckOutputs();
  const panels = new ComparePanels({
    ...deps,
    extensionUri: context.extensionUri,
    outputs,
    openReview: async (worktreePath) => {
      await vscode.commands.executeCommand('agentWorktrees.reviewChanges', { worktreePath });
    },
    discardOthers: async (worktreePath) => {
      await discardOtherAttempts(deps, worktreePath);
    },
  });
  context.subscriptions.push(
    outputs,
    panels,
    vscode.workspace.registerTextDocumentContentProvider(CHECK_OUTPUT_SCHEME, outputs),
    vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => panels.restore(panel, state),
    }),
    registerCommand('agentWorktrees.compareAttempts', (arg?: unknown) => compareCommand(deps, panels, arg), deps),
    registerCommand('agentWorktrees.discardOtherAttempts', (arg?: unknown) => discardOthersCommand(deps, arg), deps),
  );
  return { panels, outputs };
}

/** From the group's row, `{ group, repoPath? }`, an attempt's row or path, else a pick among the groups. */
async function compareCommand(deps: CompareCommandDeps, panels: ComparePanels, arg: unknown): Promise<ComparePanel | undefined> {
  const found = await chosenGroup(deps, arg);
  if (!found) return undefined;
  const panel = panels.open(found.commonDir, found.group.group);
  return panel;
}

async function chosenGroup(
  deps: CompareCommandDeps,
  arg: unknown,
): Promise<{ commonDir: string; group: AttemptGroup } | undefined> {
  const argument = classifyArgument(arg);
  if (argument.kind === 'attempts') return { commonDir: argument.row.repository.commonDir, group: argument.row.attempts };
  const groups = deps.model.repositories().flatMap((repository) =>
    arrangeByAttempts(repository.snapshot?.worktrees ?? [])
      .filter(isAttemptGroup)
      .map((group) => ({ commonDir: repository.commonDir, group })),
  );
  if (argument.kind === 'object') {
    const { group, repoPath } = parseArguments(CompareArguments, argument.value, 'Compare Attempts');
    const match = groups.find(
      (candidate) =>
        candidate.group.group === group &&
        (repoPath === undefined ||
          deps.model.findWorktree(repoPath)?.repository.commonDir === candidate.commonDir ||
          candidate.group.members.some(({ worktree }) => worktree.path === repoPath)),
    );
    if (!match) throw new UserError(`No attempt group ${group} in this workspace (two or more of its attempts must be left).`);
    return match;
  }
  if (argument.kind === 'row' || argument.kind === 'path') {
    const worktreePath = argument.kind === 'row' ? argument.row.snapshot.worktree.path : argument.path;
    const found = deps.model.findAttempt(worktreePath);
    if (!found || found.attempts.members.length < 2) throw new UserError(`${worktreePath} is not one of several attempts.`);
    return { commonDir: found.repository.commonDir, group: found.attempts };
  }
  if (groups.length === 0) throw new UserError('There are no agent attempts to compare: New Agent Attempts… makes them.');
  if (groups.length === 1) return groups[0];
  const picked = await vscode.window.showQuickPick(
    groups.map((entry) => ({
      label: entry.group.task ?? path.basename(entry.group.members[0]?.worktree.path ?? ''),
      description: `${entry.group.members.length} attempts`,
      entry,
    })),
    { title: 'Compare Attempts: which task?' },
  );
  return picked?.entry;
}

async function discardOthersCommand(deps: CompareCommandDeps, arg: unknown): Promise<RemovalOutcome[] | undefined> {
  const argument = classifyArgument(arg);
  if (argument.kind === 'object') {
    const { worktreePath, force } = parseArguments(DiscardOthersArguments, argument.value, 'Discard Other Attempts');
    return discardOtherAttempts(deps, worktreePath, { force: force === true });
  }
  const target = await resolveWorktree(deps.model, arg, {
    title: 'Keep which attempt (the others of its task are discarded)?',
    needsFolder: false,
    candidates: ({ worktree }) => worktree.agent?.attempt !== undefined,
    noneMessage: 'There are no agent attempts: New Agent Attempts… makes them.',
  });
  return target ? discardOtherAttempts(deps, target.worktree.path) : undefined;
}

/**
 * Keeps one attempt and discards the others of its group, in one confirmed step that lists what
 * each would lose (saved to the trash first, so it is recoverable).
 */
export async function discardOtherAttempts(
  deps: CompareCommandDeps,
  keptPath: string,
  /** Without a prompt (an argument object): every guard applies, and losing work needs `force`. */
  unattended?: { readonly force: boolean },
): Promise<RemovalOutcome[] | undefined> {
  const shown = deps.model.findAttempt(keptPath);
  if (!shown) throw new WorktreeOperationError('invalid', `${keptPath} is not one of several attempts.`);
  const others = shown.attempts.members.filter(({ worktree }) => worktree.path !== shown.snapshot.worktree.path);
  if (others.length === 0) {
    if (!unattended) void vscode.window.showInformationMessage('No other attempts are left: this is the only one.');
    return [];
  }
  const commonDir = shown.repository.commonDir;
  const requests = others.map(({ worktree }) => ({ path: worktree.path, commonDir }));
  if (unattended) {
    const options = { deleteBranch: true, protectedPaths: openFolders(), force: unattended.force };
    const outcomes = await executeRemoval(deps.service, await planRemoval(deps.service, requests, options), options);
    failIfRefused(outcomes);
    return outcomes;
  }
  return confirmAndRemove(deps, requests, true, {
    // Says what stays and that nothing lands: "keep" elsewhere means applying an attempt's work.
    title: `Discard the ${others.length === 1 ? 'other attempt' : `${others.length} other attempts`}? ${path.basename(keptPath)} stays; nothing is applied to your checkout.`,
  });
}
