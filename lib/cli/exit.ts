import { writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { IoError, describeError, errorLine, isSystemError } from '../io/io-error.js';
import { InputError } from './input.js';
import { oneLine } from './rejects.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Prints a usage error the same way for every binary and exits 2. */
export function usageError(tool: string, message: string): never {
  process.stderr.write(`${tool}: ${oneLine(message)}\nTry '${tool} --help' for more information.\n`);
  process.exit(EXIT_USAGE);
}

/** Prints a failure (I/O error, bad state) as one line and exits 1. */
export function fail(tool: string, message: string): never {
  process.stderr.write(`${tool}: ${oneLine(message, 400)}\n`);
  process.exit(EXIT_FAILURE);
}

/**
 * The one broken-pipe policy: a closed reader (`| head`) is success. For an
 * EPIPE, runs `before` (bsky-jetstream saves its cursor) and exits 0; any
 * other error (or none) returns, for the caller to report.
 */
export function exitOnBrokenPipe(err: unknown, before?: () => void): void {
  if ((err as NodeJS.ErrnoException | null | undefined)?.code !== 'EPIPE') return;
  before?.();
  // A failure already reported (failFlushed, waiting for its output) keeps its exit status.
  process.exit(failing ? EXIT_FAILURE : EXIT_OK);
}

/** Set once failFlushed has printed its line: a reader that goes away meanwhile changes no exit status. */
let failing = false;

/**
 * fail() for a run that has written output: the line at once, then exit 1
 * once what was written to `output` is out. process.exit drops a pipe's
 * pending writes, so exiting at once could lose what was written just before
 * the failure (under --strict, the last events before the bad line, when the
 * reader lagged). Waits as long as the reader does, as a run that ends well
 * does.
 */
export async function failFlushed(tool: string, message: string, output: NodeJS.WritableStream): Promise<never> {
  process.stderr.write(`${tool}: ${oneLine(message, 400)}\n`);
  failing = true;
  const out = output as Partial<Writable>;
  while ((out.writableLength ?? 0) > 0 && !out.destroyed) await new Promise((resolve) => setTimeout(resolve, 5));
  process.exit(EXIT_FAILURE);
}

let quietInstalled = false;

/** Installs, once, the listener by which a closed stdout (`| head`) becomes a quiet exit 0. */
export function quietOnBrokenPipe(): void {
  if (quietInstalled) return;
  quietInstalled = true;
  // Other errors reach whoever is writing (pipeline() rejects) or handleFailures.
  process.stdout.on('error', (err) => exitOnBrokenPipe(err));
}

let failuresHandled = false;

/**
 * The one place where an I/O error that no caller handled (a write to a full
 * stdout, an unwritable path) becomes one line, `TOOL: PATH: CAUSE`, and exit
 * 1 instead of a stack trace. Other errors are bugs and keep their trace.
 * Installed by parseArgs, so every binary has it.
 */
export function handleFailures(tool: string): void {
  if (failuresHandled) return;
  failuresHandled = true;
  const onError = (err: unknown): void => {
    if (err instanceof IoError || err instanceof InputError || isSystemError(err)) fail(tool, errorLine(err));
    process.stderr.write(`${tool}: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(EXIT_FAILURE);
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // Deferred, so that a tool's own handler runs first (bsky-jetstream saves its cursor).
    setImmediate(() => {
      exitOnBrokenPipe(err);
      // Any other stdout error (a full disk: /dev/full) is a failure.
      fail(tool, `stdout: ${describeError(err)}`);
    });
  });
}

/**
 * Writes `text` to stdout at once and exits 0: --help, --version, the spec.
 * A failed write exits 1 with one line naming stdout (`--help > /dev/full`),
 * a closed reader 0, as everywhere.
 */
export function printAndExit(tool: string, text: string): never {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length;) {
    try {
      off += writeSync(1, buf, off);
    } catch (err) {
      // A non-blocking pipe that is full for a moment: wait for its reader.
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      exitOnBrokenPipe(err);
      fail(tool, `stdout: ${describeError(err)}`);
    }
  }
  process.exit(EXIT_OK);
}
