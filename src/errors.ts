/**
 * The error vocabulary. A UserError is something the user can fix (bad option, missing file,
 * missing key) and carries its exit code; an HttpError keeps the server's status and JSON body;
 * anything else is a bug and is printed with its stack.
 */

/** Exit codes, one per way a run can end, so scheduled jobs can branch on them. */
export const ExitCode = {
  ok: 0,
  /** An unexpected failure: a bug, printed with its stack. */
  bug: 1,
  /** Bad options, missing or unreadable input, missing API key. */
  usage: 2,
  /** The HTTP retries ran out; the checkpoint is saved and a rerun resumes. */
  fetchFailed: 3,
  /** The OpenAlex daily budget (or --budget-usd) is spent; the checkpoint is saved. */
  budgetExhausted: 4,
  /** An invariant check on the aggregated numbers failed: the numbers are not published. */
  invariant: 5,
  /**
   * Another run holds the database or the output folder (its lock file names the holder: pid, host,
   * start time); nothing was done. `--wait <seconds>` waits for it instead.
   */
  busy: 6,
  /**
   * `--fail-on-change`: a count of a complete year moved by more than --change-threshold since the
   * last published run. The outputs are written and the run recorded all the same; the code tells
   * a scheduled job to hold publication for a human look (runs/<run id>/diff.csv).
   */
  changed: 7,
  /** Stopped by SIGINT/SIGTERM (128 + 2, as shells report Ctrl-C); what was committed is kept and a rerun resumes. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.usage,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    /** The URL with any credentials removed: safe to print. */
    readonly safeUrl: string,
    /** The server's body, parsed as JSON where it was JSON, else the text. */
    readonly body: unknown,
  ) {
    const detail =
      typeof body === 'object' && body !== null && 'message' in body ? String((body as { message: unknown }).message) : '';
    super(`HTTP ${status} from ${safeUrl}${detail ? `: ${detail}` : ''}`);
    this.name = 'HttpError';
  }
}

/** Why a file-system call failed, as a user can act on it; the errno's own message otherwise. */
export function fsReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOTDIR: 'a part of the path is a file, not a folder',
    EEXIST: 'a part of the path is a file, not a folder',
    EACCES: 'permission denied',
    EPERM: 'not permitted',
    EROFS: 'the filesystem is read-only',
    ENOSPC: 'no space left on the device',
  };
  return (err.code !== undefined ? why[err.code] : undefined) ?? err.message;
}

/** Raised when an aggregate fails a consistency check; the run stops before anything is written. */
export class InvariantError extends UserError {
  constructor(message: string) {
    super(`invariant failed: ${message}`, ExitCode.invariant);
    this.name = 'InvariantError';
  }
}
