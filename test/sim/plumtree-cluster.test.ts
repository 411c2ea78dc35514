import { describe, expect, it } from 'vitest';
import {
  getPeers,
  listExchanges,
  referencePlumtreeOptions,
  type WireMessage,
} from '../../src/broadcast/core/index.js';
import {
  AsyncHandlerError,
  PlumtreeCluster,
  PlumtreeSimNode,
  SetHandler,
} from '../../src/sim/index.js';
import { seededRng } from '../../src/util/rng.js';

describe('PlumtreeCluster', () => {
  it('delivers a broadcast to every node and reports RMR and LDH', () => {
    const c = new PlumtreeCluster({ size: 20, seed: 1 });
    const id = c.broadcast('n3', 'hello');
    c.runFor(5000);
    for (const n of c.names()) expect(c.handlerOf(n).has(id)).toBe(true);
    const s = c.stats.summary('set', id);
    expect(s?.reached).toBe(20);
    expect(s?.payloadSends).toBeGreaterThanOrEqual(19);
    expect(s?.rmr).toBeCloseTo((s?.payloadSends ?? 0) / 19 - 1);
    expect(s?.ldh).toBeGreaterThanOrEqual(1);
  });

  it('replays the same run for the same seed', () => {
    const run = () => {
      const c = new PlumtreeCluster({ size: 15, seed: 77, latency: { min: 1, max: 40 } });
      for (let i = 0; i < 5; i++) c.broadcast(`n${i}`);
      c.runFor(4000);
      return [...c.stats.sentByType];
    };
    expect(run()).toEqual(run());
  });

  it('a joined node gets later broadcasts and becomes eager at the others', () => {
    const c = new PlumtreeCluster({ size: 6, seed: 4 });
    c.broadcast('n0');
    c.runFor(3000);
    c.join('n6');
    expect(getPeers(c.node('n1').state, 'n0').eagers).toContain('n6');
    const id = c.broadcast('n2');
    c.runFor(3000);
    expect(c.handlerOf('n6').has(id)).toBe(true);
  });

  it('reports a crashed node down to the others after the detection delay', () => {
    const c = new PlumtreeCluster({ size: 4, seed: 2, downDetectionMs: 500 });
    c.crash('n1');
    c.runFor(400);
    expect(c.node('n0').state.down.has('n1')).toBe(false);
    c.runFor(200);
    expect(c.node('n0').state.down.has('n1')).toBe(true);
  });

  it('the reference options flood the first broadcast, then prune down to a tree', () => {
    const c = new PlumtreeCluster({ size: 8, seed: 3, options: referencePlumtreeOptions });
    const first = c.broadcast('n0');
    c.runFor(3000);
    const second = c.broadcast('n0');
    c.runFor(3000);
    const flood = c.stats.summary('set', first)?.payloadSends ?? 0;
    // Every node pushes to all but its sender, minus links pruned in the meantime.
    expect(flood).toBeGreaterThan(2 * 7);
    expect(flood).toBeLessThanOrEqual(7 * 7);
    expect(c.stats.summary('set', second)?.payloadSends).toBe(7);
  });

  it('a node tracks an exchange answered {ok, handle} until the handle ends', () => {
    const c = new PlumtreeCluster({ size: 3, seed: 1, autoTicks: false });
    const handler = new SetHandler('set', 'n0', { ok: 'handle-1' });
    const n0 = new PlumtreeSimNode('n0', c.node('n0').state, [handler], c.net);
    c.net.crash('n0');
    c.net.add(n0);
    n0.start({ lazyPhaseMs: 1000, exchangePhaseMs: 10_000, exchangeDurationMs: 500 });
    n0.feed({ type: 'timer', key: { type: 'exchangeTick' } });
    expect(listExchanges(n0.state).map((x) => x.handle)).toEqual(['handle-1']);
    c.runFor(600);
    expect(listExchanges(n0.state)).toEqual([]);
  });

  it('refuses asynchronous handlers', () => {
    const c = new PlumtreeCluster({ size: 2, seed: 1 });
    const asyncHandler = new SetHandler('set', 'n1');
    asyncHandler.merge = (() => Promise.resolve(true)) as never;
    const n1 = new PlumtreeSimNode('n1', c.node('n1').state, [asyncHandler], c.net);
    c.net.crash('n1');
    c.net.add(n1);
    c.broadcast('n0');
    expect(() => c.runFor(1000)).toThrow(AsyncHandlerError);
  });
});

