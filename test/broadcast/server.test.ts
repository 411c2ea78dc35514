import { afterEach, describe, expect, it } from 'vitest';
import {
  type ActorRef,
  dispatch,
  kill,
  query,
  type SystemRef,
  start,
  stop,
  whereis,
} from '../../src/actors/index.js';
import {
  type BroadcastHandler,
  broadcast,
  broadcastChannel,
  broadcastMembers,
  broadcastServerName,
  cancelExchanges,
  createOutstandingTable,
  debugGetPeers,
  debugGetTree,
  exchanges,
  getPeers,
  type PlumtreeOptions,
  RemoteQueryError,
  spawnBroadcastServer,
  update,
} from '../../src/broadcast/index.js';
import { MetricsRegistry } from '../../src/metrics/index.js';
import { startSupervisor, whichChildren } from '../../src/supervisor/index.js';
import { seededRng } from '../../src/util/rng.js';
import { eventually } from '../support/actors.js';
import { MemoryBroadcastNet, type SetHandler, setHandler } from '../support/memory-broadcast.js';

const FAST: Partial<PlumtreeOptions> = {
  lazyTickPeriod: 20,
  exchangeTickPeriod: 100_000,
  graftTimeout1: 40,
  graftTimeout2: 20,
};

let system: SystemRef | undefined;
afterEach(() => {
  if (system) stop(system);
  system = undefined;
});

interface Cluster {
  net: MemoryBroadcastNet;
  handlers: Record<string, SetHandler>;
  metrics: Record<string, MetricsRegistry>;
  names: string[];
}

function cluster(
  n: number,
  opts: Partial<PlumtreeOptions> = FAST,
  handler = () => setHandler(),
): Cluster {
  system ??= start();
  const net = new MemoryBroadcastNet();
  const names = Array.from({ length: n }, (_, i) => String.fromCharCode(97 + i));
  const handlers: Record<string, SetHandler> = {};
  const metrics: Record<string, MetricsRegistry> = {};
  for (const node of names) {
    handlers[node] = handler();
    metrics[node] = new MetricsRegistry();
    spawnBroadcastServer(system, {
      node,
      members: names,
      handlers: [handlers[node]!],
      opts,
      transport: net.transport(node),
      metrics: metrics[node]!,
      rng: seededRng(node.charCodeAt(0)),
    });
  }
  return { net, handlers, metrics, names };
}

const srv = broadcastServerName;
const delivered = (c: Cluster, id: string) => c.names.every((n) => c.handlers[n]!.seen.has(id));

describe('broadcast server over an in-memory network', () => {
  it('a broadcast from each of 5 nodes reaches every node', async () => {
    const c = cluster(5);
    for (const n of c.names) broadcast(srv(n), { id: `m-${n}` }, 'test');
    await eventually(
      () => c.names.every((n) => delivered(c, `m-${n}`)),
      10_000,
      'delivery everywhere',
    );
  });

  it('debugGetTree shows a spanning tree of eager links once the tree has settled', async () => {
    const c = cluster(5);
    for (let i = 0; i < 5; i++) {
      broadcast(srv('a'), { id: `warm-${i}` }, 'test');
      await eventually(() => delivered(c, `warm-${i}`), 10_000);
    }
    const rows = await debugGetTree(srv('a'), 'a', c.names);
    const eager = new Map(rows.map((r) => [r.node, r.peers === 'down' ? [] : r.peers.eagers]));
    const seen = new Set(['a']);
    const queue = ['a'];
    let edges = 0;
    while (queue.length > 0) {
      const x = queue.shift()!;
      for (const y of eager.get(x) ?? []) {
        if (!seen.has(y)) {
          seen.add(y);
          queue.push(y);
          edges++;
        }
      }
    }
    expect(seen.size).toBe(5);
    expect(edges).toBe(4);
  });

  it('a supervised server that is killed is restarted, keeps its outstanding table and delivers later broadcasts', async () => {
    system = start();
    const net = new MemoryBroadcastNet();
    const names = ['a', 'b', 'c'];
    const hs = Object.fromEntries(names.map((n) => [n, setHandler()])) as Record<
      string,
      SetHandler
    >;
    const tables = Object.fromEntries(names.map((n) => [n, createOutstandingTable()]));
    const sups: ActorRef[] = [];
    for (const node of names) {
      sups.push(
        await startSupervisor(system, {
          strategy: 'one_for_one',
          intensity: 3,
          children: [
            {
              id: 'broadcast',
              start: (p) =>
                spawnBroadcastServer(p, {
                  node,
                  members: names,
                  handlers: [hs[node]!],
                  opts: FAST,
                  transport: net.transport(node),
                  outstanding: tables[node]!,
                }),
            },
          ],
        }),
      );
    }
    const before = whereis(srv('b'));
    kill(srv('b'));
    await whichChildren(sups[1]!);
    expect(whereis(srv('b'))).not.toBe(before);
    broadcast(srv('a'), { id: 'after-restart' }, 'test');
    await eventually(() => names.every((n) => hs[n]!.seen.has('after-restart')), 10_000);
  });

  it('answers broadcastMembers to a plain nact query and takes broadcasts by nact dispatch', async () => {
    const c = cluster(2);
    dispatch(whereis(srv('a'))!, {
      type: 'broadcast',
      message: { id: 'via-dispatch' },
      handler: 'test',
    });
    await eventually(() => delivered(c, 'via-dispatch'));
    const members = await query(
      whereis(srv('a'))!,
      (replyTo: ActorRef) => ({ type: 'broadcastMembers', replyTo }),
      1000,
    );
    expect(members).toEqual(['a', 'b']);
  });

  it('update changes the members the server broadcasts to', async () => {
    const c = cluster(3);
    update(srv('a'), ['a', 'b']);
    expect(await broadcastMembers(srv('a'))).toEqual(['a', 'b']);
    void c;
  });
});

