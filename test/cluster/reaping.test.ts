import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { PlumtreeNode } from '../../src/node/index.js';
import { membersAre, seedOf, until, useNodes } from './helpers.js';

const DOWN_AFTER = 1_500;

describe('reaping dead members over real channels', () => {
  const nodes = useNodes();
  const start = (name: string, join?: PlumtreeNode) =>
    nodes.start(name, {
      downAfterMs: DOWN_AFTER,
      broadcast: { exchangeTickPeriod: 300, lazyTickPeriod: 50 },
      ...(join ? { join: [seedOf(join)] } : {}),
    });

  it('a stopped node is removed from every member, with an event and a counter', {
    timeout: 60_000,
  }, async () => {
    const a = await start('a');
    const b = await start('b', a);
    const c = await start('c', a);
    await membersAre([a, b, c], ['a', 'b', 'c']);
    const reaped: string[] = [];
    a.on('reaped', (e: { peer: string }) => reaped.push(e.peer));
    await nodes.stop(c);
    await membersAre([a, b], ['a', 'b'], 20_000);
    const reapedCount = async (n: PlumtreeNode) =>
      Number(/plumtree_members_reaped_total (\d+)/.exec(await n.metrics())?.[1] ?? 0);
    // Whichever of a and b reaped c first gossiped the removal to the other.
    await until(
      'c counted as reaped',
      async () => (await reapedCount(a)) + (await reapedCount(b)) >= 1,
    );
    expect(reaped.every((p) => p === 'c')).toBe(true);
  });

  it('a 3 | 3 partition longer than downAfterMs: each side removes the other, then one cluster with every write', {
    timeout: 60_000,
  }, async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const first = await start('a');
    const all: PlumtreeNode[] = [first];
    for (const name of names.slice(1)) all.push(await start(name, first));
    await membersAre(all, names, 20_000);
    const left = all.slice(0, 3);
    const right = all.slice(3);
    const cut = async (block: boolean) => {
      for (const x of left)
        for (const y of right) {
          if (block) {
            await x.channels.block(y.name);
            await y.channels.block(x.name);
          } else {
            x.channels.unblock(y.name);
            y.channels.unblock(x.name);
          }
        }
    };
    await cut(true);
    await membersAre(left, ['a', 'b', 'c'], 20_000);
    await membersAre(right, ['d', 'e', 'f'], 20_000);
    await left[0]?.metadata.put(['kv', 'default'], 'left-side', 1);
    await right[0]?.metadata.put(['kv', 'default'], 'right-side', 2);
    await cut(false);
    await membersAre(all, names, 30_000);
    await until(
      'both writes everywhere',
      () =>
        all.every(
          (n) =>
            n.metadata.read(['kv', 'default'], 'left-side') !== undefined &&
            n.metadata.read(['kv', 'default'], 'right-side') !== undefined,
        ),
      30_000,
    );
  });
});

describe('churn over real channels', () => {
  const nodes = useNodes();

  it('6 nodes, 3 stopped and replaced by new names: every live node lists exactly the live set and has every write', {
    timeout: 60_000,
  }, async () => {
    const opts = {
      downAfterMs: DOWN_AFTER,
      broadcast: { exchangeTickPeriod: 300, lazyTickPeriod: 50 },
    };
    const live: PlumtreeNode[] = [await nodes.start('n0', opts)];
    for (let i = 1; i < 6; i++)
      live.push(await nodes.start(`n${i}`, { ...opts, join: [seedOf(live[0] as PlumtreeNode)] }));
    const writes: string[] = [];
    for (let round = 0; round < 3; round++) {
      const writer = live[(round + 1) % live.length] as PlumtreeNode;
      await writer.metadata.put(['kv', 'default'], `w${round}`, round);
      writes.push(`w${round}`);
      const victim = live.splice(round % live.length, 1)[0] as PlumtreeNode;
      await nodes.stop(victim);
      live.push(
        await nodes.start(`m${round}`, { ...opts, join: [seedOf(live[0] as PlumtreeNode)] }),
      );
    }
    await membersAre(live, live.map((n) => n.name).sort(), 30_000);
    await until(
      'every write on every live node',
      () => live.every((n) => writes.every((k) => n.metadata.read(['kv', 'default'], k))),
      30_000,
    );
  });
});

