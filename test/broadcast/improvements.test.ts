import { describe, expect, it } from 'vitest';
import { getPeers, type PlumtreeOptions } from '../../src/broadcast/core/index.js';
import { PlumtreeCluster } from '../../src/sim/plumtree-cluster.js';

/**
 * A chain a - b - c - ... of eager links with one lazy shortcut between its ends,
 * equal 10 ms links, and ticks driven by the test.
 */
function chain(length: number, options: Partial<PlumtreeOptions> = {}) {
  const names = Array.from({ length }, (_, i) => String.fromCharCode(97 + i));
  const first = names[0] as string;
  const last = names[length - 1] as string;
  const c = new PlumtreeCluster({
    names,
    seed: 1,
    latency: { min: 10, max: 10 },
    autoTicks: false,
    options,
    initialSetsOf: (n) => {
      const i = names.indexOf(n);
      const eagers = [names[i - 1], names[i + 1]].filter((x): x is string => x !== undefined);
      const lazys = n === first ? [last] : n === last ? [first] : [];
      return { eagers, lazys };
    },
  });
  return { c, first, last, n: length };
}

describe('improvement 1: delayed graft', () => {
  it('an announcement beating the eager copy costs an extra payload with immediate grafts only', () => {
    const cost = (delayedGraft: boolean) => {
      const { c, first } = chain(6, { delayedGraft, treeOptimization: false });
      const id = c.broadcast(first);
      c.tick(first); // the lazy link announces at once; the eager copy needs 5 hops
      c.runFor(3000);
      return c.stats.summary('set', id)?.payloadSends;
    };
    // The graft's answer reaches f first, so f also pushes on to e: two extra payloads.
    expect(cost(false)).toBe(7);
    expect(cost(true)).toBe(5);
  });

  it('grafts after graftTimeout1 when the eager copy is lost', () => {
    const { c, first, last } = chain(4, { graftTimeout1: 700, treeOptimization: false });
    c.crash('c'); // the eager path to d is cut
    const id = c.broadcast(first);
    c.runFor(50);
    c.tick(first);
    c.runFor(3000);
    const got = c.stats.record('set', id)?.deliveries.get(last);
    // i_have at 60 ms, graft timer at 760 ms, graft and payload 10 ms each way.
    expect(got?.time).toBe(780);
  });
});

describe('improvement 2: tree optimisation', () => {
  it('swaps a long eager path for a much shorter lazy link, and later broadcasts take it', () => {
    const ldh = (treeOptimization: boolean) => {
      const { c, first, last } = chain(7, { treeOptimization, optimizationThreshold: 3 });
      c.broadcast(first);
      c.runFor(500);
      c.tick(first); // announces round 0 to the far end, which got the payload at round 5
      c.runFor(500);
      const id = c.broadcast(first);
      c.runFor(500);
      const eagerAtLast = getPeers(c.node(last).state, first).eagers;
      return {
        ldh: c.stats.summary('set', id)?.ldh,
        payload: c.stats.summary('set', id)?.payloadSends,
        eagerAtLast,
      };
    };
    expect(ldh(false)).toEqual({ ldh: 6, payload: 6, eagerAtLast: ['f'] });
    expect(ldh(true)).toEqual({ ldh: 5, payload: 6, eagerAtLast: ['a'] });
  });
});

describe('improvement 3: batched i_have', () => {
  it('announces many messages to a lazy peer in one i_have per tick', () => {
    const ihaves = (batchIHaves: boolean) => {
      const { c, first } = chain(3, { batchIHaves });
      for (let i = 0; i < 10; i++) c.broadcast(first);
      c.runFor(100);
      const before = c.stats.sent('i_have');
      c.tick(first);
      return c.stats.sent('i_have') - before;
    };
    expect(ihaves(false)).toBe(10);
    expect(ihaves(true)).toBe(1);
  });
});

describe('improvement 4: bounded outstanding', () => {
  it('keeps at most maxOutstandingPerPeer announcements for an unreachable peer, counting evictions', () => {
    const { c, first, last } = chain(3, { maxOutstandingPerPeer: 5 });
    c.crash(last);
    c.runFor(1500);
    for (let i = 0; i < 12; i++) c.broadcast(first);
    c.runFor(2000);
    const node = c.node(first);
    expect(node.state.outstanding.countFor(last)).toBe(5);
    expect(node.metrics.get('outstandingEvicted')).toBe(7);
  });
});

describe('improvement 5: learned trees survive a join', () => {
  it('the next broadcast after a join costs less than with the reference reset', () => {
    const cost = (joinMode: 'keepLearned' | 'reset') => {
      const c = new PlumtreeCluster({ size: 20, seed: 5, options: { joinMode } });
      for (const root of ['n0', 'n1', 'n2']) {
        c.broadcast(root);
        c.runFor(3000);
      }
      c.join('new');
      c.runFor(100);
      const id = c.broadcast('n1');
      c.runFor(3000);
      expect(c.handlerOf('new').has(id)).toBe(true);
      return c.stats.summary('set', id)?.payloadSends ?? 0;
    };
    expect(cost('keepLearned')).toBeLessThan(cost('reset'));
  });
});

describe('improvement 6: a new root starts from the learned tree', () => {
  it('the first broadcast of a new sender costs n - 1 payloads once another tree settled', () => {
    const cost = (newRootSeed: 'learned' | 'common') => {
      const c = new PlumtreeCluster({ size: 30, seed: 8, options: { newRootSeed } });
      for (let i = 0; i < 3; i++) {
        c.broadcast('n0');
        c.runFor(3000);
      }
      const id = c.broadcast('n17');
      c.runFor(3000);
      return c.stats.summary('set', id)?.payloadSends;
    };
    expect(cost('learned')).toBe(29);
    expect(cost('common')).toBeGreaterThan(29);
  });
});
