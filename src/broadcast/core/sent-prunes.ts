import type { NodeName } from './messages.js';
import { TreeLinkTimes } from './tree-link-times.js';

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
  private readonly sent: TreeLinkTimes;

  constructor(
    capacity: number,
    private readonly windowMs: number,
  ) {
    this.sent = new TreeLinkTimes(capacity);
  }

  /** A prune for `root`'s tree went to `peer` at `now`. */
  record(root: NodeName, peer: NodeName, now: number): void {
    this.sent.record(root, peer, now);
  }

  /**
   * Whether a prune for `root`'s tree went to `peer` within the window before `now`;
   * forgets it. A payload that crossed the prune arrives within about a round trip:
   * a later one means the peer made this node eager again itself (a new member, a
   * reseeded tree), and answering every such push with a graft makes trees thrash
   * when roots outnumber `maxTrees`.
   */
  take(root: NodeName, peer: NodeName, now: number): boolean {
    const at = this.sent.take(root, peer);
    return at !== undefined && now - at <= this.windowMs;
  }

  get size(): number {
    return this.sent.size;
  }
}
