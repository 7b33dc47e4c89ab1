import * as vscode from 'vscode';

/**
 * The parts of VS Code's MCP API (VS Code 1.101 and later) this uses. @types/vscode is pinned to the
 * oldest VS Code the extension supports (1.95), which has none of it: it is looked up at run time.
 */
interface McpApi {
  readonly lm?: {
    readonly registerMcpServerDefinitionProvider?: (
      id: string,
      provider: { provideMcpServerDefinitions(): unknown[] },
    ) => vscode.Disposable;
  };
  readonly McpStdioServerDefinition?: new (
    label: string,
    command: string,
    args?: string[],
    env?: Record<string, string | number | null>,
    version?: string,
  ) => { cwd?: vscode.Uri };
}

export const MCP_PROVIDER_ID = 'agentWorktrees.mcp';

/**
 * Offers `agent-worktrees mcp` (this extension's own dist/cli.js, run by the Node that runs the
 * extension host) to VS Code's agent mode, so it can create and discard agent worktrees that appear
 * in the view. Where the running VS Code has no MCP API, nothing is registered.
 */
export function registerMcpServer(context: vscode.ExtensionContext): 'registered' | 'unavailable' {
  const api = vscode as unknown as McpApi;
  const register = api.lm?.registerMcpServerDefinitionProvider;
  const Definition = api.McpStdioServerDefinition;
  if (typeof register !== 'function' || typeof Definition !== 'function') return 'unavailable';
  const version = String(context.extension.packageJSON.version ?? '0.0.0');
  context.subscriptions.push(
    register(MCP_PROVIDER_ID, {
      provideMcpServerDefinitions: () => {
        const definition = new Definition(
          'Agent Worktrees',
          process.execPath,
          [context.asAbsolutePath('dist/cli.js'), 'mcp'],
          // VS Code's own executable runs scripts as Node only with this set (harmless for Node itself).
          { ELECTRON_RUN_AS_NODE: '1' },
          version,
        );
        const folder = vscode.workspace.workspaceFolders?.find((candidate) => candidate.uri.scheme === 'file');
        if (folder) definition.cwd = folder.uri;
        return [definition];
      },
    }),
  );
  return 'registered';
}
