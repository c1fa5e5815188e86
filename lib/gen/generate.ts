import { canonicalTime, wallMicros } from '../time.js';
import { PERIOD_US, burstTimes, planPeriod, type Burst } from './bursts.js';
import { didOf, randomCid, tid, WallClock } from './ids.js';
import { malformed, type Malformed } from './malform.js';
import {
  COMPACT, PYTHON, didRecord, embed, listItemRecord, postRecord, profileRecord, replyRef, strongRef, type Style,
} from './records.js';
import { Rng } from './rng.js';
import { handle, postText } from './text.js';
import { NAME_PARTS } from './vocab.js';
import { Zipf } from './zipf.js';

/** Options of the generator; every field has a default, and the same options give the same bytes. */
export interface GenOptions {
  /** Distinct events to write (malformed lines and duplicates come on top); Infinity for no end. Default 10000. */
  events?: number;
  /** Any text or number. Default 1. */
  seed?: string | number;
  /** `takehome` (the take-home script's lines, default) or `jetstream`. */
  format?: 'takehome' | 'jetstream';
  /** Time of the first event: ISO text (no zone: wall clock; with a zone: shown in UTC) or wall microseconds. Default 2025-03-16T12:00:00. */
  start?: string | number;
  /** Mean events per second of event time. Default 1000. */
  rate?: number;
  /** Fraction of output lines that are malformed or blank. Default 0. */
  badRate?: number;
  /** Fraction of events written again verbatim 2 s to 5 min later. Default 0. */
  dupRate?: number;
  /** Bot accounts that like in bursts of more than 50 a minute (as many near-miss accounts come with them). Default 3. */
  fastLikers?: number;
  /** Fraction of posts about engineering. Default 0.03. */
  engineering?: number;
  /** Size of the account pool. Default: a tenth of the events, between 1,000 and 1,000,000. */
  users?: number;
}

/** The options with defaults applied. */
export type ResolvedOptions = Required<Omit<GenOptions, 'start' | 'seed'>> & { seed: string; start: number };

/** What was written so far, for the closing summary and for tests. */
export interface GenStats {
  events: number;
  malformed: number;
  blank: number;
  duplicates: number;
}

export const DEFAULT_START = '2025-03-16T12:00:00.000000';

/** Applies defaults and checks ranges; throws an Error naming the option when one is out of range. */
export function resolveOptions(o: GenOptions = {}): ResolvedOptions {
  const events = o.events ?? 10_000;
  const start = typeof o.start === 'number' ? o.start : wallMicros(canonicalTime(o.start ?? DEFAULT_START) ?? '');
  const r: ResolvedOptions = {
    events, seed: String(o.seed ?? 1), format: o.format ?? 'takehome', start, rate: o.rate ?? 1000,
    badRate: o.badRate ?? 0, dupRate: o.dupRate ?? 0, fastLikers: o.fastLikers ?? 3, engineering: o.engineering ?? 0.03,
    users: o.users ?? (Number.isFinite(events) ? Math.min(1_000_000, Math.max(1000, Math.ceil(events / 10))) : 200_000),
  };
  if (!(events >= 0) || (Number.isFinite(events) && !Number.isInteger(events))) throw new Error(`--events must be a whole number, not ${o.events}`);
  if (!Number.isFinite(start)) throw new Error(`--start: invalid time '${o.start}'`);
  if (r.format !== 'takehome' && r.format !== 'jetstream') throw new Error(`--format must be takehome or jetstream`);
  if (!(r.rate > 0 && Number.isFinite(r.rate))) throw new Error(`--rate must be above 0`);
  for (const [name, v] of [['bad-rate', r.badRate], ['dup-rate', r.dupRate]] as const) {
    if (!(v >= 0 && v < 1)) throw new Error(`--${name} must be at least 0 and below 1`);
  }
  if (!(r.engineering >= 0 && r.engineering <= 1)) throw new Error('--engineering must be between 0 and 1');
  if (!(Number.isInteger(r.fastLikers) && r.fastLikers >= 0 && r.fastLikers <= 10_000)) throw new Error('--fast-likers must be a whole number from 0 to 10000');
  if (!(Number.isInteger(r.users) && r.users >= 2 && r.users <= 50_000_000)) throw new Error('--users must be a whole number from 2 to 50000000');
  return r;
}

