import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentActivity, AgentState } from './agentActivity';
import type { AgentSessions } from './agentSessions';
import { agentsSummary } from './presentation';

/** Which changes of an agent's state notify, by setting (all on by default). */
const NOTIFY_SETTINGS: Partial<Record<AgentState, string>> = {
  done: 'notifyAgentDone',
  failed: 'notifyAgentFailed',
  waiting: 'notifyAgentWaiting',
};

/**
 * The status bar's summary of all agents (click: the Worktrees view), and a notification when an
 * agent finishes, fails or starts waiting — none while its terminal is the one in front.
 */
/** The attempts a worktree is one of (two or more still there), for one notice when all are done. */
export type AttemptsOf = (
  worktreePath: string,
) => { readonly task: string | undefined; readonly members: readonly string[] } | undefined;

export function showAgentNotices(
  sessions: AgentSessions,
  viewId: string,
  shown: string[] = [],
  attemptsOf: AttemptsOf = () => undefined,
): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('agentWorktrees.agents', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Agent Worktrees: agents';
  item.command = `${viewId}.focus`;
  const update = () => {
    const summary = agentsSummary(sessions.tracker.states().values());
    if (!summary) return item.hide();
    item.text = `$(robot) ${summary}`;
    item.tooltip = 'What the agents in your agent worktrees are doing. Click to show the Worktrees view.';
    item.accessibilityInformation = { label: `Agents: ${summary}` };
    item.show();
  };
  const subscription = sessions.onDidChange((worktreePath, activity) => {
    update();
    const attempts = activity.state === 'done' || activity.state === 'failed' ? attemptsOf(worktreePath) : undefined;
    const message =
      attempts && attempts.members.length >= 2
        ? notifyAttempts(sessions, worktreePath, attempts)
        : notify(sessions, worktreePath, activity);
    if (message) shown.push(message);
    if (shown.length > 50) shown.shift();
  });
  return vscode.Disposable.from(item, subscription);
}

/** Shows the notification this change calls for, if any; returns its message. */
function notify(sessions: AgentSessions, worktreePath: string, activity: AgentActivity): string | undefined {
  const setting = NOTIFY_SETTINGS[activity.state];
  if (!setting || !vscode.workspace.getConfiguration('agentWorktrees').get<boolean>(setting, true)) return undefined;
  const terminal = sessions.terminalOf(worktreePath);
  // The user is looking at that terminal already (the closest the API gets to "focused").
  if (terminal && vscode.window.state.focused && vscode.window.activeTerminal === terminal) return undefined;
  const name = path.basename(worktreePath);
  const message =
    activity.state === 'done'
      ? `The agent in ${name} finished.`
      : activity.state === 'failed'
        ? `The agent in ${name} failed${activity.exitCode === undefined ? '' : ` (exit code ${activity.exitCode})`}.`
        : `The agent in ${name} is waiting — does it need you?`;
  const show = activity.state === 'failed' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const actions = terminal ? ['Review Changes', 'Show Terminal'] : ['Review Changes'];
  // Not awaited: a notification left open holds nothing up.
  void show(message, ...actions).then((choice) => {
    if (choice === 'Review Changes') void vscode.commands.executeCommand('agentWorktrees.reviewChanges', worktreePath);
    if (choice === 'Show Terminal') sessions.terminalOf(worktreePath)?.show();
  });
  return message;
}

/**
 * An attempt's agent ended: one notice once every attempt of its task has ended (how many failed),
 * none before — several attempts finishing one by one are one event to the user.
 */
function notifyAttempts(
  sessions: AgentSessions,
  worktreePath: string,
  attempts: { readonly task: string | undefined; readonly members: readonly string[] },
): string | undefined {
  const states = attempts.members.map((member) => sessions.activityOf(member).state);
  if (states.some((state) => state === 'working' || state === 'waiting')) return undefined;
  const failed = states.filter((state) => state === 'failed').length;
  const setting = failed > 0 ? 'notifyAgentFailed' : 'notifyAgentDone';
  if (!vscode.workspace.getConfiguration('agentWorktrees').get<boolean>(setting, true)) return undefined;
  const task = attempts.task ? ` at "${attempts.task}"` : '';
  const message = `All ${attempts.members.length} attempts${task} have ended${failed > 0 ? ` (${failed} failed)` : ''}.`;
  const show = failed > 0 ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void show(message, 'Compare Attempts').then((choice) => {
    if (choice) void vscode.commands.executeCommand('agentWorktrees.compareAttempts', worktreePath);
  });
  return message;
}
