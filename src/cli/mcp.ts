// `agent-worktrees mcp`: an MCP server over stdio (the official TypeScript SDK) whose tools are the
// CLI's operations. No tool loses work without an explicit `force: true`; destructive tools say so
// in their annotations.
import * as path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod/v4';
import {
  asOperationError,
  compareAttemptsOf,
  createAgentWorktree,
  createAttempts,
  describeBlocked,
  describeLoss,
  executeRemoval,
  failIfRefused,
  GitService,
  getAgentChanges,
  keep,
  listTrash,
  MAX_ATTEMPTS,
  planRemoval,
  refuseNonAgentTargets,
  requireRepository,
  restoreFromTrash,
  WorktreeOperationError,
} from '../agents';
import { GitRunner } from '../git';
import { listing } from './listing';

type ToolResult = { content: { type: 'text'; text: string }[]; isError?: boolean };

/** A tool's answer: its result as JSON text, or `{ error: { code, message } }` marked as an error. */
async function answer(run: () => Promise<unknown>): Promise<ToolResult> {
  try {
    return { content: [{ type: 'text', text: JSON.stringify((await run()) ?? null, null, 2) }] };
  } catch (error) {
    const refusal = asOperationError(error);
    const code = refusal instanceof WorktreeOperationError ? refusal.code : 'failed';
    return { content: [{ type: 'text', text: JSON.stringify({ error: { code, message: refusal.message } }) }], isError: true };
  }
}

const repoPath = z.string().min(1).optional().describe('A folder of the repository (default: where the server was started)');
const worktreePath = z.string().min(1).describe('The agent worktree’s folder');