const SECOND = 1_000_000;
/** An ordinary account likes at most once per 1.25 s: at most 48 likes in any minute, so only the bots are fast likers. */
const LIKE_GAP = 1_250_000;
const MAX_PENDING_DUPS = 10_000;
const SALT_USER = 0x1234567;
const SALT_BOT = 0x7654321;
const PY_TYPE = 'com.atproto.sync.subscribeRepos#repoOp';

/** The target mix of record kinds (creates), as fractions. */
export const MIX: ReadonlyArray<[collection: string, share: number]> = [
  ['app.bsky.feed.like', 0.45],
  ['app.bsky.graph.follow', 0.35],
  ['app.bsky.feed.post', 0.09],
  ['app.bsky.feed.repost', 0.06],
  ['app.bsky.graph.block', 0.025],
  ['app.bsky.graph.listitem', 0.02],
  ['app.bsky.actor.profile', 0.005],
];
const MIX_CDF = (() => {
  let acc = 0;
  return MIX.map(([, share]) => (acc += share));
})();
/** Jetstream only: identity and account events, and deletes among commits. */
const IDENTITY_SHARE = 0.003;
const ACCOUNT_SHARE = 0.002;
const DELETE_SHARE = 0.03;

/** One event's pieces, kept so that a malformed variant of the line can be built from it. */
export interface Parts {
  time: number;
  did: string;
  op: string;
  collection: string;
  rkey: string;
  cid: string;
  record: string;
  /** Jetstream identity/account body, when this is one. */
  info?: string;
}

interface Active {
  did: string;
  times: Float64Array;
  i: number;
}

/**
 * The synthetic capture: call next() for each line (a string without its
 * newline, or a Buffer for a line with invalid UTF-8), until it returns
 * undefined. Memory stays bounded: no event is kept except pending duplicates.
 */
export class Capture {
  readonly opts: ResolvedOptions;
  readonly stats: GenStats = { events: 0, malformed: 0, blank: 0, duplicates: 0 };
  /** DIDs of the accounts planned to like in fast bursts, and of the near misses. */
  readonly fastLikers: string[] = [];
  readonly nearMisses: string[] = [];
  /** Event time (wall microseconds) of the line last returned by next(). */
  time = 0;

  private readonly rng: Rng;
  private readonly style: Style;
  private readonly jet: boolean;
  private readonly zipf: Zipf;
  private readonly hot: string[];
  private readonly lastLike: Float64Array;
  private readonly hasProfile: Uint8Array;
  private readonly created = new WallClock();
  private readonly nearMiss: number;
  private mainLeft: number;
  private tMain: number;
  private readonly pending: Burst[] = [];
  private planned = 0;
  private readonly active: Active[] = [];
  private readonly dups = new DupHeap();
  private readonly queue: Array<string | Buffer> = [];
  private readonly queueTimes: number[] = [];
  private head = 0;
  private tail = 0;
  private seq = 4_000_000_000;

  constructor(options: GenOptions = {}) {
    const o = (this.opts = resolveOptions(options));
    this.rng = new Rng(o.seed);
    this.jet = o.format === 'jetstream';
    this.style = this.jet ? COMPACT : PYTHON;
    this.zipf = new Zipf(o.users);
    this.lastLike = new Float64Array(o.users).fill(-Infinity);
    this.hasProfile = new Uint8Array(o.users);
    // A packed array of the busiest accounts' DIDs ('' until first used): most events pick one of them.
    this.hot = new Array<string>(Math.min(o.users, 262144)).fill('');
    this.nearMiss = o.engineering > 0 ? Math.min(0.05, 0.6 * o.engineering + 0.005) : 0;
    this.tMain = o.start;
    this.mainLeft = o.events;
    if (Number.isFinite(o.events)) this.planAll();
    const accounts = new Set(this.pending.map((b) => b.account));
    for (let a = 0; a < 2 * o.fastLikers; a++) {
      if (Number.isFinite(o.events) && !accounts.has(a)) continue;
      (a < o.fastLikers ? this.fastLikers : this.nearMisses).push(didOf(a, SALT_BOT));
    }
  }

  /** The next line, or undefined at the end. */
  next(): string | Buffer | undefined {
    while (this.head >= this.tail) {
      // Reuse the slots: most steps make one line, and resizing arrays costs more than the line.
      this.head = this.tail = 0;
      if (!this.step()) return undefined;
    }
    this.time = this.queueTimes[this.head];
    return this.queue[this.head++];
  }

