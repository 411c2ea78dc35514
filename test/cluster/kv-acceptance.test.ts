/**
 * The metadata store's acceptance scenarios on 4 real nodes over real channels: a
 * delete racing a write across a 2|2 partition, a delete that stays deleted through
 * exchanges, restarts and tombstone collection, siblings resolved through the admin
 * API, and a watch that sees every change and resumes without loss.
 *
 * `KV_ACCEPTANCE_MS` sets how long the stays-deleted phase runs (default 3 s; the
 * issue asks for one 10-minute run at exchange tick 200 ms, done by hand with
 * `KV_ACCEPTANCE_MS=600000 npx vitest run test/cluster/kv-acceptance.test.ts`).
 */
import { describe, expect, it } from 'vitest';
import { type StreamEvent, watchEvents } from '../../src/cli/admin-client.js';
import type { PlumtreeNode } from '../../src/node/index.js';
import { membersAre, seedOf, until, useNodes } from './helpers.js';

const P = ['app', 'config'] as const;
const NAMES = ['a', 'b', 'c', 'd'] as const;
const STAY_DELETED_MS = Number(process.env.KV_ACCEPTANCE_MS ?? 3000);

describe('metadata store acceptance, 4 real nodes', () => {
  const nodes = useNodes();

  const options = (dataDir?: string) => ({
    adminPort: 0,
    broadcast: { lazyTickPeriod: 50, exchangeTickPeriod: 200 },
    metadata: { tombstoneGraceMs: 0 },
    ...(dataDir !== undefined ? { dataDir } : {}),
  });

  async function fourNodes(dirs?: Record<string, string>): Promise<PlumtreeNode[]> {
    const list: PlumtreeNode[] = [];
    for (const name of NAMES) {
      list.push(
        await nodes.start(name, {
          ...options(dirs?.[name]),
          ...(list[0] ? { join: [seedOf(list[0])] } : {}),
        }),
      );
    }
    await membersAre(list, [...NAMES]);
    return list;
  }

  async function partition(list: readonly PlumtreeNode[]): Promise<void> {
    const left = list.slice(0, 2);
    const right = list.slice(2);
    for (const x of left) for (const y of right) await x.channels.block(y.name);
    for (const x of right) for (const y of left) await x.channels.block(y.name);
  }

  function heal(list: readonly PlumtreeNode[]): void {
    for (const x of list) for (const y of x.channels.blockedPeers()) x.channels.unblock(y);
  }

  const answer = async (n: PlumtreeNode, key: string) =>
    JSON.stringify((await n.metadata.get(P, key)) ?? null);
  const admin = (n: PlumtreeNode) => `http://127.0.0.1:${n.adminPort}`;

  it(
    'a delete and a concurrent write across a partition: every node answers the write, and a deleted key stays deleted through exchanges, restarts and collection',
    async () => {
      const dirs: Record<string, string> = {};
      for (const name of NAMES) dirs[name] = await nodes.tempDir();
      let list = await fourNodes(dirs);
      const [a, , c] = list as [PlumtreeNode, PlumtreeNode, PlumtreeNode, PlumtreeNode];
      await a.metadata.put(P, 'k', 'before');
      await a.metadata.put(P, 'gone', 'doomed');
      await until('written everywhere', async () =>
        (await Promise.all(list.map((n) => answer(n, 'gone')))).every((v) => v === '"doomed"'),
      );
      await partition(list);
      await a.metadata.delete(P, 'k');
      await c.metadata.put(P, 'k', 'concurrent');
      await a.metadata.delete(P, 'gone');
      heal(list);
      // The documented outcome: the write the deleter never saw survives the delete.
      await until(
        'every node answers the write and the delete',
        async () =>
          (
            await Promise.all(
              list.map(async (n) => [await answer(n, 'k'), await answer(n, 'gone')]),
            )
          ).every(([k, gone]) => k === '"concurrent"' && gone === 'null'),
        20_000,
      );
      await until(
        'the tombstone is collected everywhere',
        () => list.every((n) => n.metadata.read(P, 'gone') === undefined),
        20_000,
      );
      // Then keep going: exchanges every 200 ms, a node restarted from its data dir every
      // so often, and every node checked each time.
      const deadline = Date.now() + STAY_DELETED_MS;
      let restarts = 0;
      while (Date.now() < deadline) {
        const victim = list[restarts % list.length] as PlumtreeNode;
        const port = victim.address.port;
        await nodes.stop(victim);
        const again = await nodes.start(victim.name, {
          ...options(dirs[victim.name]),
          port,
          join: [seedOf(list.find((n) => n !== victim) as PlumtreeNode)],
        });
        list = list.map((n) => (n === victim ? again : n));
        restarts++;
        await membersAre(list, [...NAMES], 20_000);
        await new Promise((r) => setTimeout(r, 600));
        for (const n of list) {
          expect(await answer(n, 'gone')).toBe('null');
          expect(await answer(n, 'k')).toBe('"concurrent"');
        }
      }
      expect(restarts).toBeGreaterThan(0);
      // The long hand-run reports how much it exercised.
      if (STAY_DELETED_MS > 60_000) {
        console.info(`stays-deleted phase: ${STAY_DELETED_MS} ms, ${restarts} restarts`);
      }
    },
    60_000 + STAY_DELETED_MS * 2,
  );

  it('concurrent PUTs without context show both siblings on every node; a PUT with the context collapses them everywhere', async () => {
    const list = await fourNodes();
    const [a, , c, d] = list as [PlumtreeNode, PlumtreeNode, PlumtreeNode, PlumtreeNode];
    const put = (n: PlumtreeNode, body: unknown) =>
      fetch(`${admin(n)}/kv/k?prefix=app/config`, { method: 'PUT', body: JSON.stringify(body) });
    const get = async (n: PlumtreeNode) =>
      (await (await fetch(`${admin(n)}/kv/k?prefix=app/config`)).json()) as {
        value: unknown;
        siblings?: { value: unknown }[];
        context: string;
      };
    await partition(list);
    expect((await put(a, { value: 'left' })).status).toBe(200);
    expect((await put(c, { value: 'right' })).status).toBe(200);
    heal(list);
    await until(
      'both siblings on every node',
      async () => (await Promise.all(list.map(get))).every((g) => g.siblings?.length === 2),
      20_000,
    );
    const seen = await get(d);
    expect(seen.siblings?.map((s) => s.value).sort()).toEqual(['left', 'right']);
    expect((await put(d, { value: 'merged', context: seen.context })).status).toBe(200);
    await until(
      'one value on every node',
      async () =>
        (await Promise.all(list.map(get))).every(
          (g) => g.siblings === undefined && g.value === 'merged',
        ),
      20_000,
    );
  }, 60_000);

  it('a watch on c sees every put and delete made on a and b, in causal order per key, and resumes without loss', async () => {
    const list = await fourNodes();
    const [a, b, c] = list as [PlumtreeNode, PlumtreeNode, PlumtreeNode, PlumtreeNode];
    const events: StreamEvent[] = [];
    let stop = new AbortController();
    let watching = watchEvents(
      new URL(admin(c)),
      '/watch?prefix=app',
      undefined,
      (e) => events.push(e),
      stop.signal,
    );
    await until('watch ready', () => events.some((e) => e.event === 'ready'));
    const expected: string[] = [];
    const writes = async (from: PlumtreeNode, key: string, round: number) => {
      for (let i = 0; i < 3; i++) {
        const value = `${from.name}-${round}-${i}`;
        // Each write builds on the last: a causal chain per key.
        await from.metadata.put(P, key, value);
        expected.push(`put ${key} ${value}`);
        await until(
          `c has ${value}`,
          () => JSON.stringify(c.metadata.read(P, key)?.values) === JSON.stringify([value]),
        );
      }
      await from.metadata.delete(P, key);
      expected.push(`delete ${key}`);
      await until(`c has the delete of ${key}`, () => c.metadata.read(P, key)?.deleted === true);
    };
    const changes = () =>
      events
        .filter((e) => e.event === 'put' || e.event === 'delete')
        .map((e) => {
          const d = e.data as { key: string; value: unknown };
          return e.event === 'put' ? `put ${d.key} ${String(d.value)}` : `delete ${d.key}`;
        });
    await Promise.all([writes(a, 'from-a', 1), writes(b, 'from-b', 1)]);
    await until('c streamed the first round', () => changes().length === expected.length);
    // The client drops; writes go on; it reconnects with the last id it saw.
    stop.abort();
    await watching;
    await Promise.all([writes(a, 'from-a', 2), writes(b, 'from-b', 2)]);
    stop = new AbortController();
    const lastId = events[events.length - 1]?.id;
    watching = watchEvents(
      new URL(admin(c)),
      '/watch?prefix=app',
      lastId,
      (e) => events.push(e),
      stop.signal,
    );
    await until('c streamed everything', () => changes().length >= expected.length);
    stop.abort();
    await watching;
    expect(events.some((e) => e.event === 'reset')).toBe(false);
    const perKey = (lines: string[], key: string) => lines.filter((l) => l.split(' ')[1] === key);
    for (const key of ['from-a', 'from-b']) {
      expect(perKey(changes(), key)).toEqual(perKey(expected, key));
    }
    expect(changes()).toHaveLength(expected.length);
  }, 60_000);
});