describe('handler faults are contained', () => {
  it('broadcastData throwing cancels that broadcast; the server goes on', async () => {
    const c = cluster(2, FAST, () =>
      setHandler('test', {
        broadcastData: (m) => {
          if (m.id === 'bad') throw new Error('cannot encode');
          return { id: m.id, payload: m };
        },
      }),
    );
    broadcast(srv('a'), { id: 'bad' }, 'test');
    broadcast(srv('a'), { id: 'good' }, 'test');
    await eventually(() => c.handlers.b!.seen.has('good'));
    expect(c.handlers.b!.seen.has('bad')).toBe(false);
  });

  it('merge throwing counts as not new and the server keeps running', async () => {
    const c = cluster(2, FAST, () =>
      setHandler('test', {
        merge: () => {
          throw new Error('disk full');
        },
      }),
    );
    broadcast(srv('a'), { id: 'x' }, 'test');
    await eventually(
      () =>
        c.metrics.a!.counter('plumtree_messages_received_total', '').get({ type: 'prune' }) === 1,
    );
    expect(await broadcastMembers(srv('b'))).toEqual(['a', 'b']);
  });

  it('async handlers deliver like sync ones', async () => {
    const c = cluster(3, FAST, () => {
      const h = setHandler();
      const sync = h.merge;
      return Object.assign(h, { merge: async (id: string, p: { id: string }) => sync(id, p) });
    });
    broadcast(srv('c'), { id: 'async' }, 'test');
    await eventually(() => delivered(c, 'async'));
  });

  it('a message for an unknown handler is dropped and counted', async () => {
    const c = cluster(2);
    broadcast(srv('a'), { id: 'x' }, 'nobody');
    const { cast } = await import('../../src/actors/index.js');
    cast(srv('b'), {
      type: 'wire',
      from: 'a',
      msg: {
        type: 'broadcast',
        id: 'y',
        payload: 1,
        handler: 'nobody',
        round: 0,
        root: 'a',
        from: 'a',
      },
    });
    await eventually(
      () =>
        c.metrics
          .b!.counter('plumtree_broadcast_dropped_total', '')
          .get({ reason: 'unknown_handler' }) === 1,
    );
    expect(
      c.metrics
        .a!.counter('plumtree_broadcast_dropped_total', '')
        .get({ reason: 'unknown_handler' }),
    ).toBe(1);
  });

  it('a malformed wire message is dropped and counted; the server answers on', async () => {
    const c = cluster(2);
    const { cast } = await import('../../src/actors/index.js');
    for (const msg of [
      null,
      42,
      { type: 'graft' },
      { type: 'i_have', from: 'a', entries: 'x' },
      { type: 'nuke', from: 'a' },
    ]) {
      cast(srv('b'), { type: 'wire', from: 'a', msg });
    }
    await eventually(
      () =>
        c.metrics
          .b!.counter('plumtree_broadcast_dropped_total', '')
          .get({ reason: 'malformed' }) === 5,
    );
    expect(await broadcastMembers(srv('b'))).toEqual(['a', 'b']);
  });

  it('broadcastChannel names the handler channel, or default when it throws', async () => {
    system = start();
    const ok: BroadcastHandler = {
      ...setHandler('ok'),
      broadcastChannel: () => 'membership',
    } as BroadcastHandler;
    const bad: BroadcastHandler = {
      ...setHandler('bad'),
      broadcastChannel: () => {
        throw new Error('x');
      },
    } as BroadcastHandler;
    spawnBroadcastServer(system, { node: 'solo', members: ['solo'], handlers: [ok, bad] });
    expect(await broadcastChannel(srv('solo'), 'ok')).toBe('membership');
    expect(await broadcastChannel(srv('solo'), 'bad')).toBe('default');
  });
});

