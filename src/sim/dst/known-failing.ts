/**
 * Runs (`scenario/overlay#seed`) that still violate an oracle on main. The dst test
 * (seeds 0-99 of the random mix on both overlays, every named scenario at seed 0)
 * asserts that each of them IS reported as a violation and that every other run
 * passes, so the list is exact: a fix that makes one pass must remove it, and a
 * regression that adds one fails the test. Empty, the test asserts a clean batch.
 *
 * What is left, after the fixes of defects 1-6 were merged:
 * - `tree-thrash/full#0`: 0.57 graft + prune per broadcast once settled, against a
 *   bound of 0.5 (30 nodes, 20 roots, 16 trees; it was 9.8 before LRU eviction).
 * - `random/*` with oracle `trees`: after heal and settle, a few nodes are still
 *   reached only lazily (i_have + graft) in some root's tree: the delivery oracle
 *   holds, but the eager links do not span the component.
 * - `random/full` with oracle `overlay`: a node removed while alive (or a restarted
 *   removed seed) stays apart from the rest: full membership has no refutation of a
 *   removal yet (issue 13's reaping and refutation).
 */
export const KNOWN_FAILING: readonly string[] = [
  'tree-thrash/full#0',
  'random/hyparview#32',
  'random/full#37',
  'random/full#54',
  'random/full#68',
  'random/full#73',
  'random/full#82',
  'random/full#95',
];
