/** The suite's canonical event: what bsky-parse writes, one JSON object per line. */
export interface CommitEvent {
  /** Event (receive) time as canonical text; see lib/time.ts. */
  time: string;
  did: string;
  op: 'create' | 'update' | 'delete';
  collection: string;
  rkey: string;
  cid?: string;
  record?: Record<string, unknown>;
}

/** A Jetstream identity or account event, kept so that every input line is accounted for. */
export interface InfoEvent {
  time: string;
  did: string;
  op: 'identity' | 'account';
  record: Record<string, unknown>;
}

export type BskyEvent = CommitEvent | InfoEvent;

export const OPS = new Set(['create', 'update', 'delete']);

/** True for record events (create, update, delete), false for identity and account events. */
export function isCommit(e: BskyEvent): e is CommitEvent {
  return 'collection' in e;
}
