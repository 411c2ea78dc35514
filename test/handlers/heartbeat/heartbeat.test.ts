import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type SystemRef, spawnServer, start, stop } from '../../../src/actors/index.js';
import { broadcastServerName, spawnBroadcastServer } from '../../../src/broadcast/index.js';
import {
  createHeartbeatHandler,
  heartbeatBackendBehaviour,
  IntervalSet,
} from '../../../src/handlers/heartbeat/index.js';
import { eventually } from '../../support/actors.js';
import { MemoryBroadcastNet } from '../../support/memory-broadcast.js';

describe('IntervalSet', () => {
  it('agrees with a plain set over random additions', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(200)), (xs) => {
        const s = new IntervalSet();
        const ref = new Set<number>();
        for (const x of xs) {
          expect(s.add(x)).toBe(!ref.has(x));
          ref.add(x);
        }
        for (let x = 0; x <= 201; x++) expect(s.has(x)).toBe(ref.has(x));
      }),
    );
  });

  it('adds a value below every range', () => {
    const s = new IntervalSet();
    s.add(5);
    s.add(1);
    expect([0, 1, 2, 5].map((x) => s.has(x))).toEqual([false, true, false, true]);
  });

  it('holds an in-order stream as one range', () => {
    const s = new IntervalSet();
    for (let i = 0; i < 10_000; i++) s.add(i);
    expect(s.ranges).toBe(1);
  });
});

describe('heartbeat handler', () => {
  const hb = (node: string, epoch: number, counter: number) => ({ node, epoch, counter });

  it('merges a heartbeat once; the second copy is not new', () => {
    const h = createHeartbeatHandler();
    expect(h.merge(hb('a', 1, 0), hb('a', 1, 0))).toBe(true);
    expect(h.merge(hb('a', 1, 0), hb('a', 1, 0))).toBe(false);
  });

  it('a newer epoch makes the older epoch stale', () => {
    const h = createHeartbeatHandler();
    h.merge(hb('a', 1, 5), hb('a', 1, 5));
    h.merge(hb('a', 2, 0), hb('a', 2, 0));
    expect(h.isStale(hb('a', 1, 6))).toBe(true);
    expect(h.isStale(hb('a', 2, 1))).toBe(false);
  });

  it('graft answers a held heartbeat and says stale otherwise', () => {
    const h = createHeartbeatHandler();
    h.merge(hb('a', 1, 0), hb('a', 1, 0));
    expect(h.graft(hb('a', 1, 0))).toEqual({ ok: hb('a', 1, 0) });
    expect(h.graft(hb('a', 1, 1))).toBe('stale');
  });

  it('ignores exchanges and travels on the membership channel', () => {
    const h = createHeartbeatHandler();
    expect(h.exchange('b')).toBe('ignore');
    expect(h.broadcastChannel?.()).toBe('membership');
  });

  it('a malformed id is stale and never merged', () => {
    const h = createHeartbeatHandler();
    expect(h.merge({ node: 'a' } as never, {} as never)).toBe(false);
    expect(h.isStale('junk' as never)).toBe(true);
  });
});

describe('heartbeat backend', () => {
  let system: SystemRef | undefined;
  afterEach(() => {
    if (system) stop(system);
    system = undefined;
  });

  it("every node hears every other node's heartbeats under its own name", async () => {
    system = start();
    const net = new MemoryBroadcastNet();
    const names = ['a', 'b', 'c'];
    const handlers = Object.fromEntries(names.map((n) => [n, createHeartbeatHandler()]));
    for (const node of names) {
      spawnBroadcastServer(system, {
        node,
        members: names,
        handlers: [handlers[node]!],
        transport: net.transport(node),
        opts: { lazyTickPeriod: 20 },
      });
      spawnServer(system, heartbeatBackendBehaviour, {
        node,
        server: broadcastServerName(node),
        intervalMs: 10,
      });
    }
    await eventually(
      () => names.every((n) => names.every((m) => handlers[n]!.lastSeen(m) !== undefined)),
      10_000,
    );
    expect([...handlers.a!.epochs().keys()].sort()).toEqual(names);
  });
});
