import { describe, it } from 'vitest';
import type { PlumtreeNode } from '../../src/node/index.js';
import { type SetHandler, setHandler } from '../support/memory-broadcast.js';
import { seedOf, until, useNodes } from './helpers.js';

/** Symmetric, within bounds, connected: the overlay HyParView promises. */
function overlayProblems(nodes: readonly PlumtreeNode[], maxActive: number): string[] {
  const views = new Map(nodes.map((n) => [n.name, n.members().filter((m) => m !== n.name)]));
  const problems: string[] = [];
  for (const [n, view] of views) {
    if (view.length === 0) problems.push(`${n} is isolated`);
    if (view.length > maxActive) problems.push(`${n} has ${view.length} active peers`);
    for (const p of view)
      if (!views.get(p)?.includes(n)) problems.push(`${n}->${p} is not symmetric`);
  }
  const first = nodes[0]?.name as string;
  const reached = new Set([first]);
  const queue = [first];
  while (queue.length) {
    for (const p of views.get(queue.shift() as string) ?? []) {
      if (!reached.has(p)) {
        reached.add(p);
        queue.push(p);
      }
    }
  }
  if (reached.size !== nodes.length)
    problems.push(`overlay split: ${reached.size}/${nodes.length}`);
  return problems;
}

describe('HyParView overlay over real channels, 12 nodes', () => {
  const nodes = useNodes();

  it('builds a symmetric connected overlay on which every broadcast reaches every node', async () => {
    const handlers: Record<string, SetHandler> = {};
    const list: PlumtreeNode[] = [];
    const hyparview = { activeMaxSize: 4, shuffleInterval: 300, promotionInterval: 150 };
    for (let i = 0; i < 12; i++) {
      const name = `h${String(i).padStart(2, '0')}`;
      handlers[name] = setHandler();
      list.push(
        await nodes.start(name, {
          overlay: 'hyparview',
          hyparview,
          broadcast: { handlers: [handlers[name]!], lazyTickPeriod: 50 },
          ...(list[0] ? { join: [seedOf(list[0])] } : {}),
        }),
      );
    }
    await until(
      `a sound overlay (${overlayProblems(list, 4).join('; ')})`,
      () => overlayProblems(list, 4).length === 0,
      20_000,
    );
    // The broadcast server runs on the active view: it follows each change a moment later.
    await until('broadcast servers on the active views', async () => {
      const views = await Promise.all(list.map((n) => n.broadcastMembers()));
      return views.every(
        (v, i) => JSON.stringify(v) === JSON.stringify(list[i]?.members()) && v.length <= 5,
      );
    });
    for (const n of list) n.broadcast({ id: `from-${n.name}` }, 'test');
    await until(
      'every broadcast at every node',
      () => list.every((n) => Object.values(handlers).every((h) => h.seen.has(`from-${n.name}`))),
      20_000,
    );
  }, 60_000);

  it("a node that leaves is dropped from its peers' active views and becomes a singleton", async () => {
    const list: PlumtreeNode[] = [];
    for (const name of ['l0', 'l1', 'l2', 'l3']) {
      list.push(
        await nodes.start(name, {
          overlay: 'hyparview',
          ...(list[0] ? { join: [seedOf(list[0])] } : {}),
        }),
      );
    }
    await until('a sound overlay', () => overlayProblems(list, 5).length === 0, 20_000);
    const leaver = list[3] as PlumtreeNode;
    await leaver.leave();
    await until('the leaver is alone', () => leaver.members().length === 1);
    await until('nobody keeps the leaver', () =>
      list.slice(0, 3).every((n) => !n.members().includes('l3')),
    );
  }, 60_000);
});
