import type { NodeName } from './messages.js';
import { latestDelivery, type PlumtreeState } from './state.js';

/**
 * The learned tree this node sits closest to the root of, for its own first
 * broadcast with the `nearest` new-root seed: the fewest hops its latest payload
 * of that tree took to get here (as shortened by the optimisation since), the most
 * recently active tree on a tie. Trees that were themselves seeded this way come
 * first when there are any.
 *
 * Why: a new root's first message rides a copy of some learned tree, and reaches
 * everyone in its eccentricity in that tree, at most its depth there plus the
 * tree's height. The oldest tree, seen from a sender at its far edge, costs up to
 * twice its height; a tree whose root is a neighbour costs about its height plus
 * one. A seeded tree was reshaped by its own root's messages (the optimisation,
 * with `announceShorterPaths` within the first one), while an unseeded one is
 * what the first flood left, never reshaped unless its root sends again: measured
 * at 1,000 nodes, such a tree had twice the height of the seeded ones.
 */
export function nearestSeed(state: PlumtreeState): NodeName | undefined {
  let best: NodeName | undefined;
  let bestRound = Number.POSITIVE_INFINITY;
  let bestSeeded = false;
  // Least recently active first, so `<=` leaves the most recent of equals.
  for (const [root, activity] of state.treeActivity) {
    if (root === state.node || activity.entry === undefined || !state.sets.hasTree(root)) continue;
    const seeded = state.sets.seedOf(root) !== undefined;
    if (bestSeeded && !seeded) continue;
    const round = latestDelivery(state, activity)?.round ?? activity.entry.round;
    if (round <= bestRound || (seeded && !bestSeeded)) {
      best = root;
      bestRound = round;
      bestSeeded = seeded;
    }
  }
  return best;
}
