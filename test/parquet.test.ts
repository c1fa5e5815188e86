import test from 'tape';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { openDuck } from '../lib/lake/duck.js';
import { deltaBinaryPacked, loadZstd, ParquetFile, rleHybrid, type ColumnSpec, type ListColumn, type NumberColumn, type StringColumn } from '../lib/lake/parquet.js';
import { cutRecord, feedSegments, LakeRows, MAX_OPEN } from '../lib/lake/rows.js';
import { splitRanges } from '../lib/lake/write.js';
import { tempDir } from './helpers.js';

/** A naive reader of Parquet's RLE / bit-packed hybrid, written from the format's description, to check the encoder. */
function decodeHybrid(buf: Buffer, n: number, width: number): number[] {
  const out: number[] = [];
  let at = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = buf[at++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  while (out.length < n) {
    const header = varint();
    if (header % 2 === 0) {
      let value = 0;
      for (let b = 0; b < Math.ceil(width / 8); b++) value += buf[at++] * 256 ** b;
      for (let k = 0; k < header / 2; k++) out.push(value);
    } else {
      const groups = (header - 1) / 2;
      const bits: number[] = [];
      for (let b = 0; b < groups * width; b++) for (let k = 0; k < 8; k++) bits.push((buf[at + b] >> k) & 1);
      at += groups * width;
      for (let v = 0; v < groups * 8; v++) {
        let value = 0;
        for (let k = 0; k < width; k++) value += bits[v * width + k] * 2 ** k;
        out.push(value);
      }
    }
  }
  t_assert(at === buf.length, 'every byte read');
  return out.slice(0, n);
}

function t_assert(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/** A small seeded generator (mulberry32): the same cases on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('parquet: the RLE / bit-packed hybrid decodes back to its values (runs, mixed stretches, widths 1 to 16, lengths 0 to 3000)', (t) => {
  const r = rng(7);
  let cases = 0;
  for (const width of [1, 2, 3, 5, 8, 9, 15, 16]) {
    for (const n of [0, 1, 7, 8, 9, 63, 64, 65, 511, 512, 513, 3000]) {
      const v = new Uint16Array(n);
      let i = 0;
      while (i < n) {
        // Runs of random length (some under 8, some over) of random values, or noise.
        const len = 1 + Math.floor(r() * (r() < 0.5 ? 4 : 40));
        const value = Math.floor(r() * 2 ** width);
        const noise = r() < 0.3;
        for (let k = 0; k < len && i < n; k++) v[i++] = noise ? Math.floor(r() * 2 ** width) : value;
      }
      const got = decodeHybrid(rleHybrid(v, n, width), n, width);
      if (JSON.stringify(got) !== JSON.stringify([...v])) t.fail(`width ${width}, ${n} values`);
      cases++;
    }
  }
  t.pass(`${cases} cases decode to their values`);
  t.end();
});

const SPECS: ColumnSpec[] = [
  { name: 's', type: 'string' }, { name: 'd', type: 'dict' }, { name: 'j', type: 'json' }, { name: 'l', type: 'list' },
  { name: 'dl', type: 'dictlist', wholeGroup: true }, { name: 't', type: 'timestamp', wholeGroup: true }, { name: 'i', type: 'int32' },
  { name: 'u', type: 'uint8', wholeGroup: true },
];

/** A naive reader of Parquet's DELTA_BINARY_PACKED, written from the format's description, to check the encoder. */
function decodeDelta(buf: Buffer): number[] {
  let at = 0;
  const uleb = (): number => {
    let v = 0;
    for (let m = 1; ; m *= 128) {
      const b = buf[at++];
      v += (b & 0x7f) * m;
      if (b < 0x80) return v;
    }
  };
  const unzig = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
  const blockSize = uleb();
  const minis = uleb();
  const n = uleb();
  const out = [unzig(uleb())];
  const per = blockSize / minis;
  while (out.length < n) {
    const least = unzig(uleb());
    const widths = [...buf.subarray(at, at + minis)];
    at += minis;
    // Miniblocks after the last value have no bytes.
    for (let b = 0; b < minis && out.length < n; b++) {
      const w = widths[b];
      for (let k = 0; k < per; k++) {
        let v = 0;
        for (let j = 0; j < w; j++) v += ((buf[at + ((k * w + j) >> 3)] >> ((k * w + j) & 7)) & 1) * 2 ** j;
        if (out.length < n) out.push(out[out.length - 1] + least + v);
      }
      at += (per * w) / 8;
    }
  }
  t_assert(at === buf.length, 'every byte read');
  return out;
}

test('parquet: DELTA_BINARY_PACKED decodes back to its values (sorted, reversed, constant, random up to 2^52; 1 to 1,000 values across block and miniblock ends)', (t) => {
  const r = rng(3);
  let cases = 0;
  const patterns: Record<string, (i: number) => number> = {
    sorted: (i) => 1742083200000000 + i * 1000 + Math.floor(r() * 900),
    reversed: (i) => 1742083200000000 - i * 7000,
    constant: () => 1742083200000000,
    random: () => Math.floor(r() * 2 ** 52),
    rogue: (i) => (i % 50 === 7 ? 4070908800000000 : 1742083200000000 + i),
  };
  for (const [name, make] of Object.entries(patterns)) {
    for (const n of [1, 2, 31, 32, 33, 127, 128, 129, 130, 160, 161, 256, 257, 1000]) {
      const values = Array.from({ length: n }, (_, i) => make(i));
      const buf = Buffer.alloc(8 * n + 3);
      values.forEach((v, i) => {
        buf.writeUInt32LE(v % 2 ** 32, 3 + 8 * i);
        buf.writeUInt32LE(Math.floor(v / 2 ** 32), 3 + 8 * i + 4);
      });
      const got = decodeDelta(deltaBinaryPacked(buf, 3, n));
      if (JSON.stringify(got) !== JSON.stringify(values)) t.fail(`${name}, ${n} values`);
      cases++;
    }
  }
  t.pass(`${cases} cases decode to their values`);
  t.end();
});

test('parquet: timestamps are DELTA_BINARY_PACKED where every value is from 1970 to 2112 (else PLAIN), and DuckDB reads back every one', async (t) => {
  const { dir, cleanup } = tempDir();
  const r = rng(9);
  const spec: ColumnSpec[] = [{ name: 't', type: 'timestamp', wholeGroup: true }];
  // A row group a block: in range (nulls, out of order, a rogue 2099), one value, one past 2112, one before 1970, all nulls.
  const groups: Array<Array<number | null>> = [
    Array.from({ length: 3000 }, (_, i) => (r() < 0.05 ? null : i % 97 === 0 ? 4070908800000000 : 1742083200000000 + Math.floor(r() * 60_000_000))),
    [1742083200000001],
    [1742083200000000, 2 ** 52, 1742083200000002],
    [1742083200000000, -5_000_000, 1],
    [null, null],
  ];
  const file = new ParquetFile(join(dir, 't.parquet'), spec, { groupRows: 1 });
  for (const g of groups) {
    const block = file.block();
    const [col] = block.columns as [NumberColumn];
    for (const v of g) {
      col.put(v ?? undefined);
      block.rows++;
    }
    await file.add(block);
  }
  await file.close();
  const { db, close } = await openDuck();
  try {
    const got = (await db.runAndReadAll(`SELECT epoch_us(t)::VARCHAR AS t FROM '${join(dir, 't.parquet')}'`)).getRowObjectsJson().map((x) => x.t);
    t.deepEqual(got, groups.flat().map((v) => (v === null ? null : String(v))), 'every value as written');
    const enc = (await db.runAndReadAll(`SELECT encodings FROM parquet_metadata('${join(dir, 't.parquet')}') ORDER BY row_group_id`)).getRowObjectsJson().map((x) => String(x.encodings));
    t.equal(enc.length, groups.length, 'a row group each');
    t.ok(enc[0].includes('DELTA_BINARY_PACKED') && enc[1].includes('DELTA_BINARY_PACKED'), `in range: delta (${enc[0]})`);
    t.ok(!enc[2].includes('DELTA') && !enc[3].includes('DELTA') && !enc[4].includes('DELTA'), `past 2112, before 1970, no value: plain (${enc[2]})`);
  } finally {
    close();
    cleanup();
  }
  t.end();
});

test('parquet: DuckDB reads back every value written, in every column type (nulls, empty lists, non-ASCII text, a dictionary that overflows mid-row-group, row groups of several blocks, an empty block)', async (t) => {
  const { dir, cleanup } = tempDir();
  const r = rng(11);
  const words = ['a', 'é', '東京', '🙂', 'quote"d', 'back\\slash', 'new\nline', ''];
  const str = (): string => Array.from({ length: Math.floor(r() * 6) }, () => words[Math.floor(r() * words.length)]).join(' ');
  const rows: Array<Record<string, unknown>> = [];
  // Row groups of 30,000 rows: blocks 0-3 (46,000 rows) make the first, 4-7 (12,000) the second, the empty block 8 none.
  // In blocks 2 and 3, column d gets 40,000 distinct values: the dictionary overflows in block 3, which goes plain.
  const file = new ParquetFile(join(dir, 'x.parquet'), SPECS, { groupRows: 30_000 });
  const sizes = [3000, 3000, 20_000, 20_000, 5000, 3000, 3000, 1000, 0];
  let distinct = 0;
  // Each block made before the last one is added, as LakeRows does (it keeps filling while the last is compressed).
  let block = file.block();
  for (let b = 0; b < sizes.length; b++) {
    const [s, d, j, l, dl, ts, i, u] = block.columns as [StringColumn, StringColumn, StringColumn, ListColumn, ListColumn, NumberColumn, NumberColumn, NumberColumn];
    for (let k = 0; k < sizes[b]; k++) {
      const row: Record<string, unknown> = {
        s: r() < 0.2 ? null : str(),
        d: r() < 0.1 ? null : b === 2 || b === 3 ? `v${distinct++}` : ['like', 'post', 'follow'][Math.floor(r() * 3)],
        j: r() < 0.3 ? null : JSON.stringify({ k, text: str() }),
        l: r() < 0.3 ? null : Array.from({ length: Math.floor(r() * 4) }, str),
        dl: r() < 0.3 ? null : Array.from({ length: Math.floor(r() * 4) }, () => ['en', 'ja', 'pt'][Math.floor(r() * 3)]),
        t: r() < 0.05 ? null : 1742083200000000 + Math.floor(r() * 86_400_000_000),
        i: r() < 0.05 ? null : Math.floor(r() * 2 ** 31) * (r() < 0.5 ? -1 : 1),
        u: r() < 0.05 ? null : Math.floor(r() * 3),
      };
      s.put(row.s as string | null);
      d.put(row.d as string | null, true);
      j.put(row.j as string | null);
      l.put(row.l as string[] | null);
      dl.put(row.dl as string[] | null);
      ts.put((row.t as number | null) ?? undefined);
      i.put((row.i as number | null) ?? undefined);
      u.put((row.u as number | null) ?? undefined);
      block.rows++;
      rows.push(row);
    }
    const next = b + 1 < sizes.length ? file.block() : undefined;
    await file.add(block);
    if (next) block = next;
  }
  t.equal(await file.close(), rows.length, 'rows counted');
  const { db, close } = await openDuck();
  try {
    const types = await db.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${join(dir, 'x.parquet')}')`);
    t.deepEqual(types.getRowObjectsJson().map((c) => `${c.column_name} ${c.column_type}`),
      ['s VARCHAR', 'd VARCHAR', 'j JSON', 'l VARCHAR[]', 'dl VARCHAR[]', 't TIMESTAMP', 'i INTEGER', 'u UTINYINT'], 'the column types DuckDB sees');
    const got = (await db.runAndReadAll(`SELECT s, d, j::VARCHAR AS j, l, dl, epoch_us(t) AS t, i, u FROM '${join(dir, 'x.parquet')}'`)).getRowObjectsJson();
    t.equal(got.length, rows.length, 'as many rows');
    let differ = 0;
    for (let k = 0; k < rows.length; k++) {
      const g = got[k];
      const want = { ...rows[k], t: rows[k].t === null ? null : String(rows[k].t) };
      const have = { ...g, t: g.t === null ? null : String(g.t) };
      if (JSON.stringify(have) !== JSON.stringify(want) && differ++ < 3) t.deepEqual(have, want, `row ${k}`);
    }
    t.equal(differ, 0, 'every value as written');
    // Bounds of each row group, as a reader skipping row groups by them sees them (read once the file is whole).
    const groups = [rows.slice(0, 46_000), rows.slice(46_000)];
    for (const [col, order] of [['i', (a: number, b: number) => a - b], ['t', (a: number, b: number) => a - b], ['d', (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b))]] as const) {
      const stats = (await db.runAndReadAll(`SELECT row_group_id, ${col === 't' ? 'epoch_us(stats_min_value::TIMESTAMP) AS stats_min_value, epoch_us(stats_max_value::TIMESTAMP) AS stats_max_value' : 'stats_min_value, stats_max_value'} FROM parquet_metadata('${join(dir, 'x.parquet')}') WHERE path_in_schema = '${col}' ORDER BY 1`)).getRowObjectsJson();
      const bounds = groups.map((rs, g) => {
        // A dictionary that overflowed into plain values gives no bounds (plain strings never do).
        if (col === 'd' && g === 0) return ['null', 'null'];
        const v = (rs.map((x) => x[col]).filter((x) => x !== null) as Array<number & string>).sort(order as (a: unknown, b: unknown) => number);
        return [String(v[0]), String(v[v.length - 1])];
      });
      t.deepEqual(stats.map((s) => [String(s.stats_min_value), String(s.stats_max_value)]), bounds, `row groups carry the min and max of ${col}`);
    }
    const shape = (await db.runAndReadAll(`SELECT row_group_id::INTEGER AS g, row_group_num_rows::INTEGER AS n, encodings FROM parquet_metadata('${join(dir, 'x.parquet')}') WHERE path_in_schema = 'd' ORDER BY 1`)).getRowObjectsJson();
    t.deepEqual(shape.map((x) => x.n), [46_000, 12_000], 'two row groups of their blocks\' rows (the empty block makes none)');
    t.match(String(shape[0].encodings), /PLAIN_DICTIONARY.*PLAIN|PLAIN.*PLAIN_DICTIONARY/, 'the first group\'s d: dictionary pages, then plain ones');
    const filtered = await db.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM '${join(dir, 'x.parquet')}' WHERE d = 'post'`);
    t.equal(filtered.getRowObjectsJson()[0].n, rows.filter((x) => x.d === 'post').length, 'a filter on a dictionary column counts every match (no row group skipped wrongly)');
  } finally {
    close();
    cleanup();
  }
  t.end();
});

test('parquet: pages kept between compression and their row group\'s write (chunks reused from group to group, pages over a chunk) read back as written over twelve row groups', async (t) => {
  const { dir, cleanup } = tempDir();
  const r = rng(5);
  // 64 letters: about 6 bits a character, so pages compress little; blocks 0 and 1 make pages of more than a chunk (1 MB) compressed.
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const text = (n: number): string => Array.from({ length: n }, () => abc[Math.floor(r() * 64)]).join('');
  const specs: ColumnSpec[] = [{ name: 's', type: 'string' }, { name: 'i', type: 'int32' }, { name: 'd', type: 'dict' }];
  const file = new ParquetFile(join(dir, 'x.parquet'), specs, { groupRows: 8192 });
  const want: string[] = [];
  let block = file.block(4096);
  for (let b = 0; b < 24; b++) {
    const [s, i, d] = block.columns as [StringColumn, NumberColumn, StringColumn];
    for (let k = 0; k < 4096; k++) {
      const v = text(b < 2 ? 400 : 10 + Math.floor(r() * 200));
      s.put(v);
      i.put(want.length);
      d.put(`k${b % 3}`, true);
      want.push(v);
      block.rows++;
    }
    const next = b < 23 ? file.block(4096) : undefined;
    await file.add(block);
    if (next) block = next;
  }
  t.equal(await file.close(), want.length, 'rows counted');
  const { db, close } = await openDuck();
  try {
    const meta = (await db.runAndReadAll(`SELECT max(total_compressed_size)::INTEGER AS big, count(DISTINCT row_group_id)::INTEGER AS groups FROM parquet_metadata('${join(dir, 'x.parquet')}') WHERE path_in_schema = 's'`)).getRowObjectsJson()[0];
    t.equal(meta.groups, 12, 'twelve row groups');
    t.ok(Number(meta.big) > 2 << 20, `the first group's pages are over a chunk each (${meta.big} bytes for two)`);
    const got = (await db.runAndReadAll(`SELECT s, i, d FROM '${join(dir, 'x.parquet')}'`)).getRowObjectsJson();
    let differ = 0;
    for (let k = 0; k < want.length; k++) if (got[k]?.s !== want[k] || got[k]?.i !== k || got[k]?.d !== `k${Math.floor(k / 4096) % 3}`) differ++;
    t.equal(got.length, want.length, 'as many rows');
    t.equal(differ, 0, 'every value as written, in order');
  } finally {
    close();
    cleanup();
  }
  t.end();
});

test('parquet: record_cut leaves the subject out only where putting it back gives the record byte for byte', (t) => {
  const put = (cut: number, rec: string, subject: string): string =>
    cut === 1 ? rec.replaceAll('"uri":""', `"uri":"${subject}"`) : cut === 2 ? rec.replaceAll('"subject":""', `"subject":"${subject}"`) : rec;
  const cases: Array<[string, string | undefined, number]> = [
    ['{"subject":{"cid":"c","uri":"at://x/y/z"},"createdAt":"t"}', 'at://x/y/z', 1],
    ['{"subject":"did:plc:a","createdAt":"t"}', 'did:plc:a', 2],
    ['{"subject":"did:plc:a","via":{"uri":"at://v"}}', 'did:plc:a', 2],
    ['{"subject":{"uri":"at://s"},"via":{"uri":"at://v"}}', 'at://s', 0],
    ['{"subject":"é"}', 'é', 0],
    ['{"subject":""}', '', 0],
    ['{"subject":"a\\"b"}', 'a"b', 0],
    ['{"text":"hi"}', undefined, 0],
  ];
  for (const [rec, subject, want] of cases) {
    const [cut, text] = cutRecord(rec, subject);
    t.equal(cut, want, `cut of ${rec}`);
    t.equal(put(cut, text, subject ?? ''), rec, `whole again: ${rec}`);
  }
  t.end();
});

test('parquet: a batch cut into 1 to 5 writer threads\' ranges writes each line once, with its segment and line number (blank, bad and long lines, a segment without a final newline, an empty one)', async (t) => {
  const { dir, cleanup } = tempDir();
  const like = (i: number): string => `{"time":"2025-03-17T00:00:${String(i % 60).padStart(2, '0')}.000000","did":"did:plc:a${i}","op":"create","collection":"app.bsky.feed.like","rkey":"r${i}","cid":"c${i}","record":{"$type":"app.bsky.feed.like","subject":{"cid":"x","uri":"at://did:plc:b/app.bsky.feed.post/p${i}"},"createdAt":"2025-03-17T00:00:00.000Z"}}`;
  const post = (i: number): string => JSON.stringify({ time: '2025-03-17T00:01:00.000000', did: `did:plc:p${i}`, op: 'create', collection: 'app.bsky.feed.post', rkey: `r${i}`, cid: `c${i}`, record: { $type: 'app.bsky.feed.post', text: `post ${i} ${'long '.repeat(i % 7 === 0 ? 3000 : 1)}`, createdAt: '2025-03-17T00:01:00.000Z' } });
  const segs: Array<{ path: string; name: string; bytes: number }> = [];
  const contents = [
    Array.from({ length: 300 }, (_, i) => (i % 50 === 7 ? '' : i % 31 === 3 ? 'not json' : i % 5 === 0 ? post(i) : like(i))).join('\n') + '\n',
    '',
    Buffer.concat([Buffer.from(like(1000) + '\n'), Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from(Array.from({ length: 40 }, (_, i) => like(2000 + i)).join('\n'))]),
  ];
  contents.forEach((c, i) => {
    const path = join(dir, `seg-${i}.ndjson`);
    writeFileSync(path, c);
    segs.push({ path, name: `seg-${i}.ndjson`, bytes: Buffer.byteLength(c) });
  });
  const read = async (out: string): Promise<string[]> => {
    const { db, close } = await openDuck();
    try {
      const r = await db.runAndReadAll(`SELECT seg || ' ' || seq || ' ' || rkey AS k FROM read_parquet('${join(out, '**', '*.parquet')}') ORDER BY seg, seq`);
      return r.getRowObjectsJson().map((x) => x.k as string);
    } finally {
      close();
    }
  };
  // The reference: one writer reading every segment whole; line numbers counted by hand.
  const want: string[] = [];
  contents.forEach((c, i) => {
    String(c).split('\n').forEach((line, n) => {
      const m = /"rkey":"([^"]+)"/.exec(line);
      if (m && line.startsWith('{')) want.push(`seg-${i}.ndjson ${n + 1} ${m[1]}`);
    });
  });
  for (let n = 1; n <= 5; n++) {
    const out = join(dir, `out-${n}`);
    const ranges = splitRanges(segs, n);
    await Promise.all(ranges.map(async (r, k) => {
      const rows = new LakeRows(out, `w${k}`, 0);
      await feedSegments(rows, r);
      await rows.end();
    }));
    t.deepEqual(await read(out), want, `${n} threads: every event once, numbered by its line`);
  }
  cleanup();
  t.end();
});

