import { describe, expect, it } from 'vitest';
import { kill, whereis } from '../../src/actors/index.js';
import type { PlumtreeNode } from '../../src/node/index.js';
import { type SetHandler, setHandler } from '../support/memory-broadcast.js';
import { membersAre, seedOf, until, useNodes } from './helpers.js';

describe('broadcast over real channels, 5 nodes in one process', () => {
  const nodes = useNodes();

  async function fiveNodes() {
    const handlers: Record<string, SetHandler> = {};
    const list: PlumtreeNode[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      handlers[name] = setHandler();
      list.push(
        await nodes.start(name, {
          broadcast: { handlers: [handlers[name]!], lazyTickPeriod: 50 },
          ...(list[0] ? { join: [seedOf(list[0])] } : {}),
        }),
      );
    }
    await membersAre(list, ['a', 'b', 'c', 'd', 'e']);
    await until('broadcast servers see 5 members', async () =>
      (await Promise.all(list.map((n) => n.broadcastMembers()))).every((m) => m.length === 5),
    );
    return {
      list,
      handlers,
      everyone: (id: string) => Object.values(handlers).every((h) => h.seen.has(id)),
    };
  }

  it('a broadcast from each node reaches every node', async () => {
    const { list, everyone } = await fiveNodes();
    for (const n of list) n.broadcast({ id: `from-${n.name}` }, 'test');
    await until('every broadcast everywhere', () => list.every((n) => everyone(`from-${n.name}`)));
  });

  it('debugGetTree shows a spanning tree of eager links once the tree has settled', async () => {
    const { list, everyone } = await fiveNodes();
    for (let i = 0; i < 6; i++) {
      list[0]!.broadcast({ id: `warm-${i}` }, 'test');
      await until(`warm-${i}`, () => everyone(`warm-${i}`));
    }
    const rows = await list[0]!.debugGetTree('a', ['a', 'b', 'c', 'd', 'e']);
    const eager = new Map(rows.map((r) => [r.node, r.peers === 'down' ? [] : r.peers.eagers]));
    const reached = new Set(['a']);
    const queue = ['a'];
    let edges = 0;
    while (queue.length) {
      for (const y of eager.get(queue.shift()!) ?? []) {
        if (!reached.has(y)) {
          reached.add(y);
          queue.push(y);
          edges++;
        }
      }
    }
    expect(reached.size).toBe(5);
    expect(edges).toBe(4);
  });

  it("a killed broadcast server is restarted by its node's supervisor and delivers later broadcasts", async () => {
    const { list, handlers, everyone } = await fiveNodes();
    const before = whereis('plumtree_broadcast@c');
    kill('plumtree_broadcast@c');
    await until(
      'server restarted',
      () =>
        whereis('plumtree_broadcast@c') !== undefined && whereis('plumtree_broadcast@c') !== before,
    );
    list[0]!.broadcast({ id: 'after' }, 'test');
    await until('delivered everywhere after the restart', () => everyone('after'));
    expect(handlers.c!.seen.has('after')).toBe(true);
  });
});

describe('getPeers info options over real channels', () => {
  const nodes = useNodes();

  it('nodeSpec, metadata and distance describe each peer; distance once a ping was answered', async () => {
    const a = await nodes.start('a', { ping: { intervalMs: 30, timeoutMs: 1000 } });
    const b = await nodes.start('b', {
      join: [seedOf(a)],
      ping: { intervalMs: 30, timeoutMs: 1000 },
    });
    await membersAre([a, b], ['a', 'b']);
    await until('b is a peer of a with a measured distance', async () => {
      const info = (await a.getPeers('a', ['distance'])).info?.b;
      return typeof info?.distance === 'number';
    });
    const peers = await a.getPeers('a', ['nodeSpec', 'metadata', 'distance']);
    const b_ = peers.info?.b as {
      nodeSpec: { name: string };
      metadata: { channels: object };
      distance: number;
    };
    expect(b_.nodeSpec.name).toBe('b');
    expect(Object.keys(b_.metadata.channels)).toContain('membership');
    expect(b_.distance).toBeGreaterThanOrEqual(0);
    expect(b_.distance).toBeLessThan(1000);
  });
});
