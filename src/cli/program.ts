// `agent-worktrees`: the extension's operations from a terminal, on the same service (no second
// implementation of any rule). Every command takes --json, -q, --repo and --yes/--force; exit codes:
// 0 done, 1 git or I/O failed, 2 usage error, 3 refused for safety or needs confirmation.
import { Command, CommanderError, Option } from 'commander';
import { cliCommands } from './commands';
import type { CliIo } from './io';

export const EXIT = { done: 0, failed: 1, usage: 2, refused: 3 } as const;

/** Runs one command line; resolves to its exit code (never exits the process itself). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command('agent-worktrees')
    .description('Isolated git worktrees for coding agents: create, review, keep, discard — with every guard.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) })
    .showHelpAfterError('(add --help for usage)');
  const failures: { code: number }[] = [];
  for (const define of cliCommands) {
    const command = define(program, io, (code) => failures.push({ code }));
    command
      .option('--json', 'one JSON document on stdout')
      .option('-q, --quiet', 'print nothing but errors')
      .option('--repo <path>', 'a folder of the repository (default: the current directory)')
      .addOption(new Option('-y, --yes', 'confirm what would otherwise be asked'))
      .addOption(new Option('-f, --force', 'the same as --yes: lose nothing that is not saved to the trash first'))
      .exitOverride();
  }
  try {
    await program.parseAsync(['node', 'agent-worktrees', ...argv]);
    return failures[0]?.code ?? EXIT.done;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with code 0; anything else commander refuses is a usage error.
      return error.exitCode === 0 ? EXIT.done : EXIT.usage;
    }
    io.stderr(`agent-worktrees: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}
