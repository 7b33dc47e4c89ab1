/** Harness progress lines, prefixed so they stand out between test output. */
export function say(message: string): void {
  process.stderr.write(`[harness] ${message}\n`);
}

/** The last lines of a log, for a failure message that explains itself. */
export function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}
