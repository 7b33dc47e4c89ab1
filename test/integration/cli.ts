import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './activated';

const run = promisify(execFile);

/**
 * Runs the shipped `dist/cli.js` as a separate process with the extension host's own Node, as a
 * terminal agent (or VS Code's agent mode through the MCP server) would; its stdout.
 */
export async function cli(args: string[]): Promise<string> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension);
  const { stdout } = await run(process.execPath, [path.join(extension.extensionPath, 'dist', 'cli.js'), ...args], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  return stdout;
}