test('parquet: a writer keeps at most MAX_OPEN partitions open: events spread over more hours close the least recent one, and every row lands once in its hour', async (t) => {
  const { dir, cleanup } = tempDir();
  // 6 hours taken in turn, 500 events each, a 1 MB read at a time (about 2,400 of these lines): more partitions than MAX_OPEN within one run.
  const hours = MAX_OPEN + 2;
  const lines: string[] = [];
  for (let i = 0; i < hours * 500; i++) {
    const h = i % hours;
    lines.push(JSON.stringify({ time: `2025-03-17T${String(h).padStart(2, '0')}:00:${String(i % 60).padStart(2, '0')}.000000`, did: 'did:plc:a', op: 'create', collection: 'app.bsky.feed.like', rkey: `r${i}`,
      record: { $type: 'app.bsky.feed.like', subject: { cid: 'bafy2', uri: 'at://did:plc:b/app.bsky.feed.post/1' }, createdAt: '2025-03-17T00:00:00.000Z', pad: 'x'.repeat(400) } }));
  }
  writeFileSync(join(dir, 'seg-0.ndjson'), lines.join('\n') + '\n');
  const rows = new LakeRows(join(dir, 'out'), 'w', 0, { hours: true });
  await feedSegments(rows, [{ path: join(dir, 'seg-0.ndjson'), name: 'seg-0.ndjson' }]);
  const done = await rows.end();
  t.equal(done.rows, lines.length, 'every line a row');
  const perHour = new Map<string, number>();
  for (const f of done.files) perHour.set(f.split('/').slice(0, 2).join('/'), (perHour.get(f.split('/').slice(0, 2).join('/')) ?? 0) + 1);
  t.equal(perHour.size, hours, `${hours} hour partitions`);
  t.ok([...perHour.values()].some((n) => n > 1), `a partition closed and taken up again in a new file (files per hour: ${[...perHour.values()].join(', ')})`);
  const { db, close } = await openDuck();
  try {
    const r = await db.runAndReadAll(`SELECT hour, count(*) AS n, count(*) FILTER (WHERE hour(time) <> hour) AS wrong FROM read_parquet('${join(dir, 'out', '**', '*.parquet')}', hive_partitioning = true) GROUP BY hour ORDER BY hour`);
    t.deepEqual(r.getRowObjectsJson(), Array.from({ length: hours }, (_, h) => ({ hour: String(h), n: '500', wrong: '0' })), 'each hour holds its 500 rows, none of another hour');
  } finally {
    close();
  }
  cleanup();
  t.end();
});

