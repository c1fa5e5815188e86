import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { IoError } from '../io/io-error.js';
import { makeDir } from '../io/make-dir.js';
import { lockProcess, type HeldLock } from '../lock/process-lock.js';
import { recoverOrphans, refuseOther, SPOOL_LOCK } from './segments.js';

/**
 * Makes this process the spool's one writer for its lifetime (a second would
 * double every count), then publishes what dead writers left. Throws, with a
 * message naming the spool and the holder, when another writer has it.
 */
export async function takeSpool(spool: string, tool: string): Promise<HeldLock> {
  try {
    makeDir(spool);
    // Said now, naming the spool, before the lock file or any input (EROFS is reported to root too).
    accessSync(spool, constants.W_OK);
  } catch (err) {
    throw err instanceof IoError ? err : new IoError(spool, err);
  }
  const lock = await lockProcess(join(spool, SPOOL_LOCK), { tool, staleMs: 30_000 });
  if ('holder' in lock) throw new Error(`spool ${spool} is in use by ${lock.holder}`);
  recoverOrphans(spool, refuseOther);
  return lock.held;
}
