import type { HandlerName, MessageId, NodeName } from './messages.js';
import { graftTimer, type TimerKey } from './timers.js';

/** A peer that announced a message we do not have, with the announcement's tree position. */
export interface Announcer {
  readonly peer: NodeName;
  readonly round: number;
  readonly root: NodeName;
}

/** A message announced to us but not received yet. */
export interface MissingMessage {
  readonly handler: HandlerName;
  readonly id: MessageId;
  readonly key: string;
  /** The delayed-graft timer of this message. */
  readonly timerKey: TimerKey;
  /** Who announced it, first announcer first. */
  readonly announcers: Announcer[];
  /** When it was first announced (the core's clock): bounds how long a graft may be postponed. */
  readonly announcedAt: number;
}

/** What {@link MissingMessages.announce} did. */
export interface AnnounceResult {
  /** The message was not tracked before: arm its first graft timer. */
  readonly first: boolean;
  /** A message dropped to make room: cancel its timer. */
  readonly evicted: MissingMessage | undefined;
}

/**
 * The paper's `missing` set: messages announced by `i_have` whose payload has not
 * arrived, each with a short list of announcers to graft one at a time. Bounded
 * twice: announcers per message, and messages tracked (oldest dropped). A dropped
 * message is not lost: its announcers repeat the `i_have` every lazy tick until
 * acknowledged, which starts tracking it again.
 */
export class MissingMessages {
  private readonly byKey = new Map<string, MissingMessage>();

  constructor(
    private readonly maxMessages: number,
    private readonly maxAnnouncers: number,
  ) {}

  /** Records that `announcer` has the message; a peer announcing again only updates its round. */
  announce(
    key: string,
    handler: HandlerName,
    id: MessageId,
    announcer: Announcer,
    now: number,
  ): AnnounceResult {
    const known = this.byKey.get(key);
    if (known !== undefined) {
      const i = known.announcers.findIndex((a) => a.peer === announcer.peer);
      if (i >= 0) known.announcers[i] = announcer;
      else if (known.announcers.length < this.maxAnnouncers) known.announcers.push(announcer);
      return { first: false, evicted: undefined };
    }
    let evicted: MissingMessage | undefined;
    if (this.byKey.size >= this.maxMessages) {
      for (const oldest of this.byKey.values()) {
        evicted = oldest;
        this.byKey.delete(oldest.key);
        break;
      }
    }
    this.byKey.set(key, {
      handler,
      id,
      key,
      timerKey: graftTimer(key),
      announcers: [announcer],
      announcedAt: now,
    });
    return { first: true, evicted };
  }

  /** The tracked message with key `key`. */
  get(key: string): MissingMessage | undefined {
    return this.byKey.get(key);
  }

  /** Stops tracking (the payload arrived, or no announcer is left); returns what was tracked. */
  drop(key: string): MissingMessage | undefined {
    const m = this.byKey.get(key);
    if (m !== undefined) this.byKey.delete(key);
    return m;
  }

  /** Forgets `peer` as an announcer; returns the messages left without announcers (now dropped). */
  forgetPeer(peer: NodeName): MissingMessage[] {
    const emptied: MissingMessage[] = [];
    for (const m of this.byKey.values()) {
      const i = m.announcers.findIndex((a) => a.peer === peer);
      if (i < 0) continue;
      m.announcers.splice(i, 1);
      if (m.announcers.length === 0) emptied.push(m);
    }
    for (const m of emptied) this.byKey.delete(m.key);
    return emptied;
  }

  /** Messages tracked. */
  /** Every missing message, oldest first. */
  values(): IterableIterator<MissingMessage> {
    return this.byKey.values();
  }

  get size(): number {
    return this.byKey.size;
  }
}
