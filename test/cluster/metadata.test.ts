import { describe, expect, it } from 'vitest';
import type { PlumtreeNode } from '../../src/node/index.js';
import { membersAre, seedOf, until, useNodes } from './helpers.js';

const P = ['app', 'config'] as const;

describe('metadata store over real channels, 4 nodes', () => {
  const nodes = useNodes();

  async function fourNodes(
    extra: (name: string) => Parameters<typeof nodes.start>[1] = () => ({}),
  ) {
    const list: PlumtreeNode[] = [];
    for (const name of ['a', 'b', 'c', 'd']) {
      list.push(
        await nodes.start(name, {
          ...(list[0] ? { join: [seedOf(list[0])] } : {}),
          ...extra(name),
        }),
      );
    }
    await membersAre(list, ['a', 'b', 'c', 'd']);
    await until('broadcast servers see 4 members', async () =>
      (await Promise.all(list.map((n) => n.broadcastMembers()))).every((m) => m.length === 4),
    );
    return list;
  }

  const valuesAt = (n: PlumtreeNode, key: string) => n.metadata.read(P, key)?.values ?? [];

  it('read, write and delete converge on every node', async () => {
    const list = await fourNodes();
    await list[0]!.metadata.put(P, 'colour', 'teal');
    await until('written everywhere', () =>
      list.every((n) => JSON.stringify(valuesAt(n, 'colour')) === '["teal"]'),
    );
    await list[2]!.metadata.put(P, 'colour', 'red', {
      context: list[2]!.metadata.read(P, 'colour')!.context,
    });
    await until('overwritten everywhere', () =>
      list.every((n) => JSON.stringify(valuesAt(n, 'colour')) === '["red"]'),
    );
    await list[3]!.metadata.delete(P, 'colour', {
      context: list[3]!.metadata.read(P, 'colour')!.context,
    });
    await until('deleted everywhere', () =>
      list.every((n) => n.metadata.read(P, 'colour')?.deleted === true),
    );
  });

  it('concurrent writes keep both siblings everywhere; the resolution written back collapses them', async () => {
    const list = await fourNodes();
    // Neither write has seen the other: both are issued before any frame can arrive.
    await Promise.all([
      list[0]!.metadata.put(P, 'k', 'from-a'),
      list[1]!.metadata.put(P, 'k', 'from-b'),
    ]);
    await until('both siblings everywhere', () => list.every((n) => valuesAt(n, 'k').length === 2));
    expect([...valuesAt(list[3]!, 'k')].sort()).toEqual(['from-a', 'from-b']);
    const chosen = await list[2]!.metadata.get(P, 'k', { resolver: 'lww', writeBack: true });
    expect(['from-a', 'from-b']).toContain(chosen);
    await until('collapsed everywhere', () =>
      list.every((n) => JSON.stringify(valuesAt(n, 'k')) === JSON.stringify([chosen])),
    );
  });

  it('a node that was down while writes were broadcast is repaired by exchange alone', async () => {
    const dirs = { d: await nodes.tempDir() };
    // Outstanding announcements capped at 1 per peer: the lazy push cannot repair 20 writes.
    const opts = (name: string) => ({
      broadcast: {
        lazyTickPeriod: 50,
        exchangeTickPeriod: 100,
        options: { maxOutstandingPerPeer: 1 },
      },
      ...(name === 'd' ? { dataDir: dirs.d } : {}),
    });
    const list = await fourNodes(opts);
    const d = list[3]!;
    const port = d.address.port;
    await nodes.stop(d);
    for (let i = 0; i < 20; i++) await list[0]!.metadata.put(P, `key-${i}`, i);
    const again = await nodes.start('d', { port, ...opts('d') });
    await until(
      'd holds all 20 keys',
      () =>
        Array.from({ length: 20 }, (_, i) => valuesAt(again, `key-${i}`)).every(
          (v) => v.length === 1,
        ),
      20_000,
    );
  }, 40_000);

  it('a node restarted from its data dir has every acknowledged write', async () => {
    const dir = await nodes.tempDir();
    const a = await nodes.start('a', { dataDir: dir });
    for (let i = 0; i < 50; i++) await a.metadata.put(P, `k${i}`, { i });
    await a.metadata.delete(P, 'k0', { context: a.metadata.read(P, 'k0')!.context });
    await nodes.stop(a);
    const again = await nodes.start('a', { dataDir: dir });
    for (let i = 1; i < 50; i++) expect(valuesAt(again, `k${i}`)).toEqual([{ i }]);
    expect(again.metadata.read(P, 'k0')?.deleted).toBe(true);
  });
});

