import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeEvent, Resolver } from '../../../src/handlers/metadata/index.js';
import { Cluster } from './cluster-harness.js';

const P = ['config', 'features'] as const;

let cluster: Cluster | undefined;

async function start(options?: Parameters<typeof Cluster.start>[0]): Promise<Cluster> {
  cluster = await Cluster.start(options);
  return cluster;
}

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function valuesEverywhere(c: Cluster, key: string): Promise<unknown[]> {
  return Promise.all(c.nodes.map((n) => c.store(n).get(P, key)));
}

describe('metadata store on a 4-node cluster', () => {
  it('converges on every node after put, overwrite and delete', async () => {
    const c = await start();
    await c.store('a').put(P, 'k', 1);
    await c.settle();
    expect(await valuesEverywhere(c, 'k')).toEqual([1, 1, 1, 1]);

    await c.store('c').put(P, 'k', { v: 2 });
    await c.settle();
    expect(await valuesEverywhere(c, 'k')).toEqual([{ v: 2 }, { v: 2 }, { v: 2 }, { v: 2 }]);

    await c.store('d').delete(P, 'k');
    await c.settle();
    expect(await valuesEverywhere(c, 'k')).toEqual([undefined, undefined, undefined, undefined]);
    for (const n of c.nodes) expect(c.store(n).read(P, 'k')?.deleted).toBe(true);
    expect(c.converged()).toBe(true);
  });

  it('keeps the old value on the far side of a 2|2 partition, and converges after healing', async () => {
    const c = await start();
    await c.store('a').put(P, 'k', 'old');
    await c.settle();
    c.partition(['a', 'b'], ['c', 'd']);
    await c.store('a').put(P, 'k', 'new');
    await c.settle();
    expect(await valuesEverywhere(c, 'k')).toEqual(['new', 'new', 'old', 'old']);
    expect(c.dropped).toBeGreaterThan(0);

    c.heal();
    await c.exchange('b', 'c');
    await c.exchange('c', 'd');
    expect(await valuesEverywhere(c, 'k')).toEqual(['new', 'new', 'new', 'new']);
    expect(c.converged()).toBe(true);
  });

  it('keeps both siblings of concurrent writes on both sides, resolves them, and collapses them by write-back', async () => {
    const c = await start();
    await c.store('a').put(P, 'k', 'base');
    await c.settle();
    c.partition(['a', 'b'], ['c', 'd']);
    await c.store('b').put(P, 'k', 'left');
    c.clock.advance(10);
    await c.store('d').put(P, 'k', 'right');
    await c.settle();
    c.heal();
    await c.exchangeAll();
    await c.settle();

    for (const n of c.nodes) {
      const read = c.store(n).read(P, 'k');
      expect(read?.values).toHaveLength(2);
      expect([...(read?.values ?? [])].sort()).toEqual(['left', 'right']);
    }
    expect(c.converged()).toBe(true);
    // Last writer wins by default: d wrote later.
    expect(await valuesEverywhere(c, 'k')).toEqual(['right', 'right', 'right', 'right']);
    // A user resolver: concatenate in a fixed order.
    const join: Resolver = (siblings) => ({
      kind: 'value',
      value: siblings
        .flatMap((s) => (s.kind === 'value' ? [String(s.value)] : []))
        .sort()
        .join('+'),
    });
    expect(await c.store('a').get(P, 'k', { resolver: join })).toBe('left+right');
    expect(c.store('a').read(P, 'k')?.values).toHaveLength(2);

    expect(await c.store('c').get(P, 'k', { resolver: join, writeBack: true })).toBe('left+right');
    await c.settle();
    for (const n of c.nodes) expect(c.store(n).read(P, 'k')?.values).toEqual(['left+right']);
    expect(c.converged()).toBe(true);
  });

  it('repairs a node that missed every broadcast by exchange alone', async () => {
    const c = await start();
    c.partition(['a', 'b', 'c'], ['d']);
    for (let i = 0; i < 200; i++)
      await c.store(['a', 'b', 'c'][i % 3] as string).put(P, `k${i}`, i);
    await c.store('a').delete(P, 'k7');
    await c.settle();
    expect(c.store('d').prefixes()).toEqual([]);
    c.heal();
    const delivered = c.delivered;
    const summary = await c.exchange('d', 'a');
    expect(summary.outcome).toBe('completed');
    expect(summary.objectsReceived).toBe(200);
    expect(c.delivered).toBe(delivered);
    expect(c.store('d').fold(P, (n) => n + 1, 0)).toBe(199);
    expect(await c.store('d').get(P, 'k150')).toBe(150);
    expect(c.store('d').read(P, 'k7')?.deleted).toBe(true);
    expect(c.converged()).toBe(true);
    // A second exchange finds nothing to do past the roots.
    const again = await c.exchange('a', 'd');
    expect(again.requests).toBe(1);
    expect(again.prefixesDiffering).toBe(0);
  });

  it('repairs differences in both directions in one exchange', async () => {
    const c = await start();
    c.partition(['a'], ['b'], ['c', 'd']);
    await c.store('a').put(P, 'only-a', 'A');
    await c.store('b').put(P, 'only-b', 'B');
    await c.store('a').put(['other', 'x'], 'k', 1);
    await c.store('a').put(P, 'both', 'from-a');
    await c.store('b').put(P, 'both', 'from-b');
    c.heal();
    await c.exchange('a', 'b');
    for (const n of ['a', 'b']) {
      expect(await c.store(n).get(P, 'only-a')).toBe('A');
      expect(await c.store(n).get(P, 'only-b')).toBe('B');
      expect(await c.store(n).get(['other', 'x'], 'k')).toBe(1);
      expect(c.store(n).read(P, 'both')?.values).toHaveLength(2);
    }
    expect(JSON.stringify(c.store('a').digest())).toBe(JSON.stringify(c.store('b').digest()));
  });

  it('restarts a node from its data directory with every acknowledged write', async () => {
    const c = await start({ persistent: true });
    const acked: string[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        await c.store('b').put(P, `k${i}`, { i });
        acked.push(`k${i}`);
      }),
    );
    const deleted = await c.store('b').delete(P, 'k3');
    await c.settle();
    const before = JSON.stringify(c.store('b').digest());
    await c.restart('b');
    expect(JSON.stringify(c.store('b').digest())).toBe(before);
    for (const key of acked.filter((k) => k !== 'k3')) {
      expect(await c.store('b').get(P, key)).toEqual({ i: Number(key.slice(1)) });
    }
    expect(c.store('b').read(P, 'k3')?.deleted).toBe(true);
    // New writes continue above the node's highest counter: no dot is handed out twice.
    const { dot } = await c.store('b').put(P, 'k0', 'again');
    expect(dot).toEqual(['b', deleted.dot[1] + 1]);
  });

  it('a memory-only node restarts empty under a new actor, so it never reuses a dot', async () => {
    const c = await start();
    const first = await c.store('b').put(P, 'k', 'before');
    await c.settle();
    await c.restart('b');
    expect(c.store('b').prefixes()).toEqual([]);
    const second = await c.store('b').put(P, 'k', 'after');
    expect(second.dot[0]).not.toBe(first.dot[0]);
    await c.settle();
    // The other nodes saw both writes from b: the restart's write replaces nothing it
    // never saw, so both survive as siblings until resolved.
    expect([...(c.store('a').read(P, 'k')?.values ?? [])].sort()).toEqual(['after', 'before']);
  });

  it('a restarted node catches up by exchange on what it missed while down', async () => {
    const c = await start({ persistent: true });
    await c.store('a').put(P, 'k', 1);
    await c.settle();
    await c.stop('d');
    await c.store('a').put(P, 'k', 2);
    await c.store('b').put(P, 'k2', 'while-down');
    await c.settle();
    await c.restart('d');
    expect(await c.store('d').get(P, 'k')).toBe(1);
    await c.exchange('d', 'a');
    expect(await c.store('d').get(P, 'k')).toBe(2);
    expect(await c.store('d').get(P, 'k2')).toBe('while-down');
  });

  it('compacts its log and reloads the same state, counters and collected keys', async () => {
    const c = await start({ persistent: true, collectTombstones: true });
    for (let round = 0; round < 10; round++) {
      for (let k = 0; k < 20; k++) await c.store('a').put(P, `k${k}`, { round });
    }
    const last = await c.store('a').delete(P, 'k0');
    await c.settle();
    await c.exchangeAll();
    await c.exchangeAll();
    expect(c.store('a').read(P, 'k0')).toBeUndefined();
    const before = c.store('a').logStats()?.bytes ?? 0;
    await c.store('a').compact();
    const after = c.store('a').logStats();
    expect(after?.compactions).toBe(1);
    expect(after?.bytes).toBeLessThan(before / 3);
    const digest = JSON.stringify(c.store('a').digest());
    await c.restart('a');
    expect(JSON.stringify(c.store('a').digest())).toBe(digest);
    // The collected key is still remembered: its deleted history counts as stale.
    expect(await c.handler('a').isStale({ prefix: P, key: 'k0', clock: last.context })).toBe(true);
    const next = await c.store('a').put(P, 'k0', 'reborn');
    expect(next.dot[1]).toBe(last.dot[1] + 1);
    await c.settle();
    expect(await c.store('d').get(P, 'k0')).toBe('reborn');
  });

  it('drops a torn final record on reload and keeps everything before it', async () => {
    const c = await start({ persistent: true, nodes: ['a', 'b'] });
    await c.store('a').put(P, 'k1', 'one');
    await c.store('a').put(P, 'k2', 'two');
    await c.stop('a');
    const file = join(c.dataDir('a') as string, 'metadata.log');
    const bytes = await readFile(file);
    // Half of a third record, as a crash in the middle of a write would leave.
    await writeFile(
      file,
      Buffer.concat([bytes, bytes.subarray(bytes.length - 20, bytes.length - 5)]),
    );
    await c.restart('a');
    expect(await c.store('a').get(P, 'k1')).toBe('one');
    expect(await c.store('a').get(P, 'k2')).toBe('two');
    await c.store('a').put(P, 'k3', 'three');
    await c.restart('a');
    expect(await c.store('a').get(P, 'k3')).toBe('three');
  });

  it('tells subscribers about local and remote changes, by full prefix or by prefix', async () => {
    const c = await start();
    const seen: ChangeEvent[] = [];
    const seenTop: ChangeEvent[] = [];
    const off = c.store('b').subscribe(P, (e) => seen.push(e));
    c.store('b').subscribe([P[0]], (e) => seenTop.push(e));
    await c.store('b').put(P, 'k', 'mine');
    await c.store('a').put(P, 'k', 'theirs');
    await c.store('a').put([P[0], 'elsewhere'], 'x', 1);
    await c.store('a').put(['unrelated', 'p'], 'x', 1);
    await c.settle();
    expect(seen.map((e) => [e.origin, e.key, e.values])).toEqual([
      ['local', 'k', ['mine']],
      ['remote', 'k', ['theirs']],
    ]);
    expect(seenTop.map((e) => e.prefix[1])).toEqual(['features', 'features', 'elsewhere']);
    off();
    await c.store('b').delete(P, 'k');
    expect(seen).toHaveLength(2);
    expect(seenTop.at(-1)?.deleted).toBe(true);
  });

  it('answers isStale and graft from clocks', async () => {
    const c = await start({ nodes: ['a', 'b'] });
    c.partition(['a'], ['b']);
    await c.store('a').put(P, 'k', 1);
    const first = c
      .handler('a')
      .broadcastData({ prefix: P, key: 'k', object: c.store('a').object(P, 'k')! });
    await c.store('a').put(P, 'k', 2);
    const second = c
      .handler('a')
      .broadcastData({ prefix: P, key: 'k', object: c.store('a').object(P, 'k')! });
    expect(await c.handler('b').isStale(second.id)).toBe(false);
    const grafted = await c.handler('a').graft(first.id);
    // A graft for an old id is answered with the newest object, which descends it.
    expect(grafted).toEqual({ ok: second.payload });
    expect(await c.handler('b').merge(first.id, first.payload)).toBe(true);
    expect(await c.handler('b').isStale(first.id)).toBe(true);
    expect(await c.handler('b').isStale(second.id)).toBe(false);
    expect(await c.handler('b').merge(second.id, second.payload)).toBe(true);
    expect(await c.handler('b').merge(first.id, first.payload)).toBe(false);
    expect(await c.handler('b').isStale(second.id)).toBe(true);
    expect(await c.handler('b').graft({ prefix: P, key: 'missing', clock: [['a', 1]] })).toBe(
      'stale',
    );
  });

  it('cancels a running exchange, whose done then resolves', async () => {
    const c = await start({
      nodes: ['a', 'b'],
      store: { tree: { segments: 64, groupSize: 8 }, exchangeLimits: { segmentsPerRound: 1 } },
    });
    c.partition(['a'], ['b']);
    for (let i = 0; i < 300; i++) await c.store('a').put(P, `k${i}`, i);
    c.heal();
    const handle = c.handler('b').exchange('a');
    if (typeof handle !== 'object' || !('ok' in handle)) throw new Error('expected a handle');
    const running = handle.ok as { done: Promise<{ outcome: string }>; cancel(): void };
    let synced = 0;
    const off = c.store('b').subscribe(P, () => {
      if (++synced === 20) running.cancel();
    });
    const summary = await running.done;
    off();
    expect(summary.outcome).toBe('cancelled');
    expect(c.store('b').fold(P, (n) => n + 1, 0)).toBeLessThan(300);
    expect(c.store('b').runningExchanges()).toBe(0);
  });

  it('reports a failed exchange when the peer is unreachable', async () => {
    const c = await start({ nodes: ['a', 'b'] });
    c.partition(['a'], ['b']);
    const summary = await c.exchange('a', 'b');
    expect(summary.outcome).toBe('failed');
    expect((summary.error as Error).name).toBe('ExchangeFailedError');
    expect(c.reportedErrors()).toHaveLength(1);
  });
});

