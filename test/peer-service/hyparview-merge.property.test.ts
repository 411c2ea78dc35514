import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HyParViewOptions, PeerRef } from '../../src/peer-service/core/index.js';
import { HyParViewNetwork, overlayViolations } from './hyparview-network.js';

/** Two overlays in one network: `a0..a{sizeA-1}` joined through a0, `b0..` through b0. */
function twoOverlays(
  seed: number,
  sizeA: number,
  sizeB: number,
  options: Partial<HyParViewOptions>,
) {
  const net = new HyParViewNetwork(seed, options);
  for (const [prefix, size] of [
    ['a', sizeA],
    ['b', sizeB],
  ] as const) {
    const contact: PeerRef = { name: `${prefix}0` };
    net.add(contact.name);
    for (let i = 1; i < size; i++) {
      net.add(`${prefix}${i}`);
      net.post(`${prefix}${i}`, { type: 'join', contact });
      net.run();
    }
  }
  for (let round = 0; round < 5; round++) net.tickAll();
  return net;
}

/** Rounds of both timers until the overlay is sound, at most `limit`; the rounds used. */
function roundsUntilSound(net: HyParViewNetwork, limit: number): number {
  for (let round = 1; round <= limit; round++) {
    net.tickAll();
    if (overlayViolations(net).length === 0) return round;
  }
  return Number.POSITIVE_INFINITY;
}

describe('hyparview: parts of an overlay that know of each other merge', () => {
  it('a small island whose nodes all have room joins a full overlay it knows one node of', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 2, max: 5 }), (seed, island) => {
        // No exploration: the island's nodes, long below the maximum, insist by themselves.
        const net = twoOverlays(seed, island, 20, { explorationRounds: 0 });
        expect(overlayViolations(net)).toContainEqual(expect.stringContaining('overlay split'));
        net.node('a0').passive.set('b7', { name: 'b7' });
        expect(roundsUntilSound(net, 60)).toBeLessThanOrEqual(60);
      }),
      { numRuns: 30 },
    );
  });

  it('two full overlays merge through a single passive entry by exploration', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const net = twoOverlays(seed, 15, 15, { explorationRounds: 4 });
        net.node('a3').passive.set('b5', { name: 'b5' });
        expect(roundsUntilSound(net, 400)).toBeLessThanOrEqual(400);
      }),
      { numRuns: 20 },
    );
  });

  it('without exploration, two full overlays knowing each other only passively stay apart', () => {
    // What explorationRounds buys: refills alone never cross between full parts.
    const net = twoOverlays(7, 14, 14, { explorationRounds: 0 });
    for (let round = 0; round < 40; round++) net.tickAll();
    expect([...net.nodes.values()].map((s) => s.active.size)).toEqual(Array(28).fill(5));
    net.node('a3').passive.set('b5', { name: 'b5' });
    expect(roundsUntilSound(net, 100)).toBe(Number.POSITIVE_INFINITY);
  });
});
