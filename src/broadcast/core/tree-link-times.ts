import type { NodeName } from './messages.js';

/**
 * When something last happened on a link of a tree: one time per (tree, peer),
 * bounded by `capacity`, oldest dropped. The shared mechanism of {@link SentPrunes}
 * and {@link LinkGrafts}.
 */
export class TreeLinkTimes {
  // Keyed by a number made of the two names' ids, not by a string built per call:
  // a 1,000-node burst records and looks up millions of prunes, and every built key
  // was a new string to hash and collect.
  private readonly times = new Map<number | string, number>();
  private readonly ids = new Map<NodeName, number>();

  constructor(private readonly capacity: number) {}

  /** It happened on `root`'s link to `peer` at `now`. */
  record(root: NodeName, peer: NodeName, now: number): void {
    const k = this.keyOf(root, peer);
    this.times.delete(k);
    this.times.set(k, now);
    if (this.times.size <= this.capacity) return;
    for (const oldest of this.times.keys()) {
      this.times.delete(oldest);
      return;
    }
  }

  /** When it last happened on `root`'s link to `peer`, if still remembered. */
  at(root: NodeName, peer: NodeName): number | undefined {
    return this.times.get(this.keyOf(root, peer));
  }

  /** When it last happened on `root`'s link to `peer`, forgotten from now on. */
  take(root: NodeName, peer: NodeName): number | undefined {
    const k = this.keyOf(root, peer);
    const at = this.times.get(k);
    if (at !== undefined) this.times.delete(k);
    return at;
  }

  get size(): number {
    return this.times.size;
  }

  // Small integers while both ids fit in 15 bits (a Map keys them without hashing a
  // string); beyond that a string, which cannot collide with any number.
  private keyOf(root: NodeName, peer: NodeName): number | string {
    const r = this.idOf(root);
    const p = this.idOf(peer);
    return r < ID_LIMIT && p < ID_LIMIT ? r * ID_LIMIT + p : `${root}\u0000${peer}`;
  }

  private idOf(name: NodeName): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.ids.size;
      // Beyond the limit names get no id: their keys are strings anyway.
      if (id < ID_LIMIT) this.ids.set(name, id);
    }
    return id;
  }
}

const ID_LIMIT = 1 << 15;
