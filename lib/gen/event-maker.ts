import type { ResolvedOptions } from './options.js';
import { didOf, randomCid, tid, WallClock } from './ids.js';
import { COMPACT, PYTHON, embed, listItemRecord, postRecord, profileRecord, replyRef, strongRef, type Style } from './records.js';
import type { Rng } from './rng.js';
import { handle, postText } from './text.js';
import { NAME_PARTS } from './vocab.js';
import { Zipf } from './zipf.js';

export const SECOND = 1_000_000;
/** An ordinary account likes at most once per 1.25 s: at most 48 likes in any minute, so only the bots are fast likers. */
const LIKE_GAP = 1_250_000;
const SALT_USER = 0x1234567;

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
export const enum Shape { Text, SubjectPost, SubjectDid, Delete, Info }

/** One event, described for the line writers. */
export interface Ev {
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

/**
 * What happens in the stream: the accounts (a Zipf pool of busy and quiet
 * ones), which kind of record each event creates, its subject, its text,
 * its client time. Draws from the capture's one Rng, in the order the
 * capture asks, so that the same seed gives the same bytes.
 */
export class EventMaker {
  private readonly style: Style;
  private readonly jet: boolean;
  private readonly zipf: Zipf;
  private readonly hot: string[];
  private readonly lastLike: Float64Array;
  private readonly hasProfile: Uint8Array;
  private readonly created = new WallClock();
  private readonly nearMiss: number;
  private seq = 4_000_000_000;

  constructor(private readonly opts: ResolvedOptions, private readonly rng: Rng) {
    this.jet = opts.format === 'jetstream';
    this.style = this.jet ? COMPACT : PYTHON;
    this.zipf = new Zipf(opts.users);
    this.lastLike = new Float64Array(opts.users).fill(-Infinity);
    this.hasProfile = new Uint8Array(opts.users);
    // A packed array of the busiest accounts' DIDs ('' until first used): most events pick one of them.
    this.hot = new Array<string>(Math.min(opts.users, 262144)).fill('');
    this.nearMiss = opts.engineering > 0 ? Math.min(0.05, 0.6 * opts.engineering + 0.005) : 0;
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
  like(did: string, t: number): Ev {
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
  event(t: number): Ev {
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
