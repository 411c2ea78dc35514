import { describe, expect, it } from 'vitest';
import {
  createPlumtreeState,
  getPeers,
  InvalidOptionError,
} from '../../src/broadcast/core/index.js';
import { PlumtreeCluster } from '../../src/sim/index.js';
import { seededRng } from '../../src/util/rng.js';

const members = (n: number) => Array.from({ length: n }, (_, i) => `p${i + 1}`);
const start = (n: number, options = {}) =>
  createPlumtreeState({
    node: 'p1',
    members: members(n),
    handlers: ['kv'],
    rng: seededRng(3),
    options,
  });

describe('small clusters start all-eager', () => {
  it('a documented start among four members links every other member eagerly', () => {
    expect(getPeers(start(4), 'p1')).toEqual({ eagers: ['p2', 'p3', 'p4'], lazys: [] });
  });

  it('allEagerUpTo 0 keeps the sparse rule: one eager and one lazy among four members', () => {
    const peers = getPeers(start(4, { allEagerUpTo: 0 }), 'p1');
    expect([peers.eagers.length, peers.lazys.length]).toEqual([1, 1]);
  });

  it('above allEagerUpTo the sparse rule applies: two eager and one lazy among six members', () => {
    const peers = getPeers(start(6), 'p1');
    expect([peers.eagers.length, peers.lazys.length]).toEqual([2, 1]);
  });

  it('a negative allEagerUpTo is refused', () => {
    expect(() => start(4, { allEagerUpTo: -1 })).toThrow(InvalidOptionError);
  });

  it('with even link latencies, broadcasts of a four-node cluster take at most two hops from any root', () => {
    for (let seed = 0; seed < 10; seed++) {
      const c = new PlumtreeCluster({ size: 4, seed, latency: { min: 5, max: 5 } });
      for (const round of [0, 1]) {
        for (const root of c.names()) {
          const id = c.broadcast(root);
          c.runFor(3000);
          const s = c.stats.summary('set', id);
          const settled = round === 1 ? { rmr: s?.rmr } : {};
          expect({ seed, root, reached: s?.reached, ldh: s?.ldh, ...settled }).toEqual({
            seed,
            root,
            reached: 4,
            ldh: expect.toSatisfy((x: number) => x <= 2),
            ...(round === 1 ? { rmr: 0 } : {}),
          });
        }
      }
    }
  });
});
