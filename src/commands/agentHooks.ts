import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';

// Claude Code's hooks, when the user turns them on (`agentWorktrees.agentHooks`): it then says
// itself when it waits for permission or input and when it is back at work, so "waiting" is exact
// rather than guessed from quiet time. The hooks live in a settings file in git's admin folder of
// the agent worktree, loaded with `claude --settings`: never in the checkout, never committed,
// never part of a review, and removed by git with the worktree.

/** The settings file the agent is started with, and the file its hooks write its state to. */
export const HOOKS_FILE = 'agent-hooks.json';
export const STATUS_FILE = 'agent-status';
export const HOOKS_VARIABLE = 'AGENT_WORKTREES_HOOKS_FILE';
export const STATUS_VARIABLE = 'AGENT_WORKTREES_STATUS_FILE';

/** Whether a command line starts Claude Code (by its program's file name). */
export function startsClaudeCode(program: string | undefined): boolean {
  return program !== undefined && /^claude(\.exe|\.cmd)?$/i.test(path.basename(program));
}

/** Whether a command line starts Codex (by its program's file name). */
export function startsCodex(program: string | undefined): boolean {
  return program !== undefined && /^codex(\.exe|\.cmd)?$/i.test(path.basename(program));
}

/**
 * Codex's documented `notify` setting, given on its command line (`-c`): at the end of each turn
 * it runs this program, which writes `waiting` to the state file. It says nothing when Codex is at
 * work again, so that state holds until Codex prints (the tracker's `until: 'output'`). POSIX
 * shells only: the words are single-quoted for sh.
 */
export function withCodexNotify(commandLine: string, program: string): string {
  if (process.platform === 'win32') return commandLine;
  if (!commandLine.startsWith(program) || !/^(\s|$)/.test(commandLine.slice(program.length))) return commandLine;
  // TOML inside single quotes: the shell passes it as it is; the variable is expanded by sh at notify time.
  const notify = `notify=["sh","-c","printf waiting > \\"$${STATUS_VARIABLE}\\""]`;
  return `${program} -c '${notify}'${commandLine.slice(program.length)}`;
}

/** Where the agent's hooks write its state: in the admin folder, named in the terminal's environment. */
function statusEnvironment(adminDir: string): Record<string, string> {
  return { [STATUS_VARIABLE]: path.join(adminDir, STATUS_FILE) };
}

function writing(state: 'working' | 'waiting') {
  // The path comes from the terminal's environment, by reference: nothing from data is spliced in.
  return [{ type: 'command', command: `printf ${state} > "$${STATUS_VARIABLE}"` }];
}

/**
 * Writes the hooks file into the worktree's admin folder; returns the environment the agent's
 * terminal needs (where the hooks file is, where its state goes).
 */
export async function writeClaudeHooks(adminDir: string): Promise<Record<string, string>> {
  const hooksFile = path.join(adminDir, HOOKS_FILE);
  const settings = {
    hooks: {
      // Permission asked, or idle waiting for the next prompt.
      Notification: [{ hooks: writing('waiting') }],
      // Its turn is over: the next move is the user's.
      Stop: [{ hooks: writing('waiting') }],
      UserPromptSubmit: [{ hooks: writing('working') }],
      PreToolUse: [{ matcher: '*', hooks: writing('working') }],
      PostToolUse: [{ matcher: '*', hooks: writing('working') }],
    },
  };
  await writeFile(hooksFile, `${JSON.stringify(settings, null, 2)}\n`);
  return { [HOOKS_VARIABLE]: hooksFile, ...statusEnvironment(adminDir) };
}

/**
 * Claude Code's command line with the hooks file loaded (by variable reference), when the line
 * starts with its program as written (`claude …`, `/path/to/claude …`); unchanged otherwise.
 */
export function withHooksSettings(commandLine: string, program: string): string {
  if (!commandLine.startsWith(program) || !/^(\s|$)/.test(commandLine.slice(program.length))) return commandLine;
  const reference = process.platform === 'win32' ? `$env:${HOOKS_VARIABLE}` : `"$${HOOKS_VARIABLE}"`;
  return `${program} --settings ${reference}${commandLine.slice(program.length)}`;
}

/**
 * The launch line of an agent that can say what it does, with its hooks given, the environment
 * they need, and how long what they declare holds; the line unchanged (no hooks) for other agents
 * or a line that does not start with the program as written.
 */
export async function withAgentHooks(
  launch: string,
  program: string,
  adminDir: string,
): Promise<{
  launch: string;
  env: Record<string, string>;
  declares: { statusFile: string; until: 'declaration' | 'output' } | undefined;
}> {
  const statusFile = path.join(adminDir, STATUS_FILE);
  const claude = startsClaudeCode(program) ? withHooksSettings(launch, program) : launch;
  if (claude !== launch)
    return { launch: claude, env: await writeClaudeHooks(adminDir), declares: { statusFile, until: 'declaration' } };
  // Codex says only when its turn is over: that holds until it prints again.
  const codex = startsCodex(program) ? withCodexNotify(launch, program) : launch;
  if (codex !== launch) return { launch: codex, env: statusEnvironment(adminDir), declares: { statusFile, until: 'output' } };
  return { launch, env: {}, declares: undefined };
}
