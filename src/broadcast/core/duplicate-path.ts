import type { NodeName } from './messages.js';
import type { PlumtreeState } from './state.js';

/**
 * Whether a duplicate payload of `root`'s tree from `from` arrived over what is now
 * this node's only tree path for that message, so that pruning `from` would leave
 * the node reached only lazily. A duplicate normally means a redundant eager path:
 * the first copy came through the tree another way, and that way stays. It does
 * not when the first copy's way is gone or never was part of the tree:
 *
 * - the first copy came another way than the core (an anti-entropy exchange): after
 *   a stale `i_have` showed it (`offTree`), or when `from` is the peer that pushed
 *   this tree's latest new payload here (its parent): its copy is how the tree
 *   reaches this node;
 * - the same peer delivered it before (the network duplicated it): its link is the
 *   one the first copy used;
 * - the peer the first copy came from is no longer eager here: it pruned this node
 *   after pushing that copy (the prune crossed the payload, or a duplicate of ours
 *   reached it), so the first copy's link is gone and this one is what is left.
 * - `from` is the tree's parent here (it pushed the tree's latest new payload) and
 *   the duplicate is of an older message: a new parent's catch-up after a repair,
 *   which brings what this node already had another way. Pruning it left the node
 *   fed only by the peer it had the old copies from, which had meanwhile taken this
 *   node as its own parent: a two-node loop with no feed, every later message a lazy
 *   tick plus `graftTimeout1` late (`npm run sim -- repair`, 1 ms links, 60 ms
 *   detection, 16 nodes seed 5).
 *
 * A node's own broadcast always prunes: the root needs no path to itself.
 */
export function duplicateIsTreePath(
  state: PlumtreeState,
  key: string,
  root: NodeName,
  from: NodeName,
): boolean {
  const first = state.recent.get(key);
  if (first === undefined) {
    return state.offTree.has(key) || state.treeActivity.get(root)?.peer === from;
  }
  if (first.from === state.node) return false;
  if (first.from === from) return true;
  const activity = state.treeActivity.get(root);
  if (activity?.peer === from && activity.key !== key) return true;
  return !state.sets.peersView(root).eagers.has(first.from);
}
