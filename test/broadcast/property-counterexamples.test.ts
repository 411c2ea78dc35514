import { describe, expect, it } from 'vitest';
import { deliveryViolation, runScenario, type Scenario, treeViolation } from './faulty-runs.js';

/** Shrunk counterexamples the strict oracles of properties.test.ts found, kept as named cases. */
function judge(sc: Scenario) {
  const { c, broadcasts, roots } = runScenario(sc);
  return { delivery: deliveryViolation(c, broadcasts), tree: treeViolation(c, roots) };
}

const immediate = {
  initialSets: 'documented',
  delayedGraft: false,
  treeOptimization: false,
  announceShorterPaths: false,
  repairOnLeave: false,
  batchIHaves: false,
  joinMode: 'reset',
} as const;

describe('strict-oracle counterexamples', () => {
  it('a lone node joined just before the heal is eager in the root tree once settled', () => {
    const sc: Scenario = {
      size: 1,
      seed: 1771474120,
      latency: { min: 7, spread: 78 },
      jitterMs: 0,
      drops: [],
      duplicates: [],
      lossPercent: 1,
      crashes: [],
      removeCrashedAfter: undefined,
      joins: [7993],
      broadcasts: [{ node: 0, at: 0 }],
      options: { ...immediate, joinMode: 'keepLearned', newRootSeed: 'learned' },
    };
    expect(judge(sc)).toEqual({ delivery: undefined, tree: undefined });
  });

  it('a duplicated eager push leaves no node only lazily linked once healed (allEager, 12 nodes)', () => {
    const sc: Scenario = {
      size: 12,
      seed: 0,
      latency: { min: 1, spread: 0 },
      jitterMs: 0,
      drops: [],
      duplicates: [2336],
      lossPercent: 0,
      crashes: [{ node: 0, at: 0 }],
      removeCrashedAfter: 0,
      joins: [3],
      broadcasts: [
        { node: 1, at: 1 },
        { node: 7, at: 1 },
        { node: 7, at: 1 },
        { node: 7, at: 1 },
        { node: 2, at: 1 },
        { node: 0, at: 0 },
      ],
      options: {
        ...immediate,
        initialSets: 'allEager',
        joinMode: 'keepLearned',
        newRootSeed: 'learned',
      },
    };
    expect(judge(sc)).toEqual({ delivery: undefined, tree: undefined });
  });

  it('a node whose only link in a tree got the payload by exchange still gets it (29 nodes)', () => {
    const sc: Scenario = {
      size: 29,
      seed: -462360300,
      latency: { min: 1, spread: 10 },
      jitterMs: 0,
      drops: [0],
      duplicates: [],
      lossPercent: 1,
      crashes: [],
      removeCrashedAfter: undefined,
      joins: [1657],
      broadcasts: [
        { node: 12, at: 1447 },
        { node: 0, at: 1616 },
        { node: 6, at: 6391 },
      ],
      options: { ...immediate, newRootSeed: 'common' },
    };
    expect(judge(sc)).toEqual({ delivery: undefined, tree: undefined });
  });

  it('six crashes removed at once and three joins leave every live node reached (29 nodes)', () => {
    const sc: Scenario = {
      size: 29,
      seed: 16,
      latency: { min: 1, spread: 43 },
      jitterMs: 0,
      drops: [],
      duplicates: [],
      lossPercent: 1,
      crashes: [
        { node: 15, at: 962 },
        { node: 24, at: 2075 },
        { node: 8, at: 278 },
        { node: 22, at: 3368 },
        { node: 21, at: 604 },
        { node: 11, at: 37 },
      ],
      removeCrashedAfter: 11,
      joins: [7032, 1386, 1386],
      broadcasts: [
        { node: 4, at: 0 },
        { node: 15, at: 2 },
      ],
      options: { ...immediate, newRootSeed: 'learned' },
    };
    expect(judge(sc)).toEqual({ delivery: undefined, tree: undefined });
  });
});