describe('tombstone collection', () => {
  it('forgets a tombstone once every member holds it, and a stale copy cannot resurrect the key', async () => {
    const c = await start({ collectTombstones: true });
    await c.store('a').put(P, 'k', 'alive');
    await c.settle();
    const oldObject = c.store('d').object(P, 'k')!;
    const old = c.handler('d').broadcastData({ prefix: P, key: 'k', object: oldObject });
    await c.store('a').delete(P, 'k');
    await c.settle();
    expect(c.store('a').tombstoneCount()).toBe(1);

    // One round of exchanges teaches every node that every other holds the tombstone.
    await c.exchangeAll();
    await c.exchangeAll();
    for (const n of c.nodes) {
      expect(c.store(n).tombstoneCount()).toBe(0);
      expect(c.store(n).read(P, 'k')).toBeUndefined();
    }
    // An i_have for the old write: the announcer answers the graft with `stale`.
    expect(await c.handler('a').graft(old.id)).toBe('stale');
    expect(c.converged()).toBe(true);
  });

  it('keeps a tombstone while a member has not confirmed it', async () => {
    const c = await start({ collectTombstones: true });
    await c.store('a').put(P, 'k', 'alive');
    await c.settle();
    c.partition(['a', 'b', 'c'], ['d']);
    await c.store('a').delete(P, 'k');
    await c.settle();
    for (const [x, y] of [
      ['a', 'b'],
      ['b', 'c'],
      ['a', 'c'],
      ['b', 'a'],
      ['c', 'a'],
    ] as const) {
      await c.exchange(x, y);
    }
    // d still holds the live value: nobody may forget the delete.
    for (const n of ['a', 'b', 'c']) expect(c.store(n).read(P, 'k')?.deleted).toBe(true);
    c.heal();
    await c.exchangeAll();
    await c.exchangeAll();
    for (const n of c.nodes) expect(c.store(n).read(P, 'k')).toBeUndefined();
  });
});
