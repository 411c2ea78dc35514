/**
 * One node of the demo, in its own process: a real node with a `demo` handler that
 * reports every payload it receives, new or redundant, to the demo over IPC.
 */
import type { BroadcastHandler } from '../../broadcast/handler.js';
import { createLogger } from '../../log/logger.js';
import { type PlumtreeNode, startNode } from '../../node/node.js';
import type { DemoReport, DemoRequest } from './protocol.js';

const report = (r: DemoReport) => process.send?.(r);

function demoHandler(): BroadcastHandler<{ id: string }, string, { id: string }> {
  const seen = new Set<string>();
  return {
    name: 'demo',
    broadcastData(m) {
      seen.add(m.id);
      report({ ev: 'merge', id: m.id, isNew: true, origin: true, at: Date.now() });
      return { id: m.id, payload: m };
    },
    merge(id) {
      const isNew = !seen.has(id);
      seen.add(id);
      report({ ev: 'merge', id, isNew, origin: false, at: Date.now() });
      return isNew;
    },
    isStale: (id) => seen.has(id),
    graft: (id) => (seen.has(id) ? { ok: { id } } : 'stale'),
    exchange: () => 'ignore',
  };
}

let node: PlumtreeNode | undefined;

async function handle(req: DemoRequest): Promise<unknown> {
  switch (req.cmd) {
    case 'start':
      node = await startNode({
        name: req.name,
        secret: req.secret,
        broadcast: {
          handlers: [demoHandler() as BroadcastHandler],
          lazyTickPeriod: req.lazyTickMs,
        },
        ...(req.admin ? { adminPort: 0 } : {}),
        logger: createLogger({ level: 'warn' }),
      });
      return { port: node.address.port, adminPort: node.adminPort };
    case 'join':
      await node?.join(req.seed);
      return true;
    case 'members':
      return node?.broadcastMembers();
    case 'broadcast':
      node?.broadcast({ id: req.id }, 'demo');
      return true;
    case 'tree': {
      const rows = (await node?.debugGetTree(req.root, req.nodes)) ?? [];
      return Object.fromEntries(
        rows.map((r) => [
          r.node,
          r.peers === 'down' ? 'down' : { eagers: r.peers.eagers, lazys: r.peers.lazys },
        ]),
      );
    }
    case 'stop':
      await node?.stop();
      node = undefined;
      return true;
    default: {
      const never: never = req;
      throw new Error(`unknown demo request ${JSON.stringify(never)}`);
    }
  }
}

process.on('message', (req: DemoRequest) => {
  handle(req).then(
    (value) => {
      report({ ev: 'reply', seq: req.seq, value });
      if (req.cmd === 'stop') process.disconnect?.();
    },
    (e: unknown) =>
      report({ ev: 'reply', seq: req.seq, error: e instanceof Error ? e.message : String(e) }),
  );
});
// The demo going away (even killed) must not leave this process behind.
process.on('disconnect', () => {
  void (node ? node.stop() : Promise.resolve()).finally(() => process.exit(0));
});
// Ctrl-C in a terminal reaches the whole process group: the demo decides when its
// nodes stop (it asks each to stop cleanly), so a node process ignores it.
process.on('SIGINT', () => undefined);
