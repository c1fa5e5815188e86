import type { Rng } from './rng.js';

/** A malformed line; blank lines are counted apart, since parsers skip them without rejecting them. */
export interface Malformed {
  line: string | Buffer;
  blank: boolean;
  /** What is wrong with it, for tests and debugging. */
  kind: 'truncated' | 'utf8' | 'blank' | 'did' | 'missing' | 'not-object' | 'deep';
}

const BAD_DIDS = ['did:plc:', 'not-a-did', 'did:PLC:abc', 'did:plc:abc def', '', 'plc:ewvi7nxzyoun6zhxrhs64oiz'];
const NOT_OBJECTS = ['[1, 2, 3]', '"<binary>"', '42', 'null', 'true', '[]'];
const BAD_BYTES = [[0xff], [0xc3, 0x28], [0xe3, 0x81], [0xed, 0xa0, 0x80], [0xc0, 0xaf]];

type Obj = Record<string, unknown>;

/**
 * A malformed line in the style of real captures, made from the line just
 * written: cut short, with invalid UTF-8 bytes, blank, with a bad DID, with a
 * field missing, a JSON value that is not an object, or nested too deep.
 * Every one but the blank line is rejected by bsky-parse.
 */
export function malformed(rng: Rng, line: string, jetstream: boolean): Malformed {
  const r = rng.float();
  if (r < 0.25) {
    let cut = rng.int(1, line.length - 1);
    // Do not split a surrogate pair: the line must stay valid text.
    if (cut > 1 && (line.charCodeAt(cut - 1) & 0xfc00) === 0xd800) cut--;
    return { line: line.slice(0, cut), blank: false, kind: 'truncated' };
  }
  if (r < 0.4) {
    const bytes = Buffer.from(line);
    const at = rng.int(1, bytes.length - 1);
    return { line: Buffer.concat([bytes.subarray(0, at), Buffer.from(rng.pick(BAD_BYTES)), bytes.subarray(at)]), blank: false, kind: 'utf8' };
  }
  if (r < 0.52) return { line: rng.pick(['', '', '', ' ', '\t', '\r']), blank: true, kind: 'blank' };
  const o = JSON.parse(line) as Obj;
  const commit = (jetstream ? o.commit : o) as Obj | undefined;
  if (r < 0.67) {
    o[jetstream ? 'did' : 'repo'] = rng.pick(BAD_DIDS);
    return { line: dumps(o, !jetstream), blank: false, kind: 'did' };
  }
  if (r < 0.85) {
    const keys = !jetstream ? ['timestamp', 'path', 'record', 'repo'] : commit ? ['did', 'time_us', 'commit'] : ['did', 'time_us'];
    delete o[rng.pick(keys)];
    return { line: dumps(o, !jetstream), blank: false, kind: 'missing' };
  }
  if (r < 0.95 || !commit?.record) return { line: rng.pick(NOT_OBJECTS), blank: false, kind: 'not-object' };
  const depth = rng.int(70, 200);
  commit.record = { a: JSON.parse('['.repeat(depth) + ']'.repeat(depth)) };
  return { line: dumps(o, !jetstream), blank: false, kind: 'deep' };
}

/** JSON as Python's json.dumps(ensure_ascii=False) prints it, or compact as Go does. */
export function dumps(v: unknown, python: boolean): string {
  if (!python) return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => dumps(x, true)).join(', ')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${dumps(x, true)}`).join(', ')}}`;
  return JSON.stringify(v);
}