test('parquet: pages are compressed at the level asked (1): the zstd package\'s main export dropped it, and every page went out at level 3', async (t) => {
  const compress = await loadZstd();
  if (process.platform === 'linux') {
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    t.ok(loaded.some((f) => f.endsWith(`zstd.linux-${process.arch}-gnu.node`)), 'on Linux (glibc), the platform\'s build is loaded');
    t.notOk(loaded.some((f) => f.endsWith('zstd/bindings.js')), 'directly, not through the package\'s loader (its libc check builds a diagnostic report)');
  }
  const native = createRequire(import.meta.url)('@mongodb-js/zstd/bindings.js') as { compress: (data: Buffer, level: number) => Promise<Buffer> };
  const text = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `{"did":"did:plc:${(i * 7919) % 1000}","rkey":"3l${i.toString(36)}","n":${i}}`).join('\n'));
  const [ours, one, three] = await Promise.all([compress(text, 1), native.compress(text, 1), native.compress(text, 3)]);
  t.notOk(one.equals(three), 'levels 1 and 3 give different bytes on this text');
  t.ok(ours.equals(one), 'the writer\'s compress at level 1 gives level 1\'s bytes');
  t.end();
});

test('parquet: lines read from their bytes (fast-line.ts) give exactly the rows JSON.parse and flatten give, on every shape near the fast one', async (t) => {
  const { dir, cleanup } = tempDir();
  const head = (extra = ''): string => `{"time":"2025-03-17T00:00:01.000000${extra}","did":"did:plc:abc","op":"create","collection":"app.bsky.feed.like","rkey":"3k","cid":"bafy1"`;
  const like = (uri: string, tail = ''): string => `${head()},"record":{"$type":"app.bsky.feed.like","subject":{"cid":"bafy2","uri":"${uri}"},"createdAt":"2025-03-17T00:00:00.000Z"${tail}}}`;
  const lines = [
    like('at://did:plc:x/app.bsky.feed.post/1'),
    like('at://did:plc:x'),
    like('at://alice.example/app.bsky.feed.post/1'),
    like('https://example.com/x'),
    like(''),
    like('at://did:plc:x/app.bsky.feed.post/1', ',"via":{"cid":"c","uri":"at://did:plc:y/app.bsky.feed.repost/2"}'),
    like('at:\\/\\/did:plc:x'),
    like('at://did:plc:é'),
    `${head()},"record":{"$type":"app.bsky.graph.follow","subject":"did:plc:z","createdAt":"2025-03-17T00:00:00.000Z"}}`,
    `${head()},"record":{"$type":"app.bsky.graph.follow","subject":"","createdAt":"2025-03-17T00:00:00.000Z"}}`,
    `${head()},"record":{"$type":"app.bsky.graph.listitem","subject":"did:plc:z","createdAt":"2025-03-17T00:00:00.000Z","list":"at://did:plc:l/app.bsky.graph.list/9"}}`,
    `${head()},"record":{"$type":"app.bsky.graph.follow","createdAt":"2025-03-17T00:00:00.000Z","subject":"did:plc:z"}}`,
    `${head()},"record":{"$type":"app.bsky.graph.follow","subject":"did:plc:z","createdAt":"2025-03-17T00:00:00.000Z","extra":1}}`,
    `${head()},"record":{"$type":"app.bsky.graph.follow","subject":"did:plc:z","createdAt":"2025-03-17T00:00:00.000Z"}}\r`,
    `${head()}}`,
    `${head('Z')},"record":{"$type":"app.bsky.graph.block","subject":"did:plc:z","createdAt":"x"}}`,
    `{"time":"2025-03-17T00:00:01.000000","did":"did:plc:abc","op":"delete","collection":"app.bsky.feed.like","rkey":"3k"}`,
    `{"time":"2025-03-17T00:00:01.000000","did":"did:plc:abc","op":"update","collection":"app.bsky.feed.like","rkey":"3k","cid":"c","record":{"$type":"t","subject":"s","createdAt":"d"}}`,
    `{"time":"2025-03-17T00:00:01.000000","did":"did:plc:abc","op":"identity"}`,
    `{"time":"2025-03-17T00:00:01.000000","did":"did:plc:abc","op":"create","collection":"app.bsky.feed.lïke","rkey":"3k"}`,
    `{"time":"2025-03-17T00:00:01.000000","did":"did:plc:abc","op":"create","collection":"app.bsky.feed.like","rkey":"3k","cid":"c"}`,
  ];
  const fast = new LakeRows(join(dir, 'fast'), 'f', 0);
  const slow = new LakeRows(join(dir, 'slow'), 's', 0);
  fast.segment('seg');
  slow.segment('seg');
  let took = 0;
  for (const line of lines) {
    const buf = Buffer.from(line);
    if (fast.bytes(buf, 0, buf.length)) took++;
    else fast.line(line);
    slow.line(line);
  }
  await fast.end();
  await slow.end();
  t.ok(took >= 10, `${took} of ${lines.length} lines took the fast path`);
  const { db, close } = await openDuck();
  try {
    const read = async (d: string) => (await db.runAndReadAll(`SELECT * EXCLUDE (date) FROM read_parquet('${join(dir, d, '**', '*.parquet')}', hive_partitioning = true) ORDER BY seq`)).getRowObjectsJson();
    const [a, b] = [await read('fast'), await read('slow')];
    t.equal(a.length, lines.length, 'a row a line');
    for (let i = 0; i < Math.max(a.length, b.length); i++) t.deepEqual(a[i], b[i], `line ${i + 1}: ${lines[i]?.slice(60, 140)}`);
  } finally {
    close();
    cleanup();
  }
  t.end();
});
