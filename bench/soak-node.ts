/**
 * One node of the soak benchmark, in its own process so its RSS is its own. Started by
 * bench/soak.ts with IPC; answers the driver's questions (memory, what it holds) and
 * writes a heap snapshot when asked, for finding what grows.
 */
import { writeHeapSnapshot } from 'node:v8';
import { silentLogger } from '../src/log/index.js';
import { KV_PREFIX, startNode } from '../src/node/index.js';

type Ask =
  | { readonly type: 'memory'; readonly id: number }
  | { readonly type: 'values'; readonly id: number; readonly keys: readonly string[] }
  | { readonly type: 'heapsnapshot'; readonly id: number; readonly file: string }
  | { readonly type: 'stop'; readonly id: number };

const [name, join, exchangeTick, dataDir] = process.argv.slice(2);
if (name === undefined)
  throw new Error('usage: soak-node NAME [JOIN|-] [EXCHANGE_TICK_MS] [DATA_DIR|-]');

const node = await startNode({
  name,
  secret: 'soak',
  logger: silentLogger,
  adminPort: 0,
  ...(join !== undefined && join !== '-' ? { join: [join] } : {}),
  ...(dataDir !== undefined && dataDir !== '-' ? { dataDir } : {}),
  broadcast: { exchangeTickPeriod: Number(exchangeTick ?? 10_000) },
});

const reply = (id: number, body: unknown): void => {
  process.send?.({ id, body });
};

process.on('message', async (raw: Ask) => {
  switch (raw.type) {
    case 'memory': {
      const m = process.memoryUsage();
      reply(raw.id, {
        rss: m.rss,
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        external: m.external,
      });
      return;
    }
    case 'values': {
      const out: unknown[] = [];
      for (const key of raw.keys) out.push(await node.metadata.get(KV_PREFIX, key));
      reply(raw.id, out);
      return;
    }
    case 'heapsnapshot':
      reply(raw.id, writeHeapSnapshot(raw.file));
      return;
    case 'stop':
      await node.stop();
      reply(raw.id, 'stopped');
      process.disconnect();
      return;
    default: {
      const unreachable: never = raw;
      throw new Error(`unknown ask ${String(unreachable)}`);
    }
  }
});

process.send?.({ event: 'listening', port: node.address.port, adminPort: node.adminPort });
