/**
 * Watches: every durable change of this replica gets a sequence number and is kept in
 * a bounded ring, so a watcher that reconnects with the token of the last change it
 * saw gets exactly what it missed, or is told it fell too far behind and must list
 * again. The ring is the only memory watches use, whatever the number of changes.
 */
import type { MetadataObject } from './object.js';
import type { FullPrefix, MetadataKey } from './prefix.js';

/** A change as the feed keeps it. */
export interface FeedChange {
  /** Position in this feed; the resume token names it. */
  readonly seq: number;
  readonly prefix: FullPrefix;
  readonly key: MetadataKey;
  readonly object: MetadataObject;
  readonly deleted: boolean;
  readonly origin: 'local' | 'remote';
}

/** Which keys a watch sees: one full prefix, or every sub-prefix of a prefix. */
export type WatchScope = FullPrefix | readonly [prefix: string];

/** True when the change falls under `scope`. */
export function inScope(scope: WatchScope, prefix: FullPrefix): boolean {
  return scope[0] === prefix[0] && (scope.length === 1 || scope[1] === prefix[1]);
}

/** Where a watch resumes: after `seq`, in the feed of incarnation `epoch`. */
export interface ResumeToken {
  readonly epoch: string;
  readonly seq: number;
}

/** The text form of a token: opaque to clients, `epoch.seq` inside. */
export function formatToken(token: ResumeToken): string {
  return `${token.epoch}.${token.seq}`;
}

/** Parses a token; undefined for anything that is not one. */
export function parseToken(text: string): ResumeToken | undefined {
  const dot = text.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const seq = Number(text.slice(dot + 1));
  if (!/^\d+$/.test(text.slice(dot + 1)) || !Number.isSafeInteger(seq)) return undefined;
  return { epoch: text.slice(0, dot), seq };
}

/** What resuming from a token finds. */
export type Replay =
  | { readonly kind: 'changes'; readonly changes: readonly FeedChange[] }
  /**
   * The token is from another incarnation of this node (it restarted, losing the
   * ring), or older than the oldest change still kept: the watcher must list again.
   */
  | { readonly kind: 'too-far-behind'; readonly reason: string };

/** A bounded ring of the latest changes. */
export class ChangeFeed {
  private readonly ring: (FeedChange | undefined)[];
  private nextSeq = 1;

  constructor(
    /** Names this incarnation of the feed; tokens of another one cannot resume. */
    readonly epoch: string,
    readonly capacity: number,
  ) {
    this.ring = new Array<FeedChange | undefined>(capacity).fill(undefined);
  }

  /** Records a change and returns it numbered. */
  append(change: Omit<FeedChange, 'seq'>): FeedChange {
    const numbered = { ...change, seq: this.nextSeq++ };
    this.ring[numbered.seq % this.capacity] = numbered;
    return numbered;
  }

  /** The token naming the latest change (seq 0 before any). */
  head(): ResumeToken {
    return { epoch: this.epoch, seq: this.nextSeq - 1 };
  }

  /** The changes under `scope` after `token`, oldest first. */
  since(token: ResumeToken, scope: WatchScope): Replay {
    if (token.epoch !== this.epoch) {
      return { kind: 'too-far-behind', reason: 'the node restarted since that token' };
    }
    const last = this.nextSeq - 1;
    if (token.seq > last) return { kind: 'too-far-behind', reason: 'the token is from the future' };
    const oldest = Math.max(1, this.nextSeq - this.capacity);
    if (token.seq + 1 < oldest) {
      return {
        kind: 'too-far-behind',
        reason: `${oldest - token.seq - 1} changes were dropped from the feed since that token`,
      };
    }
    const changes: FeedChange[] = [];
    for (let seq = token.seq + 1; seq <= last; seq++) {
      const change = this.ring[seq % this.capacity];
      if (change !== undefined && change.seq === seq && inScope(scope, change.prefix)) {
        changes.push(change);
      }
    }
    return { kind: 'changes', changes };
  }
}