  /** Plans every burst of a finite capture, so that bursts count in --events and end before the capture does. */
  private planAll(): void {
    const o = this.opts;
    let bursts: Burst[] = [];
    let total = 0;
    for (let pass = 0; pass < 2; pass++) {
      const horizon = (0.9 * (o.events - total) * SECOND) / o.rate;
      bursts = [];
      for (let k = 0; k * PERIOD_US < horizon; k++) bursts.push(...planPeriod(o.seed, k, o.fastLikers, o.start, horizon));
      bursts.sort((a, b) => a.start - b.start || a.account - b.account);
      total = bursts.reduce((s, b) => s + b.count, 0);
      // Bursts take at most a quarter of the events: a short capture keeps its mix.
      while (total * 4 > o.events && bursts.length) total -= bursts.pop()!.count;
    }
    this.pending.push(...bursts);
    this.mainLeft = o.events - total;
  }

  /** Plans bursts of an endless capture a period ahead of the main clock. */
  private planAhead(): void {
    const o = this.opts;
    while (o.start + (this.planned - 1) * PERIOD_US <= this.tMain) {
      const bursts = planPeriod(o.seed, this.planned++, o.fastLikers, o.start, Infinity);
      this.pending.push(...bursts.sort((a, b) => a.start - b.start || a.account - b.account));
    }
  }

  /** Produces the next event (with any due duplicates and malformed lines); false at the end. */
  private step(): boolean {
    const finite = Number.isFinite(this.opts.events);
    if (!finite) this.planAhead();
    const tM = this.mainLeft > 0 ? this.tMain : Infinity;
    while (this.pending.length && (this.pending[0].start <= tM || this.active.length === 0)) {
      const b = this.pending.shift()!;
      this.active.push({ did: didOf(b.account, SALT_BOT), times: burstTimes(b), i: 0 });
    }
    let best = -1;
    let tB = Infinity;
    for (let i = 0; i < this.active.length; i++) {
      const a = this.active[i];
      if (a.times[a.i] < tB) {
        tB = a.times[a.i];
        best = i;
      }
    }
    const t = Math.min(tM, tB);
    while (this.dups.size && this.dups.peekDue() <= t) this.emitDup();
    if (t === Infinity) return this.tail > 0;
    let parts: Parts;
    if (tB <= tM) {
      const a = this.active[best];
      parts = this.like(a.did, tB);
      if (++a.i >= a.times.length) this.active.splice(best, 1);
    } else {
      parts = this.event(tM);
      this.mainLeft--;
      this.tMain += this.rng.exp(SECOND / this.opts.rate);
    }
    const line = this.jet ? jetstreamLine(parts) : takehomeLine(parts);
    this.push(line, t);
    this.stats.events++;
    if (parts.info === undefined && this.opts.dupRate > 0 && this.rng.chance(this.opts.dupRate) && this.dups.size < MAX_PENDING_DUPS) {
      this.dups.push(t + this.rng.logUniform(2 * SECOND, 300 * SECOND), line);
    }
    while (this.opts.badRate > 0 && this.rng.chance(this.opts.badRate)) this.emitBad(parts, line, t);
    return true;
  }

  private push(line: string | Buffer, t: number): void {
    this.queue[this.tail] = line;
    this.queueTimes[this.tail++] = t;
  }

  private emitDup(): void {
    const due = this.dups.peekDue();
    this.push(this.dups.pop(), due);
    this.stats.duplicates++;
  }

  private emitBad(parts: Parts, line: string, t: number): void {
    const bad: Malformed = malformed(this.rng, parts, line, this.jet ? jetstreamLine : takehomeLine);
    if (bad.blank) this.stats.blank++;
    else this.stats.malformed++;
    this.push(bad.line, t);
  }

  private did(rank: number): string {
    if (rank < this.hot.length) {
      const known = this.hot[rank];
      return known !== '' ? known : (this.hot[rank] = didOf(rank, SALT_USER));
    }
    return didOf(rank, SALT_USER);
  }

  /** A post's AT URI with a plausible age, and its CID, as a strong reference. */
  private postRef(t: number): string {
    const author = this.did(this.zipf.next(this.rng));
    const age = this.rng.logUniform(10 * SECOND, 30 * 86400 * SECOND);
    return strongRef(this.style, randomCid(this.rng), `at://${author}/app.bsky.feed.post/${tid(t - age, this.rng.u32() & 1023)}`);
  }

