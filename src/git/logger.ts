/**
 * What the git service needs from a log. `extension.ts` backs it with a `LogOutputChannel`;
 * tests back it with an array. Passed in, never a module-level singleton.
 */
export interface Logger {
  trace(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
}

export const silentLogger: Logger = {
  trace: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
