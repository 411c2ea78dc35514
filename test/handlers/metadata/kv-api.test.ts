import { afterEach, describe, expect, it } from 'vitest';
import type { WatchEvent } from '../../../src/handlers/metadata/index.js';
import { Cluster, type ClusterOptions } from './cluster-harness.js';

const P = ['app', 'config'] as const;
const open: Cluster[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});
async function start(options: ClusterOptions = {}): Promise<Cluster> {
  const c = await Cluster.start(options);
  open.push(c);
  return c;
}

describe('compare-and-set', () => {
  it('writes when the context covers what is held', async () => {
    const c = await start();
    const a = c.store('a');
    const first = await a.put(P, 'k', 1);
    await a.put(P, 'k', 2, { context: first.context, compareAndSet: true });
    expect(await a.get(P, 'k')).toBe(2);
  });

  it('refuses a stale context with the current siblings and writes nothing', async () => {
    const c = await start();
    const a = c.store('a');
    const first = await a.put(P, 'k', 1);
    await a.put(P, 'k', 2);
    await expect(
      a.put(P, 'k', 3, { context: first.context, compareAndSet: true }),
    ).rejects.toMatchObject({ name: 'StaleContextError', current: { values: [2] } });
    expect(await a.get(P, 'k')).toBe(2);
  });

  it('an empty context creates the key only if it does not exist', async () => {
    const c = await start();
    const a = c.store('a');
    await a.put(P, 'k', 'first', { context: [], compareAndSet: true });
    await expect(a.put(P, 'k', 'second', { context: [], compareAndSet: true })).rejects.toThrow(
      /stale context/,
    );
  });
});

describe('concurrent writes and deletes', () => {
  it('a write concurrent with a delete survives it on every node', async () => {
    const c = await start();
    await c.store('a').put(P, 'k', 'before');
    await c.settle();
    c.partition(['a', 'b'], ['c', 'd']);
    await c.store('a').delete(P, 'k');
    await c.store('c').put(P, 'k', 'concurrent');
    await c.settle();
    c.heal();
    await c.exchangeAll();
    for (const n of c.nodes) expect(await c.store(n).get(P, 'k')).toBe('concurrent');
    expect(c.store('b').read(P, 'k')?.siblings).toHaveLength(2);
  });
});

describe('listing', () => {
  it('pages through live keys in key order', async () => {
    const c = await start();
    const a = c.store('a');
    for (const k of ['e', 'a', 'c', 'b', 'd']) await a.put(P, k, k.toUpperCase());
    await a.delete(P, 'c');
    const first = a.list(P, { limit: 2 });
    expect(first.entries.map((e) => e.key)).toEqual(['a', 'b']);
    const second = a.list(P, { limit: 2, ...(first.next ? { after: first.next } : {}) });
    expect(second.entries.map((e) => [e.key, e.value])).toEqual([
      ['d', 'D'],
      ['e', 'E'],
    ]);
    expect(second.next).toBeUndefined();
  });
});

describe('limits', () => {
  it('refuses an over-long key and an over-large value, writing nothing', async () => {
    const c = await start({ store: { maxKeyLength: 8, maxValueBytes: 100 } });
    const a = c.store('a');
    await expect(a.put(P, 'k'.repeat(9), 1)).rejects.toMatchObject({ name: 'KeyTooLongError' });
    await expect(a.put(P, 'k', 'x'.repeat(200))).rejects.toMatchObject({
      name: 'ValueTooLargeError',
    });
    expect(a.prefixes()).toEqual([]);
  });
});

describe('watches', () => {
  it('see local and remote puts and deletes under a prefix', async () => {
    const c = await start();
    const seen: WatchEvent[] = [];
    c.store('c').watch(['app'], (e) => seen.push(e));
    await c.store('a').put(P, 'k', 1);
    await c.store('b').put(['app', 'other'], 'j', 2);
    await c.store('c').put(['elsewhere', 'x'], 'no', 3);
    await c.settle();
    await c.store('b').delete(P, 'k');
    await c.settle();
    expect(seen.map((e) => (e.type === 'reset' ? e.type : [e.type, e.key, e.value]))).toEqual([
      ['put', 'k', 1],
      ['put', 'j', 2],
      ['delete', 'k', undefined],
    ]);
  });

  it('resume from a token with exactly what was missed', async () => {
    const c = await start();
    const a = c.store('a');
    const first: WatchEvent[] = [];
    const w = a.watch(P, (e) => first.push(e));
    await a.put(P, 'k', 1);
    w.close();
    await a.put(P, 'k', 2);
    await a.delete(P, 'k');
    const last = first[first.length - 1];
    if (last === undefined) throw new Error('no event');
    const resumed: WatchEvent[] = [];
    a.watch(P, (e) => resumed.push(e), { since: last.token });
    expect(resumed.map((e) => e.type)).toEqual(['put', 'delete']);
    expect(resumed[0]).toMatchObject({ value: 2 });
  });

  it('say "reset" when the token is older than the changes kept', async () => {
    const c = await start({ store: { feedCapacity: 4 } });
    const a = c.store('a');
    const events: WatchEvent[] = [];
    const w = a.watch(P, (e) => events.push(e));
    await a.put(P, 'k', 0);
    w.close();
    for (let i = 1; i <= 10; i++) await a.put(P, 'k', i);
    const since = events[0]?.token ?? '';
    const resumed: WatchEvent[] = [];
    a.watch(P, (e) => resumed.push(e), { since });
    expect(resumed).toHaveLength(1);
    expect(resumed[0]).toMatchObject({ type: 'reset', reason: expect.stringMatching(/dropped/) });
  });

  it('say "reset" for a token of another incarnation', async () => {
    const c = await start();
    const resumed: WatchEvent[] = [];
    c.store('a').watch(P, (e) => resumed.push(e), { since: 'other.3' });
    expect(resumed).toEqual([expect.objectContaining({ type: 'reset' })]);
  });
});