  /** Client-set createdAt: a few seconds before receipt, sometimes far off; and the rkey's time. */
  private createdAt(t: number): [text: string, us: number] {
    const rng = this.rng;
    const us = t - 300_000 - rng.exp(2_000_000) - rng.exp(2_000_000);
    const r = rng.float();
    if (r < 0.97) return [this.created.millisZ(us), us];
    if (r < 0.98) return [this.created.millisZ(t + rng.logUniform(SECOND, 3600 * SECOND)), us];
    if (r < 0.995) return [this.created.millisZ(t - rng.logUniform(60 * SECOND, 3 * 365 * 86400 * SECOND)), us];
    if (r < 0.9975) return [`${this.created.micros(us)}+00:00`, us];
    return [`${this.created.micros(us - 3 * 3600 * SECOND).slice(0, 19)}-03:00`, us];
  }

  /** A bot's like, at exactly the time its burst planned. */
  private like(did: string, t: number): Parts {
    const [createdAt, cus] = this.createdAt(t);
    return this.commit(t, did, 'app.bsky.feed.like', tid(cus, this.rng.u32() & 1023), this.subjectRecord('app.bsky.feed.like', t, createdAt));
  }

  private subjectRecord(type: string, t: number, createdAt: string): string {
    const y = this.style;
    return `{"$type"${y.c}"${type}"${y.s}"subject"${y.c}${this.postRef(t)}${y.s}"createdAt"${y.c}"${createdAt}"}`;
  }

  private commit(t: number, did: string, collection: string, rkey: string, record: string, op = 'create'): Parts {
    return { time: t, did, op, collection, rkey, cid: op === 'delete' ? '' : randomCid(this.rng), record: op === 'delete' ? '' : record };
  }

  /** One event of the main stream at time t, of a kind drawn from the mix. */
  private event(t: number): Parts {
    const rng = this.rng;
    const y = this.style;
    if (this.jet) {
      const r = rng.float();
      if (r < IDENTITY_SHARE + ACCOUNT_SHARE) return this.info(t, r < IDENTITY_SHARE ? 'identity' : 'account');
    }
    const x = rng.float();
    let kind = 0;
    while (kind < MIX_CDF.length - 1 && x >= MIX_CDF[kind]) kind++;
    let rank = this.zipf.next(rng);
    const collection0 = MIX[kind][0];
    let collection = collection0;
    if (collection === 'app.bsky.feed.like') {
      // Ordinary accounts stay below the fast-liker threshold; a busy one gives way to another, or follows instead.
      let tries = 0;
      while (t - this.lastLike[rank] < LIKE_GAP && tries++ < 8) rank = this.zipf.next(rng);
      if (t - this.lastLike[rank] < LIKE_GAP) collection = 'app.bsky.graph.follow';
      else this.lastLike[rank] = t;
    } else if (collection === 'app.bsky.actor.profile') {
      if (this.hasProfile[rank]) collection = 'app.bsky.graph.follow';
      else this.hasProfile[rank] = 1;
    }
    const did = this.did(rank);
    const [createdAt, cus] = this.createdAt(t);
    const rkey = collection === 'app.bsky.actor.profile' ? 'self' : tid(cus, rng.u32() & 1023);
    const op = this.jet && collection !== 'app.bsky.actor.profile' && collection !== 'app.bsky.graph.listitem' && rng.chance(DELETE_SHARE) ? 'delete' : 'create';
    if (op === 'delete') {
      return this.commit(t, did, collection, tid(t - rng.logUniform(60 * SECOND, 365 * 86400 * SECOND), rng.u32() & 1023), '', 'delete');
    }
    let record: string;
    switch (collection) {
      case 'app.bsky.feed.like':
      case 'app.bsky.feed.repost':
        record = this.subjectRecord(collection, t, createdAt);
        break;
      case 'app.bsky.graph.follow':
      case 'app.bsky.graph.block':
        record = didRecord(y, collection, this.did(this.zipf.next(rng)), createdAt);
        break;
      case 'app.bsky.graph.listitem':
        record = listItemRecord(y, this.did(this.zipf.next(rng)), createdAt, `at://${did}/app.bsky.graph.list/${tid(t - rng.logUniform(3600 * SECOND, 400 * 86400 * SECOND), rng.u32() & 1023)}`);
        break;
      case 'app.bsky.actor.profile': {
        const name = rng.chance(0.3) ? '' : `${cap(rng.pick(NAME_PARTS))} ${cap(rng.pick(NAME_PARTS))}`;
        record = profileRecord(y, rng, createdAt, name, rng.chance(0.4) ? `she/her • ${rng.pick(NAME_PARTS)} enthusiast\n${handle(rng)}` : undefined);
        break;
      }
      default:
        record = this.post(t, createdAt);
    }
    return this.commit(t, did, collection, rkey, record);
  }

