/**
 * The one error type the git service throws. Callers switch on `code`;
 * `args`, `exitCode`, `stderr` and `stdoutBytes` are kept so a message can say exactly what git refused and why.
 */
export type GitErrorCode =
  | 'GitNotFound'
  | 'WorkingDirectoryMissing'
  | 'NotARepository'
  | 'DubiousOwnership'
  | 'IndexLocked'
  /** A ref's `.lock` exists or a ref update was refused (another git, or one that crashed). */
  | 'RefLocked'
  | 'BadRevision'
  | 'Timeout'
  | 'Cancelled'
  /** The runner is switched off (an untrusted workspace): nothing was spawned. */
  | 'Disabled'
  | 'ParseError'
  | 'Failed';

export interface GitErrorDetails {
  readonly code: GitErrorCode;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly exitCode?: number | null;
  readonly stderr?: string;
  /** What git wrote to stdout before failing, byte for byte. */
  readonly stdoutBytes?: Buffer;
  readonly cause?: unknown;
}

export class GitError extends Error {
  readonly code: GitErrorCode;
  readonly args: readonly string[];
  readonly cwd: string | undefined;
  readonly exitCode: number | null | undefined;
  readonly stderr: string;
  readonly stdoutBytes: Buffer;

  constructor(message: string, details: GitErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'GitError';
    this.code = details.code;
    this.args = details.args;
    this.cwd = details.cwd;
    this.exitCode = details.exitCode;
    this.stderr = details.stderr ?? '';
    this.stdoutBytes = details.stdoutBytes ?? Buffer.alloc(0);
  }

  /** git's own words, first `fatal:`/`error:` line preferred, for user-facing messages. */
  get gitReason(): string {
    return firstMeaningfulLine(this.stderr) || this.message;
  }
}

/** The line of git's stderr that says why: the first `fatal:`/`error:` line, else the first line. */
export function firstMeaningfulLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.find((line) => /^(fatal|error):/.test(line)) ?? lines[0] ?? '';
}

/** Why an operation failed, in git's words when git failed. */
export function failureReason(error: unknown): string {
  return error instanceof GitError ? error.gitReason : (error as Error).message;
}

export function isGitError(value: unknown): value is GitError {
  return value instanceof GitError;
}

/** Classifies a failed git run by its stderr (run with LC_ALL=C, so the English text is stable). */
export function classifyGitFailure(stderr: string): GitErrorCode {
  if (/not a git repository/i.test(stderr)) return 'NotARepository';
  if (/detected dubious ownership/i.test(stderr)) return 'DubiousOwnership';
  if (/index\.lock'?: File exists|Unable to create '[^']*index\.lock'/i.test(stderr)) return 'IndexLocked';
  if (/Unable to create '[^']*\.lock'|cannot lock ref/i.test(stderr)) return 'RefLocked';
  if (/unknown revision|bad revision|not a valid object name|ambiguous argument|invalid reference/i.test(stderr)) {
    return 'BadRevision';
  }
  return 'Failed';
}
