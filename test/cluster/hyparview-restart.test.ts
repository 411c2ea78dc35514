import { describe, it } from 'vitest';
import type { NodeOptions, PlumtreeNode } from '../../src/node/index.js';
import { seedOf, until, useNodes } from './helpers.js';

const P = ['app', 'config'] as const;
const MAX_ACTIVE = 4;
const SIZE = 12;
const hyparview = { activeMaxSize: MAX_ACTIVE, shuffleInterval: 300, promotionInterval: 150 };

/** Names reachable from the first node over active views (each node's `members()`). */
function component(nodes: readonly PlumtreeNode[]): Set<string> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const first = nodes[0]?.name as string;
  const seen = new Set([first]);
  const queue = [first];
  while (queue.length > 0) {
    for (const p of byName.get(queue.shift() as string)?.members() ?? []) {
      if (byName.has(p) && !seen.has(p)) {
        seen.add(p);
        queue.push(p);
      }
    }
  }
  return seen;
}

function describeViews(nodes: readonly PlumtreeNode[]): string {
  return nodes.map((n) => `${n.name}=[${n.members().filter((m) => m !== n.name)}]`).join(' ');
}

describe('HyParView nodes restarted from their data dirs, 12 nodes over real channels', () => {
  const nodes = useNodes();

  it('rejoin the one overlay (seed included) and receive the writes made while they were down', async () => {
    const names = Array.from({ length: SIZE }, (_, i) => `r${String(i).padStart(2, '0')}`);
    const dirs = new Map<string, string>();
    const ports = new Map<string, number>();
    let seed = '';
    // The same "command line" at first start and at restart: data dir, port, seed.
    const options = (name: string): Partial<NodeOptions> => ({
      overlay: 'hyparview',
      hyparview,
      dataDir: dirs.get(name) as string,
      broadcast: { lazyTickPeriod: 50, exchangeTickPeriod: 200 },
      ...(ports.has(name) ? { port: ports.get(name) as number } : {}),
      ...(name !== names[0] ? { join: [seed] } : {}),
    });
    const list: PlumtreeNode[] = [];
    for (const name of names) {
      dirs.set(name, await nodes.tempDir());
      const n = await nodes.start(name, options(name));
      ports.set(name, n.address.port);
      if (name === names[0]) seed = seedOf(n);
      list.push(n);
    }
    await until(
      `one overlay of 12 (${describeViews(list)})`,
      () => component(list).size === SIZE,
      20_000,
    );

    // The join seed and three others stop abruptly: no leave, connections just close.
    const victims = [0, 3, 6, 9].map((i) => list[i] as PlumtreeNode);
    for (const v of victims) await nodes.stop(v);
    const survivors = list.filter((n) => !victims.includes(n));
    await until('survivors drop the stopped nodes', () =>
      survivors.every((n) => victims.every((v) => !n.members().includes(v.name))),
    );
    for (let i = 0; i < 20; i++)
      await (survivors[i % 8] as PlumtreeNode).metadata.put(P, `k${i}`, i);

    const restarted: PlumtreeNode[] = [];
    for (const v of victims) restarted.push(await nodes.start(v.name, options(v.name)));
    const all = [...survivors, ...restarted];
    await until(
      `one overlay of 12 after the restart (${describeViews(all)})`,
      () => component(all).size === SIZE,
      25_000,
    );
    await until(
      'every restarted node holds the 20 writes made while it was down',
      () =>
        restarted.every((n) =>
          Array.from({ length: 20 }, (_, i) => n.metadata.read(P, `k${i}`)?.values ?? []).every(
            (v) => v.length === 1,
          ),
        ),
      20_000,
    );
  }, 90_000);
});
