import { closeSync, createReadStream, fstatSync, openSync, read } from 'node:fs';
import { promisify } from 'node:util';
import { describeError } from '../io/io-error.js';

/** A read error of an input, its message naming the input: `stdin: ...`, `FILE: ...`. */
export class InputError extends Error {}

/**
 * The chunks of one input (a file, or stdin for '-'), until the end or until
 * the signal aborts: what was read by then is still handed over. A read
 * error becomes an InputError naming the input. A chunk is valid until the
 * next one is asked for: regular files are read into one reused buffer (a
 * new buffer per chunk is garbage that waits for a full GC: tens of MB at
 * full speed); pipes and terminals through a stream, whose reads the signal
 * can interrupt.
 */
export async function* readInput(source: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  if (signal?.aborted) return;
  const name = source === '-' ? 'stdin' : source;
  let fd: number;
  let isFile: boolean;
  try {
    fd = source === '-' ? 0 : openSync(source, 'r');
    isFile = fstatSync(fd).isFile();
  } catch (err) {
    throw new InputError(`${name}: ${describeError(err)}`);
  }
  if (isFile) {
    yield* readFile(fd, name, signal);
    return;
  }
  // The fd already open is read, not the path again: closing a FIFO and reopening it
  // leaves its writer with no reader for a moment, and it dies of SIGPIPE.
  const input = source === '-' ? process.stdin : createReadStream('', { fd, highWaterMark: 1 << 18 });
  // Destroying the input wakes a read that waits on an idle pipe.
  const stop = (): void => void input.destroy();
  signal?.addEventListener('abort', stop);
  try {
    for await (const chunk of input) {
      yield chunk as Buffer;
      if (signal?.aborted) return;
    }
  } catch (err) {
    if (!signal?.aborted) throw new InputError(`${name}: ${describeError(err)}`);
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

const readAsync = promisify(read);

async function* readFile(fd: number, name: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const buf = Buffer.allocUnsafeSlow(1 << 18);
  try {
    for (;;) {
      let n: number;
      try {
        ({ bytesRead: n } = await readAsync(fd, buf, 0, buf.length, null));
      } catch (err) {
        throw new InputError(`${name}: ${describeError(err)}`);
      }
      if (n === 0) return;
      yield buf.subarray(0, n);
      if (signal?.aborted) return;
    }
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}
