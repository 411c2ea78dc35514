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
  // was most of a 1,000-node burst's time. An array per root, not a map: in a
  // burst every node indexes a few messages of each of a thousand roots, and a
  // map per root was a tenth of the heap.
  private readonly byRoot = new Map<NodeName, RootSlots>();
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
      if (after !== undefined && after !== before) this.index(after, slot);
      return;
    }
    const fresh: Slot = { key, delivery, seq: this.nextSeq++ };
    this.byKey.set(key, fresh);
    this.order.push(key);
    const root = delivery.entry?.root;
    if (root !== undefined) this.index(root, fresh);
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
    const later: Slot[] = [];
    const { slots } = tree;
    for (let i = tree.head; i < slots.length; i++) {
      const slot = slots[i];
      if (slot !== undefined && slot.seq > at.seq) later.push(slot);
    }
    // A key indexed again after losing its entry sits last in its root's list.
    later.sort((a, b) => a.seq - b.seq);
    return later.map((slot) => ({ key: slot.key, entry: slot.delivery.entry as Announcement }));
  }

  /** Entries remembered. */
  get size(): number {
    return this.byKey.size;
  }

  private index(root: NodeName, slot: Slot): void {
    const tree = this.byRoot.get(root);
    if (tree === undefined) this.byRoot.set(root, { slots: [slot], head: 0, live: 1 });
    // Never twice: a slot is listed under the root of its entry only.
    else {
      tree.slots.push(slot);
      tree.live++;
    }
  }

  private unindex(root: NodeName, key: string): void {
    const tree = this.byRoot.get(root);
    if (tree === undefined) return;
    const { slots } = tree;
    // The oldest message goes first, and it is the first of its root's list: found
    // at `head` and cleared in O(1). Removing it with `splice` moved every later
    // slot, thousands per delivery for a single sender (a sixth of a relay's CPU).
    let at = tree.head;
    while (at < slots.length && slots[at]?.key !== key) at++;
    if (at === slots.length) return;
    slots[at] = undefined;
    tree.live--;
    if (tree.live === 0) {
      this.byRoot.delete(root);
      return;
    }
    while (slots[tree.head] === undefined) tree.head++;
    // Holes are dropped once they are at least half of the list, so each slot is
    // copied O(1) times on average.
    if (slots.length >= 32 && tree.live * 2 <= slots.length) {
      tree.slots = slots.filter((s) => s !== undefined);
      tree.head = 0;
    }
  }
}

/**
 * One root's remembered messages in delivery order, oldest first from `head`;
 * removed ones leave a hole until the list is compacted.
 */
interface RootSlots {
  slots: (Slot | undefined)[];
  head: number;
  live: number;
}

interface Slot {
  readonly key: string;
  delivery: Delivery;
  readonly seq: number;
}
