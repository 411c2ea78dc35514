/**
 * Runs (`scenario/overlay#seed`) that fail on this branch because the fix of their
 * defect lands elsewhere. The dst test (seeds 0-99 of the random mix on both overlays,
 * every named scenario at seed 0) asserts that each of them IS reported as a violation
 * and that every other run passes. Remove entries as the fixes are merged; empty, the
 * test asserts that the whole batch is clean.
 * - `removal-relink`: defect 1 (nothing re-links a node after a removal);
 * - `hyparview-restart-island`, `random/hyparview`: defect 2 (restarted nodes, the join
 *   seed among them, form an island);
 * - `outstanding-cap`: defect 4 (the cap drops announcements never sent);
 * - `tree-thrash`: defect 5 (tree eviction by insertion order);
 * - `handler-answers`: defect 6 (an answer outside the contract throws in the core);
 * - `random/full`: see the comment at its entries.
 */
export const KNOWN_FAILING: readonly string[] = [
  // Named regression scenarios, seed 0 (the test runs each once).
  'removal-relink/full#0',
  'hyparview-restart-island/hyparview#0',
  'outstanding-cap/full#0',
  'tree-thrash/full#0',
  'handler-answers/full#0',
  'handler-answers/hyparview#0',
  // The random mix, full membership: eager trees missing nodes after removals,
  // restarts and churn (defects 1, 3); membership split after removed seeds restart.
  'random/full#40',
  'random/full#46',
  'random/full#54',
  'random/full#68',
  'random/full#73',
  'random/full#82',
  // The random mix, HyParView: islands after the join seed restarts (defect 2).
  'random/hyparview#4',
  'random/hyparview#5',
  'random/hyparview#6',
  'random/hyparview#10',
  'random/hyparview#15',
  'random/hyparview#23',
  'random/hyparview#38',
  'random/hyparview#42',
  'random/hyparview#44',
  'random/hyparview#46',
  'random/hyparview#47',
  'random/hyparview#55',
  'random/hyparview#56',
  'random/hyparview#57',
  'random/hyparview#59',
  'random/hyparview#75',
  'random/hyparview#76',
  'random/hyparview#77',
  'random/hyparview#83',
  'random/hyparview#95',
  'random/hyparview#97',
  'random/hyparview#98',
];
