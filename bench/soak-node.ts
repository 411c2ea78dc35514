/**
 * One node of the soak benchmark, in its own process so its RSS is its own. Started by
 * bench/soak.ts with IPC; answers the driver's questions (memory, what it holds) and
 * writes a heap snapshot when asked, for finding what grows. Started with
 * `--expose-gc`, so a memory question can ask for the live heap (after a full GC).
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getHeapSpaceStatistics, getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { start } from '../src/actors/index.js';
import { silentLogger } from '../src/log/index.js';
import { KV_PREFIX, startNode } from '../src/node/index.js';

type Ask =
  | { readonly type: 'memory'; readonly id: number; readonly gc?: boolean }
  | { readonly type: 'values'; readonly id: number; readonly keys: readonly string[] }
  | { readonly type: 'heapsnapshot'; readonly id: number; readonly file: string }
  | { readonly type: 'stats'; readonly id: number }
  | { readonly type: 'stop'; readonly id: number };

const [name, join, exchangeTick, dataDir] = process.argv.slice(2);
if (name === undefined)
  throw new Error('usage: soak-node NAME [JOIN|-] [EXCHANGE_TICK_MS] [DATA_DIR|-]');

// A named actor system, so `stats` can find it and report the longest mailboxes.
const systemName = `soak-${name}`;
const node = await startNode({
  system: start({ name: systemName }),
  name,
  secret: 'soak',
  logger: silentLogger,
  adminPort: 0,
  ...(join !== undefined && join !== '-' ? { join: [join] } : {}),
  ...(dataDir !== undefined && dataDir !== '-' ? { dataDir } : {}),
  broadcast: { exchangeTickPeriod: Number(exchangeTick ?? 10_000) },
});

interface NactActor {
  readonly name?: string;
  readonly mailbox?: { length: number };
  readonly children: Map<string, NactActor>;
}

/** The actors with the most queued messages (nact keeps its systems in a private map). */
function longestMailboxes(top: number): [string, number][] {
  const systems = createRequire(import.meta.url)('nact/lib/system-map.js') as {
    find(name: string): NactActor | undefined;
  };
  const out: [string, number][] = [];
  const walk = (a: NactActor, path: string): void => {
    if (a.mailbox !== undefined) out.push([path, a.mailbox.length]);
    for (const [n, c] of a.children) walk(c, `${path}/${n}`);
  };
  const root = systems.find(systemName);
  if (root !== undefined) walk(root, '');
  return out.sort((a, b) => b[1] - a[1]).slice(0, top);
}

/**
 * Where the RSS lives, from the kernel's view (Linux only; empty elsewhere): anonymous
 * pages (the V8 heap, malloc, stacks), file pages (the node binary and libraries paged
 * in as code runs) and the main malloc arena (`[heap]`). The split tells V8's share from
 * the allocator's and from code merely paged in.
 */
function kernelMemory(): Record<string, number> {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (field: string): number =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    const smaps = readFileSync('/proc/self/smaps', 'utf8');
    const heap = /\[heap\]\n(?:.*\n)*?Rss:\s+(\d+) kB/.exec(smaps);
    return {
      rssAnon: kb('RssAnon'),
      rssFile: kb('RssFile'),
      mallocMainArena: Number(heap?.[1] ?? 0) * 1024,
    };
  } catch {
    return {};
  }
}

/** Reserved (committed) bytes of the V8 spaces that can grow without live data growing. */
function spaceSizes(): Record<string, number> {
  const of = (name: string): number =>
    getHeapSpaceStatistics().find((sp) => sp.space_name === name)?.space_size ?? 0;
  const h = getHeapStatistics();
  return {
    newSpace: of('new_space'),
    codeSpace: of('code_space'),
    oldSpace: of('old_space'),
    // What V8 itself holds outside the JS heap: its malloc'ed zones (compiler, parser).
    v8Malloced: h.malloced_memory,
    heapPhysical: h.total_physical_size,
  };
}

const reply = (id: number, body: unknown): void => {
  process.send?.({ id, body });
};

process.on('message', async (raw: Ask) => {
  switch (raw.type) {
    case 'memory': {
      const m = process.memoryUsage();
      const before = { ...spaceSizes(), ...kernelMemory() };
      // RSS is read before the collection, so the forced GC does not flatter it; the
      // heap is read after, so it counts only what is still referenced.
      const gc = (globalThis as { gc?: () => void }).gc;
      if (raw.gc === true && gc !== undefined) gc();
      const live = raw.gc === true && gc !== undefined ? process.memoryUsage() : undefined;
      reply(raw.id, {
        rss: m.rss,
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        ...before,
        ...(live !== undefined
          ? { liveHeap: live.heapUsed, liveExternal: live.external, rssAfterGc: live.rss }
          : {}),
      });
      return;
    }
    case 'values': {
      const out: unknown[] = [];
      for (const key of raw.keys) out.push(await node.metadata.get(KV_PREFIX, key));
      reply(raw.id, out);
      return;
    }
    case 'stats': {
      // Counts of things that must not grow with the number of writes: handles the
      // event loop holds (timers, sockets), metric series, and V8's spaces.
      const resources = new Map<string, number>();
      for (const r of process.getActiveResourcesInfo())
        resources.set(r, (resources.get(r) ?? 0) + 1);
      const series = (await node.metrics())
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'));
      // Plumtree's traffic by message type: which node forwards most (an interior node
      // of every root's eager tree carries more than a leaf).
      const sent = Object.fromEntries(
        series
          .filter((l) => l.startsWith('plumtree_messages_sent_total{'))
          .map((l) => [/type="([^"]+)"/.exec(l)?.[1] ?? l, Number(l.split(' ').pop())]),
      );
      const gauges = series.filter((l) =>
        /^plumtree_(dropped|outstanding|exchanges|missing|inbox|delivered|duplicates)/.test(l),
      );
      reply(raw.id, {
        resources: Object.fromEntries(resources),
        metricSeries: series.length,
        sent,
        gauges,
        mailboxes: longestMailboxes(5),
        spaces: Object.fromEntries(
          getHeapSpaceStatistics().map((sp) => [
            sp.space_name,
            [Math.round(sp.space_used_size / 1024), Math.round(sp.space_size / 1024)],
          ]),
        ),
        arrayBuffers: process.memoryUsage().arrayBuffers,
      });
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