describe('delivery defects found in the simulator (regressions)', () => {
  /** Crash n1, tell every live node the live set, then broadcast from every live node. */
  function removalRun(size: number, seed: number) {
    const c = new PlumtreeCluster({ size, seed, latency: { min: 5, max: 50 } });
    c.crash('n1');
    c.runFor(2000);
    const live = c.alive();
    for (const n of live) c.update(n, live);
    c.runFor(2000);
    const ids = live.map((n) => c.broadcast(n));
    c.runFor(5000);
    const missed: string[] = [];
    for (const n of live)
      for (const id of ids) if (!c.handlerOf(n).has(id)) missed.push(`${id}@${n}`);
    return missed;
  }

  it('a node only the removed member linked to still gets every broadcast (size 5, seed 9)', () => {
    expect(removalRun(5, 9)).toEqual([]);
  });

  it.each([
    [5, [9, 13, 21, 43]],
    [8, [1, 11, 12, 28]],
    [20, [1, 12, 14, 21, 23, 46]],
  ])('member removal cuts nobody off at size %i (seeds that used to)', (size, seeds) => {
    for (const seed of seeds) expect(removalRun(size, seed)).toEqual([]);
  });

  it('the outstanding cap loses no announcement owed to connected peers (5000 at once, 2% of eager pushes lost)', () => {
    const loss = seededRng(4);
    const c = new PlumtreeCluster({
      size: 6,
      seed: 4,
      latency: { min: 5, max: 20 },
      faults: {
        decide: (s) => ({
          drop: s.msg.type === 'broadcast' && s.time < 2000 && loss.next() < 0.02,
        }),
      },
    });
    const ids: string[] = [];
    for (let i = 0; i < 5000; i++) ids.push(c.broadcast('n0'));
    c.runFor(60_000);
    let missing = 0;
    let evicted = 0;
    for (const n of c.names()) {
      for (const id of ids) if (!c.handlerOf(n).has(id)) missing++;
      evicted += c.node(n).metrics.get('outstandingEvicted') ?? 0;
    }
    expect({ missing, evicted }).toEqual({ missing: 0, evicted: 0 });
  });

  it('trees settle when active roots outnumber maxTrees (30 nodes, 20 roots, maxTrees 16)', () => {
    const c = new PlumtreeCluster({ size: 30, seed: 5, options: { maxTrees: 16 } });
    const controls = () => c.stats.sent('prune') + c.stats.sent('graft');
    const round = () => {
      const before = controls();
      for (let r = 0; r < 20; r++) {
        c.broadcast(`n${r}`);
        c.runFor(300);
      }
      c.runFor(2000);
      return (controls() - before) / 20;
    };
    for (let i = 0; i < 8; i++) round();
    let cost = 0;
    for (let i = 0; i < 4; i++) cost += round() / 4;
    expect(cost).toBeLessThan(0.5);
  });
});

describe('a burst on links that queue (regression)', () => {
  /** Payloads take 2 ms each to transmit: 1000 of them queue for 2 s on every link. */
  const transmissionMs = (m: WireMessage) =>
    m.type === 'broadcast' ? 2 : m.type === 'i_have' ? 0.1 + 0.01 * m.entries.length : 0.1;

  /** Whether the eager links of `root`'s tree are symmetric and reach every node. */
  function eagerSpanning(c: PlumtreeCluster, root: string): boolean {
    const seen = new Set([root]);
    const todo = [root];
    for (let x = todo.pop(); x !== undefined; x = todo.pop()) {
      for (const y of c.node(x).state.sets.peersView(root).eagers) {
        if (!c.node(y).state.sets.peersView(root).eagers.has(x)) return false;
        if (seen.has(y)) continue;
        seen.add(y);
        todo.push(y);
      }
    }
    return seen.size === c.names().length;
  }

  it.each([
    [8, 1],
    [16, 2],
  ])(
    '1000 broadcasts back to back keep every node in the eager tree (size %i, seed %i)',
    (size, seed) => {
      const c = new PlumtreeCluster({ size, seed, latency: { min: 2, max: 10 }, transmissionMs });
      for (let i = 0; i < 5; i++) {
        c.broadcast('n0');
        c.runFor(3000);
      }
      const controls = () => c.stats.sent('graft') + c.stats.sent('prune');
      const before = controls();
      const ids: string[] = [];
      for (let i = 0; i < 1000; i++) ids.push(c.broadcast('n0'));
      let spanning = true;
      for (let t = 0; t < 10_000; t += 50) {
        c.runFor(50);
        spanning &&= eagerSpanning(c, 'n0');
      }
      expect({ spanning, controls: controls() - before }).toEqual({ spanning: true, controls: 0 });
      for (const n of c.names()) for (const id of ids) expect(c.handlerOf(n).has(id)).toBe(true);
    },
  );
});
