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
  private readonly sent = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** A prune for `root`'s tree went to `peer`. */
  record(root: NodeName, peer: NodeName): void {
    const k = keyOf(root, peer);
    this.sent.delete(k);
    this.sent.add(k);
    if (this.sent.size <= this.capacity) return;
    for (const oldest of this.sent) {
      this.sent.delete(oldest);
      return;
    }
  }

  /** Whether a prune for `root`'s tree went to `peer` since it last fed us; forgets it. */
  take(root: NodeName, peer: NodeName): boolean {
    return this.sent.delete(keyOf(root, peer));
  }

  get size(): number {
    return this.sent.size;
  }
}

function keyOf(root: NodeName, peer: NodeName): string {
  return `${root}\u0000${peer}`;
}
