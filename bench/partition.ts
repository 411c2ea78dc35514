/**
 * `npm run bench -- partition [--nodes 12] [--overlay full|hyparview] [--split-ms 30000]
 * [--down-after 5000]`: the acceptance run of a partition longer than `downAfterMs`.
 * N in-process nodes on loopback split N/2 | N/2 by blocking every channel across the
 * cut (both directions) for `split-ms`, with writes on both sides, then heal.
 * Measured: how long until each side no longer lists the other, and after the heal
 * how long until every node lists all N (full; for HyParView, whose members are a
 * partial view: until the active views form one connected overlay of all N) and
 * every write is on every node.
 */
import { silentLogger } from '../src/log/index.js';
import { type PlumtreeNode, startNode } from '../src/node/index.js';

const PREFIX = ['kv', 'default'] as const;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function until(f: () => boolean | Promise<boolean>, ms: number): Promise<number | null> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await f()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

/** True when the active views of `nodes` connect them all (HyParView's membership). */
function connected(nodes: readonly PlumtreeNode[]): boolean {
  const names = new Set(nodes.map((n) => n.name));
  const adj = new Map<string, Set<string>>();
  for (const n of nodes) adj.set(n.name, new Set());
  for (const n of nodes)
    for (const m of n.members())
      if (m !== n.name && names.has(m)) {
        adj.get(n.name)?.add(m);
        adj.get(m)?.add(n.name);
      }
  const seen = new Set<string>();
  const stack = [nodes[0]?.name as string];
  while (stack.length > 0) {
    const x = stack.pop() as string;
    if (seen.has(x)) continue;
    seen.add(x);
    for (const y of adj.get(x) ?? []) stack.push(y);
  }
  return seen.size === names.size;
}

/** Runs the partition acceptance scenario and returns what it measured. */
export async function benchPartition(): Promise<Record<string, unknown>> {
  const count = Number(arg('nodes', '12'));
  const overlay = arg('overlay', 'full') as 'full' | 'hyparview';
  const splitMs = Number(arg('split-ms', '30000'));
  const downAfterMs = Number(arg('down-after', '5000'));
  const names = Array.from({ length: count }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
  const nodes: PlumtreeNode[] = [];
  try {
    for (const name of names) {
      const first = nodes[0];
      nodes.push(
        await startNode({
          name,
          secret: 'partition-bench',
          overlay,
          downAfterMs,
          logger: silentLogger,
          ...(first ? { join: [`127.0.0.1:${first.address.port}`] } : {}),
        }),
      );
    }
    const formed =
      overlay === 'full'
        ? await until(() => nodes.every((n) => n.members().length === count), 60_000)
        : await until(() => connected(nodes), 60_000);
    const left = nodes.slice(0, count / 2);
    const right = nodes.slice(count / 2);
    const leftNames = new Set(left.map((n) => n.name));
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
    const writes: string[] = [];
    let n = 0;
    const write = async (side: readonly PlumtreeNode[], tag: string) => {
      const node = side[n % side.length] as PlumtreeNode;
      const key = `${tag}-${n++}`;
      await node.metadata.put(PREFIX, key, { at: Date.now(), by: node.name });
      writes.push(key);
    };
    for (let i = 0; i < 10; i++) await write(nodes, 'before');
    const splitAt = Date.now();
    await cut(true);
    const ownSideOnly = (n: PlumtreeNode) =>
      n.members().every((m) => leftNames.has(m) === leftNames.has(n.name));
    const removedMs = await until(() => nodes.every(ownSideOnly), splitMs);
    // Writes on both sides while split: one every 200 ms on each.
    while (Date.now() - splitAt < splitMs) {
      await write(left, 'left');
      await write(right, 'right');
      await new Promise((r) => setTimeout(r, 200));
    }
    const stillSplit = nodes.every(ownSideOnly);
    await cut(false);
    const healAt = Date.now();
    const membersMs =
      overlay === 'full'
        ? await until(() => nodes.every((x) => x.members().length === count), 60_000)
        : await until(() => connected(nodes), 60_000);
    const everywhere = () =>
      writes.every((k) => nodes.every((x) => x.metadata.read(PREFIX, k) !== undefined));
    const writesFound = await until(everywhere, 120_000);
    const writesMs = writesFound === null ? null : Date.now() - healAt;
    const missing = writes.filter((k) =>
      nodes.some((x) => x.metadata.read(PREFIX, k) === undefined),
    );
    return {
      nodes: count,
      overlay,
      downAfterMs,
      splitMs,
      formedMs: formed,
      eachSideRemovedTheOtherMs: removedMs,
      stillSplitAtHeal: stillSplit,
      healToAllMembersMs: membersMs,
      healToAllWritesMs: writesMs,
      writes: writes.length,
      missingWrites: missing.length,
      membersAfter: overlay === 'full' ? nodes[0]?.members().length : 'partial view',
    };
  } finally {
    await Promise.all(nodes.map((x) => x.stop()));
  }
}