describe('removing a member by hand', () => {
  const nodes = useNodes();
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
  };

  it('DELETE /members/:name removes a stopped member everywhere at once', async () => {
    const a = await nodes.start('a', { adminPort: 0, downAfterMs: 0 });
    const b = await nodes.start('b', { join: [seedOf(a)], downAfterMs: 0 });
    const c = await nodes.start('c', { join: [seedOf(a)], downAfterMs: 0 });
    await membersAre([a, b, c], ['a', 'b', 'c']);
    await nodes.stop(c);
    const res = await fetch(`http://127.0.0.1:${a.adminPort}/members/c`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, removed: 'c' });
    await membersAre([a, b], ['a', 'b']);
  });

  it('DELETE /members/:name answers 404 for a stranger, 400 for itself, 405 for GET', async () => {
    const a = await nodes.start('a', { adminPort: 0 });
    const base = `http://127.0.0.1:${a.adminPort}/members`;
    expect((await fetch(`${base}/nobody`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${base}/a`, { method: 'DELETE' })).status).toBe(400);
    expect((await fetch(`${base}/a`)).status).toBe(405);
    expect(a.members()).toEqual(['a']);
  });

  it('plumtree members remove NAME --admin URL removes a stopped member', async () => {
    const a = await nodes.start('a', { adminPort: 0, downAfterMs: 0 });
    const b = await nodes.start('b', { join: [seedOf(a)], downAfterMs: 0 });
    await membersAre([a, b], ['a', 'b']);
    await nodes.stop(b);
    const { io: cliIo, out } = io();
    const code = await runCli(
      ['members', 'remove', 'b', '--admin', `http://127.0.0.1:${a.adminPort}`],
      cliIo,
    );
    expect(code).toBe(0);
    expect(out).toEqual(['removed b']);
    await membersAre([a], ['a']);
  });

  it('plumtree members remove without a name is a usage error', async () => {
    const { io: cliIo, err } = io();
    expect(await runCli(['members', 'remove', '--admin', 'http://127.0.0.1:1'], cliIo)).toBe(2);
    expect(err.join('\n')).toContain('NAME');
  });
});

describe('a partition of a HyParView overlay over real channels', () => {
  const nodes = useNodes();

  /** True when the active views of `all` connect every node. */
  const connected = (all: readonly PlumtreeNode[]) => {
    const seen = new Set<string>();
    const byName = new Map(all.map((n) => [n.name, n]));
    const stack = [all[0]?.name as string];
    while (stack.length > 0) {
      const name = stack.pop() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      for (const m of byName.get(name)?.members() ?? []) if (byName.has(m)) stack.push(m);
    }
    return seen.size === all.length;
  };

  it('3 | 3: no active link crosses the cut while split; one overlay with every write after', {
    timeout: 60_000,
  }, async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const all: PlumtreeNode[] = [];
    for (const name of names) {
      const first = all[0];
      all.push(
        await nodes.start(name, {
          overlay: 'hyparview',
          downAfterMs: DOWN_AFTER,
          hyparview: { promotionInterval: 300, shuffleInterval: 500 },
          broadcast: { exchangeTickPeriod: 300, lazyTickPeriod: 50 },
          ...(first ? { join: [seedOf(first)] } : {}),
        }),
      );
    }
    await until('one overlay', () => connected(all), 20_000);
    const left = new Set(['a', 'b', 'c']);
    const cut = async (block: boolean) => {
      for (const x of all)
        for (const y of all) {
          if (left.has(x.name) === left.has(y.name)) continue;
          if (block) await x.channels.block(y.name);
          else x.channels.unblock(y.name);
        }
    };
    await cut(true);
    await until(
      'no active link across the cut',
      () => all.every((n) => n.members().every((m) => left.has(m) === left.has(n.name))),
      20_000,
    );
    await all[0]?.metadata.put(['kv', 'default'], 'left-side', 1);
    await all[5]?.metadata.put(['kv', 'default'], 'right-side', 2);
    await cut(false);
    await until('one overlay again', () => connected(all), 30_000);
    await until(
      'both writes everywhere',
      () =>
        all.every(
          (n) =>
            n.metadata.read(['kv', 'default'], 'left-side') !== undefined &&
            n.metadata.read(['kv', 'default'], 'right-side') !== undefined,
        ),
      30_000,
    );
  });
});
