import { isUtf8 } from 'node:buffer';
import { canonicalTime, wallMicros } from '../time.js';
import { PERIOD_US, burstTimes, planPeriod, type Burst } from './bursts.js';
import { didOf, randomCid, tid, WallClock } from './ids.js';
import { malformed } from './malform.js';
import { Out } from './out.js';
import {
  COMPACT, PYTHON, embed, listItemRecord, postRecord, profileRecord, replyRef, strongRef, type Style,
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

/** How an event's record is written: built as text (posts, profiles, list items), or straight into the output. */
const enum Shape { Text, SubjectPost, SubjectDid, Delete, Info }

/** One event, described for the line writers. */
interface Ev {
  time: number;
  did: string;
  op: string;
  collection: string;
  shape: Shape;
  /** 'self' for a profile; otherwise a TID from rkeyUs and rkeyClock. */
  rkey?: string;
  rkeyUs: number;
  rkeyClock: number;
  /** The client's createdAt as text, or '' when it is createdUs written as `…Z` with milliseconds (most events). */
  createdAt: string;
  createdUs: number;
  /** Shape.Text: the record JSON; Shape.Info: the identity or account body. */
  text: string;
  subjectDid: string;
  subjectUs: number;
  subjectClock: number;
}

const enc = (s: string): Buffer => Buffer.from(s, 'latin1');

/** The constant pieces of a line, spelled in one style and encoded once: a line is mostly copies of these. */
function pieces(y: Style) {
  const subjectPost = new Map<string, Buffer>();
  const subjectDid = new Map<string, Buffer>();
  for (const [collection] of MIX) {
    subjectPost.set(collection, enc(`{"$type"${y.c}"${collection}"${y.s}"subject"${y.c}{"cid"${y.c}"`));
    subjectDid.set(collection, enc(`{"$type"${y.c}"${collection}"${y.s}"subject"${y.c}"`));
  }
  return {
    subjectPost,
    subjectDid,
    uri: enc(`"${y.s}"uri"${y.c}"at://`),
    post: enc('/app.bsky.feed.post/'),
    refEnd: enc(`"}${y.s}"createdAt"${y.c}"`),
    createdAt: enc(`"${y.s}"createdAt"${y.c}"`),
    end: enc('"}'),
  };
}
const TH = {
  start: enc('{"timestamp": "'),
  action: new Map(['create', 'delete'].map((op) => [op, enc(`", "action": "${op}", "path": "`)])),
  cid: enc('", "cid": "'),
  record: enc(`", "prev": null, "py_type": "${PY_TYPE}", "record": `),
  repo: enc(', "repo": "'),
  end: enc('"}'),
};
const PY_PIECES = pieces(PYTHON);
const JS_PIECES = pieces(COMPACT);

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
  private readonly p: ReturnType<typeof pieces>;
  private seq = 4_000_000_000;
  /** The line API's own output and the lines split from it. */
  private lineOut: Out | undefined;
  private lines: Array<string | Buffer> = [];
  private lineHead = 0;

  constructor(options: GenOptions = {}) {
    const o = (this.opts = resolveOptions(options));
    this.rng = new Rng(o.seed);
    this.jet = o.format === 'jetstream';
    this.style = this.jet ? COMPACT : PYTHON;
    this.p = this.jet ? JS_PIECES : PY_PIECES;
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

  /** The next line, or undefined at the end: a convenience over write(), for tests and small data. */
  next(): string | Buffer | undefined {
    while (this.lineHead >= this.lines.length) {
      const out = (this.lineOut ??= new Out(1 << 16));
      if (!this.write(out)) return undefined;
      const bytes = Buffer.concat(out.take());
      this.lines = [];
      this.lineHead = 0;
      for (let from = 0; from < bytes.length;) {
        const nl = bytes.indexOf(10, from);
        const line = bytes.subarray(from, nl);
        this.lines.push(isUtf8(line) ? line.toString() : Buffer.from(line));
        from = nl + 1;
      }
    }
    return this.lines[this.lineHead++];
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
      // Near misses go first: the fast likers are what a short capture is for.
      while (total * 4 > o.events && bursts.length) {
        let i = bursts.length - 1;
        for (let j = i; j >= 0; j--) if (bursts[j].kind !== 'fast') { i = j; break; }
        total -= bursts.splice(i, 1)[0].count;
      }
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

  /**
   * Writes the next event into `out`, after any duplicates that are due and
   * followed by any malformed lines; false at the end. `time` is then the
   * event's time.
   */
  write(out: Out): boolean {
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
    let wrote = false;
    while (this.dups.size && this.dups.peekDue() <= t) {
      out.bytes(this.dups.pop());
      this.stats.duplicates++;
      wrote = true;
    }
    if (t === Infinity) return wrote;
    this.time = t;
    let ev: Ev;
    if (tB <= tM) {
      const a = this.active[best];
      ev = this.like(a.did, tB);
      if (++a.i >= a.times.length) this.active.splice(best, 1);
    } else {
      ev = this.event(tM);
      this.mainLeft--;
      this.tMain += this.rng.exp(SECOND / this.opts.rate);
    }
    out.need(1024 + 3 * ev.text.length);
    const start = out.at;
    if (this.jet) this.jetstreamLine(out, ev);
    else this.takehomeLine(out, ev);
    out.buf[out.at++] = 10;
    this.stats.events++;
    const o = this.opts;
    if (ev.shape !== Shape.Info && o.dupRate > 0 && this.rng.chance(o.dupRate) && this.dups.size < MAX_PENDING_DUPS) {
      this.dups.push(t + this.rng.logUniform(2 * SECOND, 300 * SECOND), out.since(start));
    }
    if (o.badRate > 0 && this.rng.chance(o.badRate)) {
      const line = out.buf.toString('utf8', start, out.at - 1);
      do {
        const bad = malformed(this.rng, line, this.jet);
        if (bad.blank) this.stats.blank++;
        else this.stats.malformed++;
        if (typeof bad.line === 'string') out.u(bad.line);
        else out.bytes(bad.line);
        out.need(1);
        out.buf[out.at++] = 10;
      } while (this.rng.chance(o.badRate));
    }
    return true;
  }

  private takehomeLine(out: Out, ev: Ev): void {
    out.k(TH.start);
    out.micros(ev.time);
    out.k(TH.action.get(ev.op)!);
    out.a(ev.collection);
    out.buf[out.at++] = 47; // '/'
    if (ev.rkey !== undefined) out.a(ev.rkey);
    else out.tid(ev.rkeyUs, ev.rkeyClock);
    out.k(TH.cid);
    out.cid(this.rng);
    out.k(TH.record);
    this.record(out, ev);
    out.k(TH.repo);
    out.a(ev.did);
    out.k(TH.end);
  }

  private jetstreamLine(out: Out, ev: Ev): void {
    out.a('{"did":"');
    out.a(ev.did);
    out.a('","time_us":');
    out.int(Math.floor(ev.time));
    if (ev.shape === Shape.Info) {
      out.a(`,"kind":"${ev.op}","${ev.op}":`);
      out.u(ev.text);
      out.a('}');
      return;
    }
    out.a(',"kind":"commit","commit":{"rev":"');
    out.tid(ev.time, ev.rkeyClock ^ 0x155);
    out.a('","operation":"');
    out.a(ev.op);
    out.a('","collection":"');
    out.a(ev.collection);
    out.a('","rkey":"');
    if (ev.rkey !== undefined) out.a(ev.rkey);
    else out.tid(ev.rkeyUs, ev.rkeyClock);
    if (ev.shape === Shape.Delete) {
      out.a('"}}');
      return;
    }
    out.a('","record":');
    this.record(out, ev);
    out.a(',"cid":"');
    out.cid(this.rng);
    out.a('"}}');
  }

  private record(out: Out, ev: Ev): void {
    const p = this.p;
    switch (ev.shape) {
      case Shape.SubjectPost:
        out.k(p.subjectPost.get(ev.collection)!);
        out.cid(this.rng);
        out.k(p.uri);
        out.a(ev.subjectDid);
        out.k(p.post);
        out.tid(ev.subjectUs, ev.subjectClock);
        out.k(p.refEnd);
        if (ev.createdAt === '') out.millisZ(ev.createdUs);
        else out.a(ev.createdAt);
        out.k(p.end);
        return;
      case Shape.SubjectDid:
        out.k(p.subjectDid.get(ev.collection)!);
        out.a(ev.subjectDid);
        out.k(p.createdAt);
        if (ev.createdAt === '') out.millisZ(ev.createdUs);
        else out.a(ev.createdAt);
        out.k(p.end);
        return;
      default:
        out.u(ev.text);
    }
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
    // The common case is written straight as bytes by the line writer (text '').
    if (r < 0.97) return ['', us];
    if (r < 0.98) return [this.created.millisZ(t + rng.logUniform(SECOND, 3600 * SECOND)), us];
    if (r < 0.995) return [this.created.millisZ(t - rng.logUniform(60 * SECOND, 3 * 365 * 86400 * SECOND)), us];
    if (r < 0.9975) return [`${this.created.micros(us)}+00:00`, us];
    return [`${this.created.micros(us - 3 * 3600 * SECOND).slice(0, 19)}-03:00`, us];
  }

  /** A bot's like, at exactly the time its burst planned. */
  private like(did: string, t: number): Ev {
    const ev = this.ev(t, did, 'app.bsky.feed.like', Shape.SubjectPost);
    this.subjectPost(ev, t);
    return ev;
  }

  private ev(t: number, did: string, collection: string, shape: Shape, op = 'create'): Ev {
    const [createdAt, cus] = shape === Shape.Delete ? ['', t - this.rng.logUniform(60 * SECOND, 365 * 86400 * SECOND)] : this.createdAt(t);
    return {
      time: t, did, op, collection, shape, rkeyUs: cus, rkeyClock: this.rng.u32() & 1023, createdAt, createdUs: cus, text: '',
      subjectDid: '', subjectUs: 0, subjectClock: 0,
    };
  }

  /** Points a like or repost at a post of a plausible age. */
  private subjectPost(ev: Ev, t: number): void {
    ev.subjectDid = this.did(this.zipf.next(this.rng));
    ev.subjectUs = t - this.rng.logUniform(10 * SECOND, 30 * 86400 * SECOND);
    ev.subjectClock = this.rng.u32() & 1023;
  }

  /** One event of the main stream at time t, of a kind drawn from the mix. */
  private event(t: number): Ev {
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
    if (this.jet && collection !== 'app.bsky.actor.profile' && collection !== 'app.bsky.graph.listitem' && rng.chance(DELETE_SHARE)) {
      return this.ev(t, did, collection, Shape.Delete, 'delete');
    }
    switch (collection) {
      case 'app.bsky.feed.like':
      case 'app.bsky.feed.repost': {
        const ev = this.ev(t, did, collection, Shape.SubjectPost);
        this.subjectPost(ev, t);
        return ev;
      }
      case 'app.bsky.graph.follow':
      case 'app.bsky.graph.block': {
        const ev = this.ev(t, did, collection, Shape.SubjectDid);
        ev.subjectDid = this.did(this.zipf.next(rng));
        return ev;
      }
    }
    const ev = this.ev(t, did, collection, Shape.Text);
    if (ev.createdAt === '') ev.createdAt = this.created.millisZ(ev.createdUs);
    switch (collection) {
      case 'app.bsky.graph.listitem':
        ev.text = listItemRecord(y, this.did(this.zipf.next(rng)), ev.createdAt, `at://${did}/app.bsky.graph.list/${tid(t - rng.logUniform(3600 * SECOND, 400 * 86400 * SECOND), rng.u32() & 1023)}`);
        break;
      case 'app.bsky.actor.profile': {
        ev.rkey = 'self';
        const name = rng.chance(0.3) ? '' : `${cap(rng.pick(NAME_PARTS))} ${cap(rng.pick(NAME_PARTS))}`;
        ev.text = profileRecord(y, rng, ev.createdAt, name, rng.chance(0.4) ? `she/her • ${rng.pick(NAME_PARTS)} enthusiast\n${handle(rng)}` : undefined);
        break;
      }
      default:
        ev.text = this.post(t, ev.createdAt);
    }
    return ev;
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
  private info(t: number, kind: 'identity' | 'account'): Ev {
    const did = this.did(this.zipf.next(this.rng));
    const when = this.created.millisZ(t - 200_000);
    const seq = this.seq++;
    const body = kind === 'identity'
      ? `{"did":"${did}","handle":"${handle(this.rng)}","seq":${seq},"time":"${when}"}`
      : this.rng.chance(0.8) ? `{"active":true,"did":"${did}","seq":${seq},"time":"${when}"}` : `{"active":false,"did":"${did}","seq":${seq},"status":"deactivated","time":"${when}"}`;
    return { time: t, did, op: kind, collection: '', shape: Shape.Info, rkeyUs: 0, rkeyClock: 0, createdAt: '', createdUs: 0, text: body, subjectDid: '', subjectUs: 0, subjectClock: 0 };
  }
}

function cap(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}


/** A min-heap of lines waiting to be written again, by due time. */
class DupHeap {
  private due: number[] = [];
  private lines: Buffer[] = [];

  get size(): number {
    return this.due.length;
  }

  peekDue(): number {
    return this.due[0];
  }

  push(due: number, line: Buffer): void {
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

  pop(): Buffer {
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
  return Buffer.concat([...chunks(new Capture(options))]);
}

/** The capture in chunks of about 256 KB, for writing to a stream fast. */
export function* chunks(c: Capture): Generator<Buffer> {
  const out = new Out();
  while (c.write(out)) if (out.done.length) yield* out.done.splice(0);
  yield* out.take();
}

/**
 * The capture written in real time: each event waits until the clock reaches
 * its time (start the capture at the current time). The generator only runs
 * when pulled, so a slow reader slows it down (backpressure).
 */
export async function* paced(c: Capture, now: () => number = nowMicros): AsyncGenerator<Buffer> {
  const out = new Out(1 << 16);
  while (c.write(out)) {
    const wait = c.time - now();
    if (wait > 5000 || out.done.length) {
      yield* out.take();
      if (wait > 5000) await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait / 1000)));
    }
  }
  yield* out.take();
}

/** The current time in microseconds since the epoch. */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}
