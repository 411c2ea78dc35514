import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinAll, overlayViolations } from './hyparview-network.js';

function views(net: ReturnType<typeof joinAll>) {
  return [...net.nodes].map(([name, s]) => [name, [...s.active.keys()], [...s.passive.keys()]]);
}

/** Every live node's promotion timer fires once, and the messages it causes are drained. */
function promotionRound(net: ReturnType<typeof joinAll>): void {
  for (const name of net.live()) net.post(name, { type: 'timer', key: { type: 'promotion' } });
  net.run();
}

describe('hyparview overlay', () => {
  it('after N nodes join one bootstrap node and messages quiesce, every view invariant holds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 300 }), fc.integer(), (count, seed) => {
        const net = joinAll(seed, count);
        // A split can remain until the next promotion round (next test).
        expect(overlayViolations(net).filter((p) => !p.startsWith('overlay split'))).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it('after N nodes join one bootstrap node, quiesce and one promotion round, the overlay is connected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 300 }), fc.integer(), (count, seed) => {
        const net = joinAll(seed, count);
        promotionRound(net);
        expect(overlayViolations(net)).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it('regression: a pair below the minimum, refused by every passive peer during the joins, rejoins at the next promotion round', () => {
    // Found by the property above (227 nodes, seed 956576920): n15 and n79 end the
    // joins linked only to each other, every passive peer having refused their
    // low-priority requests; insisting (high priority) is left to the promotion tick,
    // since insisting at message speed loops with a peer that refuses even that.
    const net = joinAll(956576920, 227);
    expect(overlayViolations(net)).toEqual(['overlay split: 225/227']);
    promotionRound(net);
    expect(overlayViolations(net)).toEqual([]);
  });

  it('regression: 11 nodes joining n0 with seed -380912244 stay connected', () => {
    // Found by the property above: forward-join walks died at the contact (which
    // already holds the joiner), so joiners got few links, a full contact's drops cut
    // a bridge, and a 5-node group split off with every node at or above the minimum.
    const net = joinAll(-380912244, 11);
    expect(overlayViolations(net)).toEqual([]);
  });

  it('stays sound through rounds of shuffles and promotions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 200 }), fc.integer(), (count, seed) => {
        const net = joinAll(seed, count);
        for (let round = 0; round < 4; round++) {
          net.tickAll();
          expect(overlayViolations(net)).toEqual([]);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('is deterministic for a seed', () => {
    const a = joinAll(42, 150);
    const b = joinAll(42, 150);
    a.tickAll();
    b.tickAll();
    expect(views(a)).toEqual(views(b));
    expect(views(joinAll(43, 150))).not.toEqual(views(joinAll(42, 150)));
  });

  it('after crashes, live views hold only live nodes and the live overlay reconnects', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 300 }),
        fc.integer(),
        fc.double({ min: 0.05, max: 0.2, noNaN: true }),
        (count, seed, share) => {
          const net = joinAll(seed, count);
          for (let round = 0; round < 3; round++) net.tickAll();
          const victims = net.live().filter((n) => n !== 'n0' && net.rng.next() < share);
          for (const name of victims) net.crash(name);
          net.run();
          for (let round = 0; round < 6; round++) net.tickAll();
          expect(overlayViolations(net)).toEqual([]);
        },
      ),
      { numRuns: 25 },
    );
  });
});
