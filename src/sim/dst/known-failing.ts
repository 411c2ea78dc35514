/**
 * Runs (`scenario/overlay`) that fail on this branch because the fix of their defect
 * lands elsewhere. The dst test asserts that each of them IS reported as a violation,
 * and that every other run passes. Empty it as the fixes are merged:
 * - `random/hyparview`, `hyparview-restart-island/hyparview`: defect 2 (restarted
 *   nodes, the join seed among them, form an island);
 * - `removal-relink/full`: defect 1 (nothing re-links a node after a removal);
 * - `outstanding-cap/full`: defect 4 (the cap drops announcements never sent);
 * - `tree-thrash/full`: defect 5 (tree eviction by insertion order);
 * - `handler-answers/*`: defect 6 (an answer outside the contract throws in the core).
 */
export const KNOWN_FAILING: readonly string[] = [
  'random/hyparview',
  'hyparview-restart-island/hyparview',
  'removal-relink/full',
  'outstanding-cap/full',
  'tree-thrash/full',
  'handler-answers/full',
  'handler-answers/hyparview',
];
