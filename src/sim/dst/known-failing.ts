/**
 * Runs (`scenario/overlay#seed`) that still violate an oracle on main. The dst test
 * (seeds 0-99 of the random mix on both overlays, every named scenario at seed 0)
 * asserts that each of them IS reported as a violation and that every other run
 * passes, so the list is exact: a fix that makes one pass must remove it, and a
 * regression that adds one fails the test. Empty, the test asserts a clean batch.
 *
 * What is left, after the fixes of defects 1-6 were merged:
 * - `tree-thrash/full#0` passes since the broadcast core batches `ignored_i_have`
 *   and repairs on `peerDown` (it was 0.57 graft + prune per broadcast against 0.5);
 *   those core changes also moved which random seeds hit the two defects below.
 * - `random/*` with oracle `trees`: after heal and settle, a few nodes are still
 *   reached only lazily (i_have + graft) in some root's tree: the delivery oracle
 *   holds, but the eager links do not span the component.
 * - `random/full` with oracle `overlay`: a node removed while alive (or a restarted
 *   removed seed) stays apart from the rest: full membership has no refutation of a
 *   removal yet (issue 13's reaping and refutation).
 */
export const KNOWN_FAILING: readonly string[] = [
  'random/full#5',
  'random/hyparview#15',
  'random/hyparview#19',
  'random/hyparview#23',
  'random/hyparview#30',
  'random/full#37',
  'random/full#40',
  'random/hyparview#49',
  'random/full#68',
  'random/hyparview#68',
  'random/full#73',
  'random/hyparview#76',
  'random/full#82',
  'random/full#95',
  'random/hyparview#95',
];
