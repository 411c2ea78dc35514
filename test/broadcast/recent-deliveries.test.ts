import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentDeliveries } from '../../src/broadcast/core/index.js';

const entry = (id: string, root: string) => ({ id, handler: 'h', round: 0, root });
const deliver = (id: string, root: string) => ({ round: 0, from: 'b', entry: entry(id, root) });

describe('recent deliveries', () => {
  it('forgets the oldest delivery once over capacity', () => {
    const r = new RecentDeliveries(2);
    r.set('a', deliver('a', 'x'));
    r.set('b', deliver('b', 'x'));
    r.set('c', deliver('c', 'x'));
    expect([r.has('a'), r.has('b'), r.has('c'), r.size]).toEqual([false, true, true, 2]);
  });

  it('lists the messages of a root delivered after a key, in delivery order', () => {
    const r = new RecentDeliveries(10);
    for (const [id, root] of [
      ['a', 'x'],
      ['b', 'y'],
      ['c', 'x'],
      ['d', 'x'],
    ] as const)
      r.set(id, deliver(id, root));
    expect(r.since('a', 'x').map((e) => e.key)).toEqual(['c', 'd']);
    expect(r.since('a', 'y').map((e) => e.key)).toEqual(['b']);
  });

  it('lists nothing after a key it no longer remembers', () => {
    const r = new RecentDeliveries(2);
    for (const id of ['a', 'b', 'c']) r.set(id, deliver(id, 'x'));
    expect(r.since('a', 'x')).toEqual([]);
    expect(r.since('b', 'x').map((e) => e.key)).toEqual(['c']);
  });

  it('moves a key to its new root when its entry changes root', () => {
    const r = new RecentDeliveries(10);
    r.set('a', deliver('a', 'x'));
    r.set('b', deliver('b', 'x'));
    r.set('b', deliver('b', 'y'));
    expect(r.since('a', 'x')).toEqual([]);
    expect(r.since('a', 'y').map((e) => e.key)).toEqual(['b']);
  });

  it('keeps a single root to its capacity over many deliveries', () => {
    const r = new RecentDeliveries(100);
    for (let i = 0; i < 10_000; i++) r.set(`m${i}`, deliver(`m${i}`, 'x'));
    expect(r.size).toBe(100);
    expect(r.since('m9900', 'x')).toHaveLength(99);
    expect(r.since('m9989', 'x').map((e) => e.key)).toEqual(
      Array.from({ length: 10 }, (_, i) => `m${9990 + i}`),
    );
  });

  it('answers since as a plain list model does, whatever the sequence of deliveries', () => {
    const op = fc.record({
      key: fc.integer({ min: 0, max: 30 }),
      root: fc.constantFrom('x', 'y', 'z'),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(op, { maxLength: 200 }),
        (capacity, ops) => {
          const r = new RecentDeliveries(capacity);
          // the model: keys in first-delivery order with their current root
          let model: { key: string; root: string }[] = [];
          for (const { key, root } of ops) {
            const k = `k${key}`;
            r.set(k, deliver(k, root));
            const at = model.find((m) => m.key === k);
            if (at) at.root = root;
            else model.push({ key: k, root });
            if (model.length > capacity) model = model.slice(1);
          }
          for (const [i, m] of model.entries())
            for (const root of ['x', 'y', 'z']) {
              const expected = model
                .slice(i + 1)
                .filter((later) => later.root === root)
                .map((later) => later.key);
              expect(r.since(m.key, root).map((e) => e.key)).toEqual(expected);
            }
          expect(r.size).toBe(model.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
