import type { Announcement, NodeName } from './messages.js';

/** How a recently delivered message reached us. */
export interface Delivery {
  /** The round it arrived with (or of the shorter link the optimisation switched to). */
  readonly round: number;
  /** The eager peer it came from. */
  readonly from: NodeName;
  /** The message, to announce again to a peer catching up after a repair. */
  readonly entry?: Announcement;
}

/**
 * A capped LRU of recently delivered messages: their round for the tree
 * optimisation, and "we have it" for delayed grafts racing the payload. Bounded by
 * `capacity`, so it does not grow with the number of messages ever seen; a message
 * that fell out is simply not optimised on.
 */
export class RecentDeliveries {
  private readonly byKey = new Map<string, Delivery>();

  constructor(private readonly capacity: number) {}

  /**
   * Records a delivery, evicting the first recorded beyond capacity. A key already
   * recorded keeps its place, so the order stays the order of delivery.
   */
  set(key: string, delivery: Delivery): void {
    this.byKey.set(key, delivery);
    if (this.byKey.size > this.capacity) {
      for (const oldest of this.byKey.keys()) {
        this.byKey.delete(oldest);
        break;
      }
    }
  }

  /** The delivery of `key`, if still remembered. */
  get(key: string): Delivery | undefined {
    return this.byKey.get(key);
  }

  /** Whether `key` is still remembered. */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /**
   * The messages of `root`'s tree delivered after `key`, in delivery order; none
   * when `key` is not remembered (nothing is known about what came after it).
   */
  since(key: string, root: NodeName): { key: string; entry: Announcement }[] {
    const out: { key: string; entry: Announcement }[] = [];
    let found = false;
    for (const [k, d] of this.byKey) {
      if (found && d.entry !== undefined && d.entry.root === root)
        out.push({ key: k, entry: d.entry });
      else if (k === key) found = true;
    }
    return out;
  }

  /** Entries remembered. */
  get size(): number {
    return this.byKey.size;
  }
}
