import type { NodeName } from './messages.js';
import { TreeLinkTimes } from './tree-link-times.js';

/**
 * The link-only grafts this node sent, per tree and peer, and when. Until such a
 * graft lands the peer holds this node lazy: a message it had before then reaches
 * this node as an announcement only, never as an eager copy, and waiting
 * `graftTimeout1` for that copy (the paper's timer) is waiting for nothing. Seen
 * after a tree optimisation swapped to the peer and after a repair re-parented to it
 * (`npm run sim -- repair`). Per peer, not only the latest of a tree: a catch-up
 * read in one turn may swap to the root and re-link the old parent fifteen times
 * over, and the root's graft must still be known. Bounded, oldest dropped.
 */
export class LinkGrafts {
  private readonly sent: TreeLinkTimes;

  constructor(
    capacity: number,
    private readonly windowMs: number,
  ) {
    this.sent = new TreeLinkTimes(capacity);
  }

  /** A link-only graft for `root`'s tree went to `peer` at `now`. */
  record(root: NodeName, peer: NodeName, now: number): void {
    this.sent.record(root, peer, now);
  }

  /** Whether a link-only graft for `root`'s tree went to `peer` within the window before `now`. */
  recent(root: NodeName, peer: NodeName, now: number): boolean {
    const at = this.sent.at(root, peer);
    return at !== undefined && now - at <= this.windowMs;
  }

  get size(): number {
    return this.sent.size;
  }
}
