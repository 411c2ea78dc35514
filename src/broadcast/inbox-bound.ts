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

/** Units (a frame, plus one per announcement it carries) queued at most, by default, before shedding. */
export const DEFAULT_INBOX_LIMIT = 20_000;

/**
 * What a frame weighs against the bound: one, plus one per announcement it carries.
 * Counting frames alone let a node that fell behind queue thousands of full `i_have`
 * batches (each up to hundreds of announcements, some 50 KB in memory): its peers
 * repeat every unacknowledged announcement each lazy tick, so the slower it got the
 * more it was sent, and a soak node's mailbox reached 23,680 frames and 1.2 GB while
 * the bound still admitted. Weighed by what it carries, the queue is bounded in memory.
 */
export function frameWeight(msg: unknown): number {
  const entries = (msg as { entries?: unknown } | null)?.entries;
  return 1 + (Array.isArray(entries) ? entries.length : 0);
}

/** Counts frames between the router and the broadcast server, and sheds past the limit. */
export class InboxBound {
  /** Weight ({@link frameWeight}) of the frames handed to the server and not taken yet. */
  private queued = 0;
  /** Told of every shed frame (the server counts it as `dropped{reason="overloaded"}`). */
  onShed: () => void = () => {};

  constructor(readonly limit: number = DEFAULT_INBOX_LIMIT) {
    if (!(Number.isSafeInteger(limit) && limit >= 1)) {
      throw new RangeError(`inbox limit must be an integer >= 1, got ${String(limit)}`);
    }
  }

  /**
   * Whether a frame of `type` weighing `weight` may be queued; a refused frame is
   * counted as shed. A sheddable frame is refused when it would take the queue past
   * the limit; an empty queue takes anything, so no batch is too big ever to get in.
   */
  admit(type: unknown, weight = 1): boolean {
    const over = this.queued > 0 && this.queued + weight > this.limit;
    if (over && typeof type === 'string' && SHEDDABLE.has(type)) {
      this.onShed();
      return false;
    }
    this.queued += weight;
    return true;
  }

  /** The server took a frame weighing `weight` off its mailbox. */
  taken(weight = 1): void {
    this.queued = Math.max(0, this.queued - weight);
  }

  /** A fresh server incarnation starts with an empty mailbox. */
  reset(): void {
    this.queued = 0;
  }

  /** Weight queued now. */
  get size(): number {
    return this.queued;
  }
}
