import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EXIT_OK, exitOnBrokenPipe, fail, usageError, type ToolSpec } from '../cli/tool.js';
import { oneLine } from '../cli/rejects.js';
import { describeError } from '../io/io-error.js';
import { readCursorFile } from './cursor-file.js';
import { followJetstream } from './follow.js';
import { settingsFromArgs, type JetstreamArgs } from './options.js';

/**
 * Runs bsky-jetstream until a signal or a closed stdout: both save the cursor
 * and exit 0. Diagnostics go to stderr, a live status line when it is a terminal.
 */
export function runJetstream(spec: ToolSpec, args: JetstreamArgs): void {
  const settings = settingsFromArgs(args);
  if (typeof settings === 'string') usageError(spec.name, settings);
  let cursor = settings.startCursor;
  if (settings.cursorFile && !existsSync(dirname(resolve(settings.cursorFile)))) {
    fail(spec.name, `--cursor-file ${settings.cursorFile}: no such directory ${dirname(resolve(settings.cursorFile))}`);
  }
  if (cursor === undefined && settings.cursorFile) {
    try {
      cursor = readCursorFile(settings.cursorFile);
    } catch (err) {
      // Starting live would leave a silent gap: refuse, and let the user decide.
      fail(spec.name, `--cursor-file ${(err as Error).message}`);
    }
  }
  const tty = Boolean(process.stderr.isTTY) && !args.quiet;
  let statusShown = false;
  const clearStatus = (): void => {
    if (statusShown) process.stderr.write('\r\x1b[K');
    statusShown = false;
  };
  const log = args.quiet ? () => {} : (line: string) => {
    clearStatus();
    process.stderr.write(`${spec.name}: ${oneLine(line, 300)}\n`);
  };
  const status = tty ? (line: string) => {
    process.stderr.write(`\r\x1b[K${spec.name}: ${line}`);
    statusShown = true;
  } : undefined;
  const follower = followJetstream({ ...settings, cursor, log, status, out: process.stdout });
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // A closed reader (`| head`) is success: keep what was handed over, then leave quietly.
    exitOnBrokenPipe(err, () => follower.saveNow());
    fail(spec.name, `stdout: ${describeError(err)}`);
  });
  let finishing = false;
  const finish = async (): Promise<void> => {
    if (finishing) return;
    finishing = true;
    const counts = await follower.stop();
    clearStatus();
    if (!args.quiet) {
      const at = counts.cursor === undefined ? 'no cursor' : `cursor ${counts.cursor}`;
      process.stderr.write(`${spec.name}: ${counts.events} events, ${counts.skipped} skipped, ${counts.connections} connections, ${at}\n`);
    }
    process.exit(EXIT_OK);
  };
  // Stay subscribed (on, not once): a second signal while stopping must not kill the run before the cursor is saved.
  process.on('SIGINT', finish);
  process.on('SIGTERM', finish);
}
