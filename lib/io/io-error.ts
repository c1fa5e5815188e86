/**
 * An I/O failure that names what it concerns (`state/periodic.json: ENOSPC:
 * no space left on device`): the one line a tool prints before exiting 1.
 */
export class IoError extends Error {
  readonly code?: string;
  /** The cause in words, without the path. */
  readonly reason: string;

  constructor(readonly path: string, cause: unknown) {
    const reason = cause instanceof IoError ? cause.reason : describeError(cause);
    super(`${path}: ${reason}`);
    this.reason = reason;
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

/**
 * The cause of an error, without the path or the system call that Node puts
 * in its messages: `ENOSPC: no space left on device, write` gives
 * `ENOSPC: no space left on device`.
 */
export function describeError(err: unknown): string {
  if (err instanceof IoError) return err.reason;
  const e = err as NodeJS.ErrnoException | undefined;
  const message = e?.message ?? String(err);
  if (!e?.code) return message;
  const m = /^[A-Z0-9_]+: (.*?)(?:, \w+(?: '.*')?(?: -> '.*')?)?$/s.exec(message);
  return `${e.code}: ${m ? m[1] : message}`;
}

/** Whether an error is a system error (it has an errno code), as opposed to a bug or bad data. */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return typeof (err as NodeJS.ErrnoException | undefined)?.code === 'string' && /^E[A-Z0-9]+$/.test((err as NodeJS.ErrnoException).code!);
}

/** Whether an error means the disk (or its quota) is full: what a long-running writer waits out. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** The one line to print for a failure: an IoError's message, a system error with the path Node gives it, or the message. */
export function errorLine(err: unknown): string {
  if (err instanceof IoError) return err.message;
  if (isSystemError(err)) return err.path ? `${err.path}: ${describeError(err)}` : describeError(err);
  return (err as Error)?.message ?? String(err);
}
