import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { IoError } from './io-error.js';

/**
 * Creates a folder and its parents, or throws an IoError naming it with the
 * real cause: Node's recursive mkdir says ENOENT where the parent is
 * read-only (EROFS), and EEXIST where a file is in the way (ENOTDIR here).
 */
export function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      // The first missing folder, made alone, gives the true error.
      let missing = resolve(dir);
      while (!existsSync(dirname(missing))) missing = dirname(missing);
      try {
        mkdirSync(missing);
      } catch (inner) {
        throw new IoError(dir, inner);
      }
    }
    if (code !== 'EEXIST') throw new IoError(dir, err);
  }
  if (!statSync(dir).isDirectory()) throw new IoError(dir, Object.assign(new Error('ENOTDIR: not a directory'), { code: 'ENOTDIR' }));
}
