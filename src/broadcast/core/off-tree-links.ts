import type { NodeName } from './messages.js';
import type { Announcer, MissingMessage } from './missing-messages.js';
import type { PlumtreeState } from './state.js';

/**
 * When this node last re-attached itself to each root's tree with a link-only graft
 * because a message was held but never brought by the tree (see
 * {@link offTreeLinkTarget}). One such graft per tree per window is enough: the
 * announcer it made eager pushes that tree's next payloads, and the i_haves still in
 * flight (or those its catch-up sends back) would otherwise each graft again.
 * Bounded by `maxRoots`, least recently linked dropped.
 */
export class OffTreeLinks {
  private readonly lastLink = new Map<NodeName, number>();
  /**
   * Per tree, the one held-but-not-tree-delivered message whose graft timer will judge
   * that tree. One is enough (the judgement is about the tree, not the message), and
   * tracking every such message of a burst larger than the delivery cache (whose
   * announcements all look off-tree once evicted) armed a timer per message.
   */
  private readonly pending = new Map<NodeName, string>();

  constructor(
    private readonly maxRoots: number,
    private readonly windowMs: number,
  ) {}

  /** Whether no off-tree link was grafted for `root` within the window before `now`. */
  mayLink(root: NodeName, now: number): boolean {
    const at = this.lastLink.get(root);
    return at === undefined || now - at >= this.windowMs;
  }

  /** Records a link-only graft for `root` at `now`. */
  linked(root: NodeName, now: number): void {
    this.lastLink.delete(root);
    this.lastLink.set(root, now);
    if (this.lastLink.size <= this.maxRoots) return;
    for (const oldest of this.lastLink.keys()) {
      this.lastLink.delete(oldest);
      return;
    }
  }

  /** The message awaiting its graft timer for `root`'s tree, if any was recorded. */
  pendingCheck(root: NodeName): string | undefined {
    return this.pending.get(root);
  }

  /** Records `key` as the message whose graft timer judges `root`'s tree. */
  awaitCheck(root: NodeName, key: string): void {
    this.pending.delete(root);
    this.pending.set(root, key);
    if (this.pending.size <= this.maxRoots) return;
    for (const oldest of this.pending.keys()) {
      this.pending.delete(oldest);
      return;
    }
  }

  get size(): number {
    return this.lastLink.size;
  }
}

/**
 * A graft timer found its message held (`isStale`) although no copy came through
 * the tree: an i_have showed it held already (an exchange brought it, `offTree`),
 * and since that announcement no payload of that tree arrived here either. The i_have shows the announcer has this node as a lazy
 * peer, so nothing pushes this tree here: the node is reached only lazily and, with
 * its copies coming by exchange, would never graft. The announcer to make eager
 * with a link-only graft (the first live member among them), or none when the tree
 * did deliver, a payload of the tree arrived since, or a link was grafted for this
 * tree within the window.
 */
export function offTreeLinkTarget(
  state: PlumtreeState,
  missing: MissingMessage,
): Announcer | undefined {
  if (state.recent.has(missing.key) || !state.offTree.has(missing.key)) return undefined;
  const root = missing.announcers[0]?.root;
  if (root === undefined || root === state.node) return undefined;
  const activity = state.treeActivity.get(root);
  if (activity !== undefined && activity.at >= missing.announcedAt) return undefined;
  if (!state.offTreeLinks.mayLink(root, state.now)) return undefined;
  return missing.announcers.find((a) => state.allMembers.has(a.peer) && !state.down.has(a.peer));
}
