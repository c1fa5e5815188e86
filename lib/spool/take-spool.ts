import { join } from 'node:path';
import { lockProcess, type HeldLock } from '../lock/process-lock.js';
import { recoverOrphans, skipNote, SPOOL_LOCK } from './segments.js';

/**
 * Makes this process the spool's one writer for its lifetime (a second would
 * double every count), then publishes what dead writers left. Throws, with a
 * message naming the spool and the holder, when another writer has it.
 */
export async function takeSpool(spool: string, tool: string): Promise<HeldLock> {
  const lock = await lockProcess(join(spool, SPOOL_LOCK), { tool, staleMs: 30_000 });
  if ('holder' in lock) throw new Error(`spool ${spool} is in use by ${lock.holder}`);
  recoverOrphans(spool, skipNote(tool));
  return lock.held;
}