describe('queries', () => {
  it('getPeers gives the eager and lazy peers of a root, with info when asked', async () => {
    system = start();
    spawnBroadcastServer(system, {
      node: 'a',
      members: ['a', 'b', 'c'],
      eagers: ['b'],
      lazys: ['c'],
      handlers: [setHandler()],
      peerInfo: (p, opts) => ({ asked: [...opts], peer: p }),
    });
    expect(await getPeers(srv('a'), 'a')).toEqual({ eagers: ['b'], lazys: ['c'] });
    expect((await getPeers(srv('a'), 'a', ['nodeSpec'])).info).toEqual({
      b: { asked: ['nodeSpec'], peer: 'b' },
      c: { asked: ['nodeSpec'], peer: 'c' },
    });
  });

  it('debugGetPeers asks another node and rejects when it cannot be reached', async () => {
    const c = cluster(3);
    expect(await debugGetPeers(srv('a'), 'b', 'b')).toHaveProperty('eagers');
    c.net.partition('a', 'c');
    await expect(debugGetPeers(srv('a'), 'c', 'c')).rejects.toBeInstanceOf(RemoteQueryError);
  });

  it("debugGetTree marks a node that fails as 'down' and never rejects", async () => {
    const c = cluster(3);
    c.net.partition('a', 'c');
    const rows = await debugGetTree(srv('a'), 'a', ['a', 'b', 'c', 'ghost']);
    expect(rows.map((r) => [r.node, r.peers === 'down'])).toEqual([
      ['a', false],
      ['b', false],
      ['c', true],
      ['ghost', true],
    ]);
  });

  it('tracks an exchange a handler starts, lists it, and cancelExchanges cancels it', async () => {
    system = start();
    let cancelled = 0;
    const h = setHandler('ex', {
      exchange: () => ({ ok: { done: new Promise(() => {}), cancel: () => void cancelled++ } }),
    });
    spawnBroadcastServer(system, {
      node: 'a',
      members: ['a', 'b'],
      handlers: [h],
      opts: { ...FAST, exchangeTickPeriod: 10 },
    });
    let list: Awaited<ReturnType<typeof exchanges>> = [];
    for (let i = 0; i < 200 && list.length === 0; i++) {
      list = await exchanges(srv('a'));
      if (list.length === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(list).toEqual([{ ref: list[0]!.ref, handler: 'ex', peer: 'b' }]);
    const gone = await cancelExchanges(srv('a'), 'all');
    expect(gone.map((e) => e.peer)).toEqual(['b']);
    expect(cancelled).toBe(1);
  });

  it('exchanges on another node are asked through the transport', async () => {
    const c = cluster(2);
    expect(await exchanges(srv('a'), 'b')).toEqual([]);
    c.net.partition('a', 'b');
    await expect(exchanges(srv('a'), 'b', 500)).rejects.toBeInstanceOf(RemoteQueryError);
  });
});

describe('membership from the peer service', () => {
  it('follows the membership source and resubscribes after a restart', async () => {
    system = start();
    const subs = new Map<unknown, (m: readonly string[]) => void>();
    let members = ['a', 'b'];
    const source = {
      members: async () => members,
      subscribe: (fn: (m: readonly string[]) => void, key: unknown) => {
        subs.set(key, fn);
        return () => subs.delete(key);
      },
    };
    const sup = await startSupervisor(system, {
      strategy: 'one_for_one',
      intensity: 3,
      children: [
        {
          id: 'b',
          start: (p) =>
            spawnBroadcastServer(p, { node: 'a', handlers: [setHandler()], peerService: source }),
        },
      ],
    });
    expect(await broadcastMembers(srv('a'))).toEqual(['a', 'b']);
    kill(srv('a'));
    await whichChildren(sup);
    await eventually(() => whereis(srv('a')) !== undefined);
    expect(subs.size).toBe(1);
    members = ['a', 'b', 'c'];
    for (const fn of subs.values()) fn(members);
    for (let i = 0; i < 100; i++) {
      if ((await broadcastMembers(srv('a'))).length === 3) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await broadcastMembers(srv('a'))).toEqual(['a', 'b', 'c']);
  });
});