export function createMcpServer(cwd: string, version: string): McpServer {
  const service = new GitService(new GitRunner());
  const server = new McpServer({ name: 'agent-worktrees', version });
  const resolve = (folder: string | undefined) => path.resolve(cwd, folder ?? '.');
  const commonDirOf = async (folder: string | undefined) => (await requireRepository(service, resolve(folder))).commonDir;

  server.registerTool(
    'list_worktrees',
    {
      title: 'List worktrees',
      description: 'Every worktree of the repository: status counts, agent task, commits since base, base drift.',
      inputSchema: { repoPath },
      annotations: { readOnlyHint: true },
    },
    ({ repoPath: folder }) =>
      answer(async () => listing(service, await service.readRepository({ commonDir: await commonDirOf(folder) }))),
  );
  server.registerTool(
    'create_agent_worktree',
    {
      title: 'Create an agent worktree',
      description: 'A new worktree on its own branch for an agent task; the user’s checkout is not touched.',
      inputSchema: {
        repoPath,
        task: z.string().describe('What the agent is to do'),
        name: z.string().optional().describe('The worktree and branch name (default: from the task)'),
        baseRef: z.string().optional().describe('The commit to start from (default: HEAD)'),
        includeUncommitted: z.boolean().optional().describe('Bring the current uncommitted changes along'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    },
    (args) =>
      answer(() =>
        createAgentWorktree(service, {
          repoPath: resolve(args.repoPath),
          task: args.task,
          name: args.name,
          baseRef: args.baseRef,
          includeUncommitted: args.includeUncommitted === true,
        }),
      ),
  );
  registerAttemptTools(server, service, resolve);
  registerReviewTools(server, service, resolve);
  registerRemovalTools(server, service, resolve, commonDirOf);
  return server;
}

function registerAttemptTools(server: McpServer, service: GitService, resolve: (folder: string | undefined) => string): void {
  server.registerTool(
    'create_attempts',
    {
      title: 'Create several attempts at one task',
      description: `Best of N: 2–${MAX_ATTEMPTS} agent worktrees <name>-1…<name>-N from the same base commit, one per attempt; all or nothing.`,
      inputSchema: {
        repoPath,
        task: z.string().describe('What every attempt’s agent is to do'),
        count: z.number().int().optional().describe('How many attempts (default: one per agent command)'),
        agentCommands: z
          .array(z.string().min(1))
          .optional()
          .describe('The agent command to record: one for all, or one per attempt'),
        name: z.string().optional().describe('The name the attempts are numbered after (default: from the task)'),
        baseRef: z.string().optional().describe('The commit to start from (default: HEAD)'),
        includeUncommitted: z.boolean().optional().describe('Bring the current uncommitted changes into every attempt'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    },
    (args) =>
      answer(() =>
        createAttempts(service, {
          repoPath: resolve(args.repoPath),
          task: args.task,
          name: args.name,
          baseRef: args.baseRef,
          includeUncommitted: args.includeUncommitted === true,
          attempts: attemptSpecs(args.count, args.agentCommands ?? []),
        }),
      ),
  );
  server.registerTool(
    'compare_attempts',
    {
      title: 'Compare the attempts',
      description:
        'Every attempt of the task this agent worktree is one of: files, ± lines and commits of each, and the files several attempts changed.',
      inputSchema: { worktreePath },
      annotations: { readOnlyHint: true },
    },
    ({ worktreePath: folder }) => answer(() => compareAttemptsOf(service, resolve(folder))),
  );
}

/** One attempt per agent command, or `count` attempts that share the one given (or none). */
function attemptSpecs(count: number | undefined, agentCommands: readonly string[]) {
  if (agentCommands.length > 1 && count !== undefined && count !== agentCommands.length) {
    throw new WorktreeOperationError(
      'invalid',
      `${agentCommands.length} agent commands for ${count} attempts: give one, or one per attempt.`,
    );
  }
  const attempts = count ?? agentCommands.length;
  return Array.from({ length: attempts }, (_, index) => ({
    agentCommand: agentCommands.length > 1 ? agentCommands[index] : agentCommands[0],
  }));
}

function registerReviewTools(server: McpServer, service: GitService, resolve: (folder: string | undefined) => string): void {
  server.registerTool(
    'get_agent_changes',
    {
      title: 'What the agent changed',
      description: 'The agent’s changes against its base (or since the last keep): files, line counts and the patch.',
      inputSchema: { worktreePath, since: z.enum(['kept', 'base']).optional() },
      annotations: { readOnlyHint: true },
    },
    ({ worktreePath: folder, since }) =>
      answer(async () => {
        const { patch, ...changes } = await getAgentChanges(service, resolve(folder), { since });
        return { ...changes, patch: patch.toString('utf8') };
      }),
  );
  server.registerTool(
    'keep_agent_work',
    {
      title: 'Keep the agent’s work',
      description:
        'Apply the agent’s work (all, some files, some hunks) onto the worktree it came from, next to the user’s own edits; undoable.',
      inputSchema: {
        worktreePath,
        files: z.array(z.string()).optional().describe('Keep only these files'),
        hunks: z
          .record(z.string(), z.array(z.number().int().min(0)))
          .optional()
          .describe('file → hunk indexes (0-based)'),
        target: z.string().optional().describe('Apply here instead'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    },
    (args) =>
      answer(() =>
        keep(service, resolve(args.worktreePath), {
          files: args.files,
          hunks: args.hunks,
          target: args.target === undefined ? undefined : resolve(args.target),
        }),
      ),
  );
}

function registerRemovalTools(
  server: McpServer,
  service: GitService,
  resolve: (folder: string | undefined) => string,
  commonDirOf: (folder: string | undefined) => Promise<string>,
): void {
  server.registerTool(
    'discard_agent_worktree',
    {
      title: 'Discard an agent worktree',
      description:
        'Remove the agent worktree and its branch. Refused when it would lose work unless force is true; what it would lose is saved to the trash first (restore_from_trash brings it back).',
      inputSchema: {
        worktreePath,
        force: z.boolean().optional().describe('Confirm losing uncommitted files and unique commits'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    },
    ({ worktreePath: folder, force }) =>
      answer(async () => {
        const target = resolve(folder);
        const plan = await planRemoval(service, [{ path: target, commonDir: await commonDirOf(target) }], { deleteBranch: true });
        if (plan.blocked) throw new WorktreeOperationError('blocked', describeBlocked(plan));
        refuseNonAgentTargets(plan);
        if (plan.losesWork && force !== true) throw new WorktreeOperationError('needs-confirmation', describeLoss(plan));
        const outcomes = await executeRemoval(service, plan, { deleteBranch: true, force: force === true });
        failIfRefused(outcomes);
        return outcomes[0];
      }),
  );
  server.registerTool(
    'list_trash',
    {
      title: 'List the trash',
      description: 'What confirmed removals saved before removing.',
      inputSchema: { repoPath },
      annotations: { readOnlyHint: true },
    },
    ({ repoPath: folder }) => answer(async () => listTrash(service, await commonDirOf(folder))),
  );
  server.registerTool(
    'restore_from_trash',
    {
      title: 'Restore discarded work',
      description: 'Bring a trash item back as a worktree on its branch, with its files as they were.',
      inputSchema: {
        repoPath,
        id: z.string().min(1),
        path: z.string().optional().describe('Where (default: where it was)'),
        branch: z.string().optional().describe('A new branch name, when the old one now points elsewhere'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    },
    (args) =>
      answer(async () =>
        restoreFromTrash(service, await commonDirOf(args.repoPath), args.id, {
          path: args.path === undefined ? undefined : resolve(args.path),
          branch: args.branch,
        }),
      ),
  );
}

/** Serves until the client closes stdin. */
export async function serveMcp(cwd: string, version: string): Promise<void> {
  const server = createMcpServer(cwd, version);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  await closed;
}
