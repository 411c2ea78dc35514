import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlumtreeOptions } from '../../src/broadcast/core/index.js';
import { PlumtreeCluster } from '../../src/sim/plumtree-cluster.js';
import {
  checkSets,
  deliveryViolation,
  runScenario,
  scenario,
  treeViolation,
} from './faulty-runs.js';

describe('plumtree on a faulty network (fast-check)', () => {
  it('once healed and settled, every accepted broadcast is merged as new exactly once by every live node of its component', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const { c, broadcasts } = runScenario(sc);
        for (const n of c.alive()) checkSets(c.node(n).state);
        const violation = deliveryViolation(c, broadcasts);
        if (violation !== undefined) throw new Error(violation);
      }),
      { numRuns: 300 },
    );
  });

  it('once healed and settled, the eager links of each root that sent reach its whole component', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const { c, roots } = runScenario(sc);
        const violation = treeViolation(c, roots);
        if (violation !== undefined) throw new Error(violation);
      }),
      { numRuns: 300 },
    );
  });
});

describe('plumtree without faults (fast-check)', () => {
  const calm = fc.record({
    size: fc.integer({ min: 2, max: 30 }),
    seed: fc.integer(),
    latency: fc.record({
      min: fc.integer({ min: 1, max: 20 }),
      spread: fc.integer({ min: 0, max: 80 }),
    }),
    roots: fc.uniqueArray(fc.nat({ max: 29 }), { minLength: 1, maxLength: 3 }),
    // Immediate grafts (the reference) cannot promise this: when a lazy tick keeps
    // beating the eager copy, every broadcast pays a graft, a duplicate and a prune
    // (see improvements.test.ts). A disconnected random overlay cannot either.
    // The paper's premise, too: the graft timer outlasts the eager path. At up to
    // 100 ms a hop a learned tree without the optimisation can be deeper than 500 ms;
    // its farthest node then grafts the root before its eager copy arrives, the copy
    // prunes the root again, and every broadcast pays a graft and two prunes (size 29,
    // seed -21, latency 11-87, roots [26, 0], documented sets, no optimisation, learned
    // seed: the same on the core before and after the repair rules of issue 12).
    options: fc.record({
      initialSets: fc.constantFrom('documented', 'allEager'),
      delayedGraft: fc.constant(true),
      graftTimeout1: fc.constant(2000),
      treeOptimization: fc.boolean(),
      newRootSeed: fc.constantFrom('learned', 'nearest', 'common'),
    }) satisfies fc.Arbitrary<Partial<PlumtreeOptions>>,
  });

  it('once a tree has settled, each broadcast costs n - 1 payloads and the eager links form a spanning tree', () => {
    fc.assert(
      fc.property(calm, (sc) => {
        const c = new PlumtreeCluster({
          size: sc.size,
          seed: sc.seed,
          latency: { min: sc.latency.min, max: sc.latency.min + sc.latency.spread },
          options: sc.options,
        });
        const n = sc.size;
        const controls = () => c.stats.sent('prune') + c.stats.sent('graft');
        const send = (root: string) => {
          const before = controls();
          const id = c.broadcast(root);
          c.runFor(3000);
          const s = c.stats.summary('set', id);
          return { reached: s?.reached, payload: s?.payloadSends, quiet: controls() === before };
        };
        for (const r of sc.roots) {
          const root = `n${r % n}`;
          let settled = false;
          for (let i = 0; i < 12 && !settled; i++) {
            const s = send(root);
            settled = s.quiet && s.reached === n && s.payload === n - 1;
          }
          expect(settled).toBe(true);
          expect(eagerTreeEdges(c, root)).toBe(n - 1);
          for (let i = 0; i < 3; i++)
            expect(send(root)).toEqual({ reached: n, payload: n - 1, quiet: true });
        }
      }),
      { numRuns: 100 },
    );
  });
});

/**
 * Checks that the eager links of `root`'s tree are symmetric and connect all nodes,
 * and returns how many undirected edges they have (n − 1 for a spanning tree).
 */
function eagerTreeEdges(c: PlumtreeCluster, root: string): number {
  const names = c.names();
  const edges = new Set<string>();
  const adj = new Map<string, string[]>();
  for (const x of names) {
    const eagers = c.node(x).state.sets.peersView(root).eagers;
    for (const y of eagers) {
      if (!c.node(y).state.sets.peersView(root).eagers.has(x)) {
        throw new Error(`${x} is eager to ${y} but not the other way round`);
      }
      edges.add(x < y ? `${x}-${y}` : `${y}-${x}`);
      adj.set(x, [...(adj.get(x) ?? []), y]);
    }
  }
  const seen = new Set([root]);
  const todo = [root];
  for (let x = todo.pop(); x !== undefined; x = todo.pop()) {
    for (const y of adj.get(x) ?? []) {
      if (seen.has(y)) continue;
      seen.add(y);
      todo.push(y);
    }
  }
  if (seen.size !== names.length)
    throw new Error(`eager links reach ${seen.size} of ${names.length}`);
  return edges.size;
}
