import { createInterface } from 'node:readline/promises';

/** What a command reads and writes: the process's streams, or a test's. */
export interface CliIo {
  readonly cwd: string;
  stdout(text: string | Buffer): void;
  stderr(text: string): void;
  /**
   * Asks a yes/no question, only on a terminal; undefined when there is none to ask (stdin is not a
   * TTY: a script, an agent, CI), so the command refuses instead of hanging.
   */
  confirm(question: string): Promise<boolean | undefined>;
}

export function processIo(): CliIo {
  return {
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    confirm: async (question) => {
      if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
      } finally {
        prompt.close();
      }
    },
  };
}
