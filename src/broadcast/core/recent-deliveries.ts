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
  private readonly byKey = new Map<string, Slot>();
  // Per root, the remembered messages of its tree: `since` runs on every link-only
  // graft (each tree optimisation), and scanning every remembered message there
  // was most of a 1,000-node burst's time.
  private readonly byRoot = new Map<NodeName, Map<string, Slot>>();
  /**
   * Keys in delivery order, oldest at `head`. Evicting by iterating `byKey` from its
   * start would walk every deleted entry V8 keeps until the map is rehashed: at
   * capacity, a delivery then cost thousands of skipped holes.
   */
  private order: (string | undefined)[] = [];
  private head = 0;
  private nextSeq = 0;

  constructor(private readonly capacity: number) {}

  /**
   * Records a delivery, evicting the first recorded beyond capacity. A key already
   * recorded keeps its place, so the order stays the order of delivery.
   */
  set(key: string, delivery: Delivery): void {
    const slot = this.byKey.get(key);
    if (slot !== undefined) {
      const before = slot.delivery.entry?.root;
      const after = delivery.entry?.root;
      if (before !== undefined && before !== after) this.unindex(before, key);
      slot.delivery = delivery;
      if (after !== undefined && after !== before) this.index(after, key, slot);
      return;
    }
    const fresh: Slot = { delivery, seq: this.nextSeq++ };
    this.byKey.set(key, fresh);
    this.order.push(key);
    const root = delivery.entry?.root;
    if (root !== undefined) this.index(root, key, fresh);
    if (this.byKey.size > this.capacity) this.evictOldest();
  }

  private evictOldest(): void {
    const oldest = this.order[this.head] as string;
    this.order[this.head++] = undefined;
    if (this.head >= 1024 && this.head * 2 >= this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    const old = this.byKey.get(oldest);
    if (old === undefined) return;
    this.byKey.delete(oldest);
    const oldRoot = old.delivery.entry?.root;
    if (oldRoot !== undefined) this.unindex(oldRoot, oldest);
  }

  /** The delivery of `key`, if still remembered. */
  get(key: string): Delivery | undefined {
    return this.byKey.get(key)?.delivery;
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
    const at = this.byKey.get(key);
    const tree = this.byRoot.get(root);
    if (at === undefined || tree === undefined) return [];
    const later: [string, Slot][] = [];
    for (const [k, slot] of tree) if (slot.seq > at.seq) later.push([k, slot]);
    // A key indexed again after losing its entry sits last in its root's map.
    later.sort((a, b) => a[1].seq - b[1].seq);
    return later.map(([k, slot]) => ({ key: k, entry: slot.delivery.entry as Announcement }));
  }

  /** Entries remembered. */
  get size(): number {
    return this.byKey.size;
  }

  private index(root: NodeName, key: string, slot: Slot): void {
    let tree = this.byRoot.get(root);
    if (tree === undefined) {
      tree = new Map();
      this.byRoot.set(root, tree);
    }
    tree.set(key, slot);
  }

  private unindex(root: NodeName, key: string): void {
    const tree = this.byRoot.get(root);
    if (tree === undefined) return;
    tree.delete(key);
    if (tree.size === 0) this.byRoot.delete(root);
  }
}

interface Slot {
  delivery: Delivery;
  readonly seq: number;
}