  private post(t: number, createdAt: string): string {
    const rng = this.rng;
    const y = this.style;
    const text = postText(rng, this.opts.engineering, this.nearMiss, () => this.did(this.zipf.next(rng)));
    let reply: string | undefined;
    if (rng.chance(0.35)) {
      const parent = this.postRef(t);
      reply = replyRef(y, rng.chance(0.5) ? parent : this.postRef(t), parent);
    }
    const link = text.facets.find((f) => f.type === 'link')?.value;
    let embedded: string | undefined;
    const r = rng.float();
    if (link && r < 0.7) embedded = embed(y, rng, 'external', link, '');
    else if (r < 0.15) embedded = embed(y, rng, 'images', undefined, '');
    else if (r < 0.23) embedded = embed(y, rng, 'record', undefined, this.postRef(t));
    else if (r < 0.25) embedded = embed(y, rng, 'video', undefined, '');
    else if (r < 0.27) embedded = embed(y, rng, 'external', undefined, '');
    return postRecord(y, { createdAt, text: text.text, langs: text.langs, reply, embed: embedded, facets: text.facets });
  }

  /** A Jetstream identity or account event. */
  private info(t: number, kind: 'identity' | 'account'): Parts {
    const did = this.did(this.zipf.next(this.rng));
    const when = this.created.millisZ(t - 200_000);
    const seq = this.seq++;
    const body = kind === 'identity'
      ? `{"did":"${did}","handle":"${handle(this.rng)}","seq":${seq},"time":"${when}"}`
      : this.rng.chance(0.8) ? `{"active":true,"did":"${did}","seq":${seq},"time":"${when}"}` : `{"active":false,"did":"${did}","seq":${seq},"status":"deactivated","time":"${when}"}`;
    return { time: t, did, op: kind, collection: '', rkey: '', cid: '', record: '', info: body };
  }
}

function cap(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}

/** Overrides a malformed line may ask for: a key left out, another DID, another record. */
export interface LineEdit {
  omit?: string;
  did?: string;
  record?: string;
}

const clockTs = new WallClock();

/** The take-home script's line: Python json.dumps of the repo op, keys in the script's order. */
export function takehomeLine(p: Parts, edit: LineEdit = {}): string {
  if (edit.omit === undefined && edit.did === undefined && edit.record === undefined) {
    return `{"timestamp": "${clockTs.micros(p.time)}", "action": "${p.op}", "path": "${p.collection}/${p.rkey}", "cid": "${p.cid}", "prev": null, "py_type": "${PY_TYPE}", "record": ${p.record}, "repo": "${p.did}"}`;
  }
  const parts: string[] = [];
  if (edit.omit !== 'timestamp') parts.push(`"timestamp": "${clockTs.micros(p.time)}"`);
  parts.push(`"action": "${p.op}"`);
  if (edit.omit !== 'path') parts.push(`"path": "${p.collection}/${p.rkey}"`);
  parts.push(`"cid": "${p.cid}"`, '"prev": null', `"py_type": "${PY_TYPE}"`);
  if (edit.omit !== 'record') parts.push(`"record": ${edit.record ?? p.record}`);
  if (edit.omit !== 'repo') parts.push(`"repo": "${edit.did ?? p.did}"`);
  return `{${parts.join(', ')}}`;
}

