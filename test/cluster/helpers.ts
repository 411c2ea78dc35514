import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { silentLogger } from '../../src/log/index.js';
import { type NodeOptions, type PlumtreeNode, startNode } from '../../src/node/index.js';

/** Starts nodes for one test and stops them (and removes temp dirs) after it. */
export function useNodes() {
  const running = new Set<PlumtreeNode>();
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all([...running].map((n) => n.stop()));
    running.clear();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  return {
    async start(name: string, extra: Partial<NodeOptions> = {}): Promise<PlumtreeNode> {
      const n = await startNode({
        name,
        secret: 'cluster-test',
        logger: silentLogger,
        periodicInterval: 300,
        ping: { intervalMs: 200, timeoutMs: 600 },
        broadcast: { lazyTickPeriod: 50, options: { graftTimeout1: 100, graftTimeout2: 50 } },
        ...extra,
      });
      running.add(n);
      return n;
    },
    async stop(n: PlumtreeNode): Promise<void> {
      running.delete(n);
      await n.stop();
    },
    async tempDir(): Promise<string> {
      const d = await mkdtemp(join(tmpdir(), 'plumtree-cluster-'));
      dirs.push(d);
      return d;
    },
  };
}

export const seedOf = (n: PlumtreeNode) => `127.0.0.1:${n.address.port}`;

/** Resolves when `f` holds; fails with `what` after `ms`. */
export async function until(
  what: string,
  f: () => boolean | Promise<boolean>,
  ms = 15_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves when every node's membership equals `expected`. */
export function membersAre(
  nodes: readonly PlumtreeNode[],
  expected: readonly string[],
  ms?: number,
): Promise<void> {
  const want = JSON.stringify(expected);
  return until(
    `membership ${want} (have ${nodes.map((n) => `${n.name}=${JSON.stringify(n.members())}`).join(' ')})`,
    () => nodes.every((n) => JSON.stringify(n.members()) === want),
    ms,
  );
}
