import type { NodeName } from './messages.js';

/** How a recently delivered message reached us. */
export interface Delivery {
  /** The round it arrived with (or of the shorter link the optimisation switched to). */
  readonly round: number;
  /** The eager peer it came from. */
  readonly from: NodeName;
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

  /** Records (or refreshes) a delivery, evicting the least recently recorded beyond capacity. */
  set(key: string, delivery: Delivery): void {
    this.byKey.delete(key);
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

  /** Entries remembered. */
  get size(): number {
    return this.byKey.size;
  }
}
