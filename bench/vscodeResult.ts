// What bench/vscode.ts (its own process) reports to bench/run.ts.

export interface PaintResult {
  readonly files: number;
  readonly diffLines: number;
  /** Ours: the page's own render of the review message until the list and the first diff are painted. */
  readonly oursMs: number[];
  /** diff2html rendering the whole patch eagerly, in the same page, until painted. */
  readonly eagerMs: number[];
  /** From clicking Review Changes on the worktree's row to its file list on screen (capture included). */
  readonly endToEndMs: number;
  /** Of which: until VS Code had created the webview and loaded the page's HTML. */
  readonly pageLoadedMs: number;
}

export interface ActivationResult {
  /** What VS Code's "Running Extensions" editor reports for Agent Worktrees. */
  readonly activationText: string;
  /** One per window load; NaN where the text could not be read. */
  readonly activationMs: number[];
  readonly hostBundleBytes: number;
  readonly pageBundleBytes: number;
  /** diff2html's markers found in the extension host bundle (should be none). */
  readonly diff2htmlInHost: string[];
}

export interface VsCodeResult {
  readonly paint: PaintResult;
  readonly activation: ActivationResult;
}
