import { parse } from 'shell-quote';
import which from 'which';

/**
 * Agent CLIs offered when no `agentWorktrees.agentCommand` is set, and where each says how to
 * install it (shown instead of a `command not found` in a terminal).
 */
export const AGENT_PRESETS = [
  {
    label: 'Claude Code',
    command: 'claude',
    takesPrompt: true,
    installPage: 'https://docs.anthropic.com/en/docs/claude-code/setup',
  },
  { label: 'Codex', command: 'codex', takesPrompt: true, installPage: 'https://github.com/openai/codex#quickstart' },
  { label: 'Aider', command: 'aider', takesPrompt: false, installPage: 'https://aider.chat/docs/install.html' },
  {
    label: 'Gemini CLI',
    command: 'gemini',
    takesPrompt: false,
    installPage: 'https://github.com/google-gemini/gemini-cli#quickstart',
  },
  {
    label: 'Copilot CLI',
    command: 'copilot',
    takesPrompt: false,
    installPage: 'https://docs.github.com/en/copilot/how-tos/set-up/install-copilot-cli',
  },
] as const;

/** The install page of a preset agent's program (by its file name, so `/usr/local/bin/claude` counts). */
export function installPageOf(program: string): string | undefined {
  const name = program.split(/[\\/]/).pop();
  return AGENT_PRESETS.find((preset) => preset.command === name)?.installPage;
}

/**
 * The program a command line starts: its first word after any `NAME=value` assignments, quotes
 * removed. Undefined when the line starts with something else (a subshell, an operator, a variable).
 */
export function programOf(commandLine: string): string | undefined {
  // Variables stay as they are written (never expanded here): `$HOME/bin/x` is not a name to look up.
  const words = parse(commandLine, (name) => `$${name}`);
  for (const word of words) {
    if (typeof word !== 'string') return undefined;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) continue;
    return word === '' || word.includes('$') ? undefined : word;
  }
  return undefined;
}

/** Words the shell runs itself (builtins, reserved words): never on PATH, always there. */
const SHELL_OWN = new Set([
  ...['.', ':', '[', 'alias', 'bg', 'builtin', 'cd', 'command', 'echo', 'eval', 'exec', 'exit', 'export', 'false'],
  ...['fg', 'hash', 'jobs', 'printf', 'pwd', 'read', 'set', 'source', 'test', 'times', 'trap', 'true', 'type', 'ulimit'],
  ...['umask', 'unset', 'wait', 'if', 'for', 'while', 'until', 'case', 'time', '!', '{'],
]);

/**
 * Whether `program` can be started with this PATH: a path is checked as it is, a name looked up
 * on PATH (with PATHEXT on Windows). Undefined: it cannot be told (a variable, a subshell).
 */
export async function programFound(program: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (SHELL_OWN.has(program)) return true;
  const found = await which(program, { path: env.PATH ?? env.Path ?? '', nothrow: true });
  return found !== null;
}
