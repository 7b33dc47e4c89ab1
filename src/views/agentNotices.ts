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
export function showAgentNotices(sessions: AgentSessions, viewId: string, shown: string[] = []): vscode.Disposable {
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
    const message = notify(sessions, worktreePath, activity);
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
