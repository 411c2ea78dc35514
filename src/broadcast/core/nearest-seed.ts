import type { NodeName } from './messages.js';
import type { PlumtreeState } from './state.js';

/**
 * The learned tree this node sits closest to the root of, for its own first
 * broadcast with the `nearest` new-root seed: the fewest hops its latest payload
 * of that tree took to get here, the most recently active tree on a tie.
 *
 * Why: a new root's first message rides a copy of some learned tree, and reaches
 * everyone in its eccentricity in that tree, at most its depth there plus the
 * tree's height. The oldest tree, seen from a sender at its far edge, costs up to
 * twice its height; a tree whose root is a neighbour costs about its height plus one.
 */
export function nearestSeed(state: PlumtreeState): NodeName | undefined {
  let best: NodeName | undefined;
  let bestRound = Number.POSITIVE_INFINITY;
  // Least recently active first, so `<=` leaves the most recent of equals.
  for (const [root, activity] of state.treeActivity) {
    if (root === state.node || activity.entry === undefined || !state.sets.hasTree(root)) continue;
    if (activity.entry.round <= bestRound) {
      best = root;
      bestRound = activity.entry.round;
    }
  }
  return best;
}
