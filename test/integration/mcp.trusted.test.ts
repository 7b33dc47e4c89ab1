import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activatedApi, EXTENSION_ID } from './activated';

describe('The MCP server definition VS Code’s agent mode can start', () => {
  it('is registered where the running VS Code has the MCP API, and points at the bundled CLI', async () => {
    const { api } = await activatedApi();
    const lm = (vscode as unknown as { lm?: { registerMcpServerDefinitionProvider?: unknown } }).lm;
    const hasApi = typeof lm?.registerMcpServerDefinitionProvider === 'function';
    assert.equal(api.testing.mcpServer, hasApi ? 'registered' : 'unavailable');
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    assert.ok(existsSync(path.join(extension.extensionPath, 'dist', 'cli.js')), 'the server’s script is shipped');
    const contributed = extension.packageJSON.contributes.mcpServerDefinitionProviders as Array<{ id: string }>;
    assert.deepEqual(
      contributed.map((provider) => provider.id),
      ['agentWorktrees.mcp'],
    );
  });
});
