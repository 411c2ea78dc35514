import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPlumtreeState, Outstanding, step } from '../../src/broadcast/core/index.js';
import { seededRng } from '../../src/util/rng.js';
import { entry, H } from './helpers.js';

describe('Outstanding', () => {
  it('keeps entries per peer in insertion order', () => {
    const o = new Outstanding();
    o.add('p', 'k1', entry({ id: 1 }));
    o.add('p', 'k2', entry({ id: 2 }));
    o.add('q', 'k1', entry({ id: 1 }));
    expect([...o.entriesFor('p')].map((e) => e.id)).toEqual([1, 2]);
    expect(o.size).toBe(3);
  });

  it('re-adding a key replaces the entry in place', () => {
    const o = new Outstanding();
    expect(o.add('p', 'k1', entry({ round: 1 }))).toBe(true);
    o.add('p', 'k2', entry({ id: 2 }));
    expect(o.add('p', 'k1', entry({ round: 5 }))).toBe(false);
    expect([...o.entriesFor('p')].map((e) => e.round)).toEqual([5, 1]);
    expect(o.size).toBe(2);
  });

  it('evicts the oldest entry of a peer', () => {
    const o = new Outstanding();
    o.add('p', 'k1', entry({ id: 1 }));
    o.add('p', 'k2', entry({ id: 2 }));
    expect(o.evictOldest('p')?.id).toBe(1);
    expect(o.countFor('p')).toBe(1);
  });

  it('behaves like an ordered multimap under any sequence of operations', () => {
    const op = fc.record({
      kind: fc.constantFrom('add', 'delete', 'evict', 'deletePeer'),
      peer: fc.constantFrom('p', 'q', 'r'),
      key: fc.constantFrom('k1', 'k2', 'k3'),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const o = new Outstanding();
        const model = new Map<string, string[]>();
        for (const { kind, peer, key } of ops) {
          const keys = model.get(peer) ?? [];
          if (kind === 'add') {
            o.add(peer, key, entry());
            if (!keys.includes(key)) keys.push(key);
          } else if (kind === 'delete') {
            o.delete(peer, key);
            keys.splice(keys.indexOf(key) >>> 0, keys.includes(key) ? 1 : 0);
          } else if (kind === 'evict') {
            o.evictOldest(peer);
            keys.shift();
          } else {
            o.deletePeer(peer);
            keys.length = 0;
          }
          model.set(peer, keys);
        }
        const actual = new Map<string, string[]>();
        for (const [p, k] of o.entries()) actual.set(p, [...(actual.get(p) ?? []), k]);
        const expected = [...model].filter(([, ks]) => ks.length > 0);
        expect([...actual].sort()).toEqual(expected.sort());
        expect(o.size).toBe(expected.reduce((n, [, ks]) => n + ks.length, 0));
      }),
    );
  });

  it('survives a server restart when handed to the new state', () => {
    const members = ['a', 'b', 'c', 'd'];
    const first = createPlumtreeState({
      node: 'a',
      members,
      handlers: [H],
      rng: seededRng(1),
      eagers: ['b'],
      lazys: ['c', 'd'],
    });
    step(first, { type: 'localBroadcast', handler: H, id: 'x', payload: 0 }, 0);
    const restarted = createPlumtreeState({
      node: 'a',
      members,
      handlers: [H],
      rng: seededRng(2),
      outstanding: first.outstanding,
    });
    const ihaves = step(restarted, { type: 'timer', key: { type: 'lazyTick' } }, 0).filter(
      (e) => e.type === 'send',
    );
    expect(ihaves.map((e) => (e.type === 'send' ? e.to : ''))).toEqual(['c', 'd']);
  });

  it('drops entries for peers that are no longer members when handed to a new state', () => {
    const o = new Outstanding();
    o.add('gone', 'k', entry());
    o.add('b', 'k', entry());
    createPlumtreeState({
      node: 'a',
      members: ['a', 'b'],
      handlers: [],
      rng: seededRng(1),
      outstanding: o,
    });
    expect([...o.peers()]).toEqual(['b']);
  });
});
