import * as vscode from 'vscode';
import type { CheckResult } from '../agents';

export const CHECK_OUTPUT_SCHEME = 'agent-worktrees-check';

/**
 * Each attempt's last check output, as a read-only document (`Show Output`): kept per attempt for
 * this window's life. A URI names an entry by key only; content comes from this map, nothing else.
 */
export class CheckOutputs implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly outputs = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  uriOf(group: string, index: number, name: string): vscode.Uri {
    return vscode.Uri.from({ scheme: CHECK_OUTPUT_SCHEME, path: `/${name} check.log`, query: `${group}/${index}` });
  }

  /** `ran`: which command, in which folder (the log's first lines, so it says what it is the output of). */
  set(group: string, index: number, name: string, result: CheckResult, ran: { command: string; cwd: string }): void {
    const head =
      `$ ${ran.command}\n  (in ${ran.cwd})\n\n` +
      (result.truncated
        ? `… (the first part of the output was left out: the last ${result.output.length} characters follow)\n`
        : '');
    const ending = result.problem ?? `exit code ${result.exitCode}${result.signal ? ` (${result.signal})` : ''}`;
    this.outputs.set(
      `${group}/${index}`,
      `${head}${result.output}\n— ${ending}, after ${(result.durationMs / 1000).toFixed(1)} s\n`,
    );
    this.changed.fire(this.uriOf(group, index, name));
  }

  /** What a check printed, for tests and the API. */
  get(group: string, index: number): string | undefined {
    return this.outputs.get(`${group}/${index}`);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.outputs.get(uri.query) ?? 'The check has not run in this attempt yet (Run Check in Compare Attempts).';
  }

  dispose(): void {
    this.changed.dispose();
  }
}
