import type { NodeName } from './messages.js';

/**
 * The prunes this node sent, per tree and peer, until that peer pushes a new payload
 * of the tree here again. A payload the peer sent before our prune reached it then
 * arrives as new and makes the peer eager here, while the peer, on reading the
 * prune, makes this node lazy: the link would be eager on one side only, and this
 * node, believing it is fed, would prune its other parents' duplicates and end up
 * reached only lazily. Seeing the record, the core sends a link-only graft instead,
 * so both sides agree the link is eager. Bounded by `capacity`, oldest dropped (a
 * dropped record only costs the next message's graft).
 */
export class SentPrunes {
  // Keyed by a number made of the two names' ids, not by a string built per call:
  // a 1,000-node burst records and looks up millions of prunes, and every built key
  // was a new string to hash and collect.
  private readonly sent = new Map<number | string, number>();
  private readonly ids = new Map<NodeName, number>();

  constructor(
    private readonly capacity: number,
    private readonly windowMs: number,
  ) {}

  /** A prune for `root`'s tree went to `peer` at `now`. */
  record(root: NodeName, peer: NodeName, now: number): void {
    const k = this.keyOf(root, peer);
    this.sent.delete(k);
    this.sent.set(k, now);
    if (this.sent.size <= this.capacity) return;
    for (const oldest of this.sent.keys()) {
      this.sent.delete(oldest);
      return;
    }
  }

  /**
   * Whether a prune for `root`'s tree went to `peer` within the window before `now`;
   * forgets it. A payload that crossed the prune arrives within about a round trip:
   * a later one means the peer made this node eager again itself (a new member, a
   * reseeded tree), and answering every such push with a graft makes trees thrash
   * when roots outnumber `maxTrees`.
   */
  take(root: NodeName, peer: NodeName, now: number): boolean {
    const k = this.keyOf(root, peer);
    const at = this.sent.get(k);
    if (at === undefined) return false;
    this.sent.delete(k);
    return now - at <= this.windowMs;
  }

  get size(): number {
    return this.sent.size;
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
