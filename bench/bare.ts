import { createReadStream } from 'node:fs';
import split2 from 'split2';

/**
 * The baseline: the practical limit for Node. Reads NDJSON (a file named as
 * the argument, or stdin), splits it with split2, parses each line with
 * JSON.parse, and prints the count. Nothing is validated or written.
 */
const input = process.argv[2] ? createReadStream(process.argv[2]) : process.stdin;
let lines = 0;
for await (const line of input.pipe(split2())) {
  if ((line as string).length === 0) continue;
  JSON.parse(line as string);
  lines++;
}
process.stdout.write(`${lines}\n`);