/** A Jetstream line: compact JSON, time_us in microseconds since the epoch. */
export function jetstreamLine(p: Parts, edit: LineEdit = {}): string {
  const did = edit.did ?? p.did;
  const head = (edit.omit === 'did' ? '' : `"did":"${did}",`) + (edit.omit === 'time_us' ? '' : `"time_us":${Math.floor(p.time)},`);
  if (p.info !== undefined) return `{${head}"kind":"${p.op}","${p.op}":${p.info}}`;
  if (edit.omit === 'commit') return `{${head}"kind":"commit"}`;
  const rev = tid(p.time, 0);
  if (p.op === 'delete') return `{${head}"kind":"commit","commit":{"rev":"${rev}","operation":"delete","collection":"${p.collection}","rkey":"${p.rkey}"}}`;
  return `{${head}"kind":"commit","commit":{"rev":"${rev}","operation":"${p.op}","collection":"${p.collection}","rkey":"${p.rkey}","record":${edit.record ?? p.record},"cid":"${p.cid}"}}`;
}

/** A min-heap of lines waiting to be written again, by due time. */
class DupHeap {
  private due: number[] = [];
  private lines: string[] = [];

  get size(): number {
    return this.due.length;
  }

  peekDue(): number {
    return this.due[0];
  }

  push(due: number, line: string): void {
    const d = this.due;
    const l = this.lines;
    let i = d.length;
    d.push(due);
    l.push(line);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (d[p] <= d[i]) break;
      [d[p], d[i]] = [d[i], d[p]];
      [l[p], l[i]] = [l[i], l[p]];
      i = p;
    }
  }

  pop(): string {
    const d = this.due;
    const l = this.lines;
    const top = l[0];
    const lastD = d.pop()!;
    const lastL = l.pop()!;
    if (d.length) {
      d[0] = lastD;
      l[0] = lastL;
      let i = 0;
      for (;;) {
        const a = 2 * i + 1;
        const b = a + 1;
        let m = i;
        if (a < d.length && d[a] < d[m]) m = a;
        if (b < d.length && d[b] < d[m]) m = b;
        if (m === i) break;
        [d[m], d[i]] = [d[i], d[m]];
        [l[m], l[i]] = [l[i], l[m]];
        i = m;
      }
    }
    return top;
  }
}

/** The lines of a capture, one at a time (a Buffer only for a line with invalid UTF-8). */
export function* generateLines(options: GenOptions = {}): Generator<string | Buffer, GenStats> {
  const c = new Capture(options);
  for (let line = c.next(); line !== undefined; line = c.next()) yield line;
  return c.stats;
}

/** A whole capture as bytes, newline-terminated lines: for tests and fixtures. */
export function generateCapture(options: GenOptions = {}): Buffer {
  const c = new Capture(options);
  return Buffer.concat([...chunks(c)]);
}

/** The capture in chunks of about 256 KB, for writing to a stream fast: lines are encoded straight into the chunk. */
export function* chunks(c: Capture, size = 1 << 18): Generator<Buffer> {
  let buf = Buffer.allocUnsafe(size);
  let at = 0;
  for (let line = c.next(); line !== undefined; line = c.next()) {
    // A UTF-16 unit never takes more than 3 bytes in UTF-8.
    const room = typeof line === 'string' ? line.length * 3 + 1 : line.length + 1;
    if (at + room > buf.length) {
      if (at > 0) yield buf.subarray(0, at);
      buf = Buffer.allocUnsafe(Math.max(size, room));
      at = 0;
    }
    at += typeof line === 'string' ? buf.write(line, at) : line.copy(buf, at);
    buf[at++] = 10;
  }
  if (at > 0) yield buf.subarray(0, at);
}

/**
 * The capture written in real time: each line waits until the clock reaches
 * its event time (start the capture at the current time). Lines are yielded
 * in small batches; the consumer's pace (backpressure) is respected since the
 * generator only runs when pulled.
 */
export async function* paced(c: Capture, now: () => number = nowMicros): AsyncGenerator<Buffer> {
  let text = '';
  for (let line = c.next(); line !== undefined; line = c.next()) {
    const wait = c.time - now();
    if (wait > 5000) {
      if (text) yield Buffer.from(text);
      text = '';
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait / 1000)));
    }
    if (typeof line === 'string') text += line + '\n';
    else {
      if (text) yield Buffer.from(text);
      text = '';
      yield Buffer.concat([line, Buffer.from('\n')]);
    }
    if (text.length >= 1 << 16) {
      yield Buffer.from(text);
      text = '';
    }
  }
  if (text) yield Buffer.from(text);
}

/** The current time in microseconds since the epoch. */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}