describe('metadata store across a 2|2 partition over real channels', () => {
  const nodes = useNodes();

  /** Four joined nodes with fast lazy pushes and exchanges. */
  async function fourNodes(): Promise<PlumtreeNode[]> {
    const list: PlumtreeNode[] = [];
    for (const name of ['a', 'b', 'c', 'd']) {
      list.push(
        await nodes.start(name, {
          broadcast: { lazyTickPeriod: 50, exchangeTickPeriod: 100 },
          ...(list[0] ? { join: [seedOf(list[0])] } : {}),
        }),
      );
    }
    await membersAre(list, ['a', 'b', 'c', 'd']);
    return list;
  }

  /** Cuts every channel between the first two nodes and the last two, on both sides. */
  async function partition(list: readonly PlumtreeNode[]): Promise<void> {
    const left = list.slice(0, 2);
    const right = list.slice(2);
    for (const x of left) for (const y of right) await x.channels.block(y.name);
    for (const x of right) for (const y of left) await x.channels.block(y.name);
  }

  function heal(list: readonly PlumtreeNode[]): void {
    for (const x of list) for (const y of x.channels.blockedPeers()) x.channels.unblock(y);
  }

  const valuesAt = (n: PlumtreeNode) => JSON.stringify(n.metadata.read(P, 'k')?.values);

  it('a write on one side stays on that side until the partition heals, then every node converges', async () => {
    const list = await fourNodes();
    const [a, b, c, d] = list as [PlumtreeNode, PlumtreeNode, PlumtreeNode, PlumtreeNode];
    await a.metadata.put(P, 'k', 'old');
    await until('old everywhere', () => list.every((n) => valuesAt(n) === '["old"]'));
    await partition(list);
    await a.metadata.put(P, 'k', 'new', { context: a.metadata.read(P, 'k')!.context });
    await until('b sees the new value', () => valuesAt(b) === '["new"]');
    // Asserting an absence: lazy pushes and exchanges run every 50-100 ms, so after 500 ms
    // of rounds the far side must still hold the old value.
    await new Promise((r) => setTimeout(r, 500));
    for (const n of [c, d]) expect(n.metadata.read(P, 'k')?.values).toEqual(['old']);
    heal(list);
    await until(
      'new everywhere after the heal',
      () => list.every((n) => valuesAt(n) === '["new"]'),
      20_000,
    );
  }, 40_000);

  it('concurrent writes on both sides of a partition become siblings everywhere once healed', async () => {
    const list = await fourNodes();
    const [a, b, , d] = list as [PlumtreeNode, PlumtreeNode, PlumtreeNode, PlumtreeNode];
    await partition(list);
    await a.metadata.put(P, 'k', 'left');
    await d.metadata.put(P, 'k', 'right');
    heal(list);
    await until(
      'both siblings everywhere',
      () => list.every((n) => n.metadata.read(P, 'k')?.values.length === 2),
      20_000,
    );
    const chosen = await b.metadata.get(P, 'k', { writeBack: true });
    await until(
      'collapsed everywhere',
      () => list.every((n) => valuesAt(n) === JSON.stringify([chosen])),
      20_000,
    );
  }, 40_000);
});
