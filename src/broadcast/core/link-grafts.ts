import type { NodeName } from './messages.js';

/**
 * The peer each tree was last link-only grafted to here, and when. Until that graft
 * lands the peer holds this node lazy: a message it had before then reaches this
 * node as an announcement only, never as an eager copy, and waiting `graftTimeout1`
 * for that copy (the paper's timer) is waiting for nothing. Seen after a tree
 * optimisation swapped to the peer and after a repair re-parented to it (`npm run
 * sim -- repair`). Bounded like the trees, oldest dropped.
 */
export class LinkGrafts {
  private readonly last = new Map<NodeName, { readonly peer: NodeName; readonly at: number }>();

  constructor(
    private readonly capacity: number,
    private readonly windowMs: number,
  ) {}

  /** A link-only graft for `root`'s tree went to `peer` at `now`. */
  record(root: NodeName, peer: NodeName, now: number): void {
    this.last.delete(root);
    this.last.set(root, { peer, at: now });
    if (this.last.size <= this.capacity) return;
    for (const oldest of this.last.keys()) {
      this.last.delete(oldest);
      return;
    }
  }

  /** Whether `root`'s tree was link-only grafted to `peer` within the window before `now`. */
  recent(root: NodeName, peer: NodeName, now: number): boolean {
    const g = this.last.get(root);
    return g !== undefined && g.peer === peer && now - g.at <= this.windowMs;
  }

  get size(): number {
    return this.last.size;
  }
}
