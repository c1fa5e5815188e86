import { Out } from './out.js';
import { COMPACT, PYTHON, type Style } from './records.js';
import type { Rng } from './rng.js';
import { MIX, Shape, type Ev } from './event-maker.js';

const PY_TYPE = 'com.atproto.sync.subscribeRepos#repoOp';

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

/**
 * Writes an event as one line, take-home script or Jetstream, straight into
 * the output buffer from pieces encoded once (CIDs drawn from the capture's Rng).
 */
export class LineWriter {
  private readonly p: ReturnType<typeof pieces>;

  constructor(private readonly jet: boolean, private readonly rng: Rng) {
    this.p = jet ? JS_PIECES : PY_PIECES;
  }

  /** Writes the event's line, without its newline. */
  write(out: Out, ev: Ev): void {
    if (this.jet) this.jetstreamLine(out, ev);
    else this.takehomeLine(out, ev);
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
}
