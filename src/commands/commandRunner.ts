import * as vscode from 'vscode';
import { GitError, type Logger } from '../git';

/**
 * Every command goes through here: handlers just throw, and this turns the error into one
 * message (git's own reason included) with a "Show Log" action. Cancellation is not an error.
 */
export function registerCommand(
  id: string,
  handler: (...args: unknown[]) => unknown,
  deps: { readonly logger: Logger; readonly showLog: () => void },
): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await handler(...args);
    } catch (error) {
      if (error instanceof GitError && error.code === 'Cancelled') {
        deps.logger.info(`${id}: cancelled`);
        return undefined;
      }
      // The message is shown, not awaited: the command settles now (a caller of executeCommand
      // is not held until someone closes a notification).
      if (error instanceof GitError && error.code === 'Disabled') {
        void vscode.window.showWarningMessage(error.message, 'Manage Workspace Trust').then((choice) => {
          if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
        });
        return undefined;
      }
      const message = userMessage(error);
      deps.logger.error(`${id} failed: ${message}`);
      void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => {
        if (choice === 'Show Log') deps.showLog();
      });
      return undefined;
    }
  });
}

export function userMessage(error: unknown): string {
  if (error instanceof GitError) {
    const reason = error.gitReason;
    return reason && !error.message.includes(reason) ? `${error.message} — ${reason}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A user-facing refusal that needs no "Show Log" detail beyond its words. */
export class UserError extends Error {
  override readonly name = 'UserError';
}
