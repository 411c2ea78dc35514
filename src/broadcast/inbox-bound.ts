/**
 * A bound on the frames queued for the broadcast server. Mailboxes have no limit of
 * their own: a node that cannot keep up with its peers queued every incoming copy and
 * grew without bound (about 100,000 queued frames in a soak). Past the bound, eager
 * copies and announcements are shed at the door, which Plumtree repairs (announcements
 * repeat until acknowledged, a missing payload is grafted, exchanges fill the rest);
 * prunes, grafts and acknowledgements are never shed, since they carry tree state.
 */

/** Frames that may be shed: each is repeated or repaired by the protocol. */
const SHEDDABLE: ReadonlySet<string> = new Set(['broadcast', 'i_have']);

/** Frames queued for the broadcast server at most, by default, before shedding. */
export const DEFAULT_INBOX_LIMIT = 20_000;

/** Counts frames between the router and the broadcast server, and sheds past the limit. */
export class InboxBound {
  /** Frames handed to the server and not taken yet. */
  private queued = 0;
  /** Told of every shed frame (the server counts it as `dropped{reason="overloaded"}`). */
  onShed: () => void = () => {};

  constructor(readonly limit: number = DEFAULT_INBOX_LIMIT) {
    if (!(Number.isSafeInteger(limit) && limit >= 1)) {
      throw new RangeError(`inbox limit must be an integer >= 1, got ${String(limit)}`);
    }
  }

  /** Whether a frame of `type` may be queued; a refused frame is counted as shed. */
  admit(type: unknown): boolean {
    if (this.queued >= this.limit && typeof type === 'string' && SHEDDABLE.has(type)) {
      this.onShed();
      return false;
    }
    this.queued++;
    return true;
  }

  /** The server took one frame off its mailbox. */
  taken(): void {
    if (this.queued > 0) this.queued--;
  }

  /** A fresh server incarnation starts with an empty mailbox. */
  reset(): void {
    this.queued = 0;
  }

  /** Frames queued now. */
  get size(): number {
    return this.queued;
  }
}
