/**
 * One node of `bench/cluster.ts`, run in its own process: a node started through the
 * public API, and beside it a bare ws + msgpackr relay (the raw baseline) in the same
 * process. It records when each benchmark message arrives and answers the parent's
 * questions (arrivals, CPU time and RSS from the OS, metrics) over IPC.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { Packr } from 'msgpackr';
import WebSocket, { WebSocketServer } from 'ws';
import {
  type BroadcastHandler,
  kill,
  type PlumtreeNode,
  silentLogger,
  startNode,
  whereis,
} from '../src/index.js';

/** A benchmark message: phase, sequence number and a 100-byte pad. */
export interface BenchMessage {
  readonly p: string;
  readonly i: number;
  readonly pad: string;
}

/** What the parent asks; every command is answered by a message of the same `cmd` and `ref`. */
export type NodeCommand =
  | {
      readonly cmd: 'start';
      readonly name: string;
      readonly join?: string;
      readonly lazyTickPeriod: number;
      /** Graft timeouts fitted to round trips (`graftTimeouts: 'fitted'`); fixed (the default) otherwise. */
      readonly fittedGrafts?: boolean;
      /** The core's `optimizationThreshold`; the core's default when absent. */
      readonly optimizationThreshold?: number;
    }
  | { readonly cmd: 'members' }
  | { readonly cmd: 'restart' }
  | { readonly cmd: 'peers'; readonly root: string }
  | { readonly cmd: 'expect'; readonly phase: string; readonly count: number }
  | { readonly cmd: 'arrivals' }
  | { readonly cmd: 'usage' }
  | { readonly cmd: 'profileStart' }
  | { readonly cmd: 'profileStop'; readonly file: string }
  | { readonly cmd: 'metrics' }
  | {
      readonly cmd: 'broadcast';
      readonly phase: string;
      readonly count: number;
      readonly intervalMs: number;
      readonly raw: boolean;
    }
  | { readonly cmd: 'rawStart' }
  | { readonly cmd: 'rawTree'; readonly children: readonly number[] }
  | { readonly cmd: 'stop' };

export const BENCH_HANDLER = 'bench';
export const PAD = 'x'.repeat(100);

const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  structuredClone: false,
  moreTypes: false,
  bundleStrings: false,
});

/** Wall-clock ms with sub-ms resolution, comparable between processes of one machine. */
const now = (): number => performance.timeOrigin + performance.now();

let phase = '';
let expected = 0;
let count = 0;
let arrivals: number[] = [];
let node: PlumtreeNode | undefined;
let rawServer: WebSocketServer | undefined;
const rawChildren: WebSocket[] = [];
const store = new Map<string, BenchMessage>();
/** When this node heard that each peer went down. */
const downAt = new Map<string, number>();

const send = (msg: Record<string, unknown>): void => {
  process.send?.(msg);
};

function arrived(m: BenchMessage): void {
  if (m.p !== phase || m.i < 0 || m.i >= expected || arrivals[m.i] !== -1) return;
  arrivals[m.i] = now();
  if (++count === expected) send({ cmd: 'complete', phase });
}

const handler: BroadcastHandler<BenchMessage, string, BenchMessage> = {
  name: BENCH_HANDLER,
  broadcastData(m) {
    const id = `${m.p}:${m.i}`;
    store.set(id, m);
    return { id, payload: m };
  },
  merge(id, payload) {
    if (store.has(id)) return false;
    store.set(id, payload);
    arrived(payload);
    return true;
  },
  isStale: (id) => store.has(id),
  graft(id) {
    const m = store.get(id);
    return m ? { ok: m } : { error: 'not_found' };
  },
  exchange: () => 'ignore',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function broadcast(c: Extract<NodeCommand, { cmd: 'broadcast' }>): Promise<number[]> {
  const sentAt: number[] = [];
  const start = now();
  for (let i = 0; i < c.count; i++) {
    if (c.intervalMs > 0) {
      const due = start + i * c.intervalMs;
      const wait = due - now();
      if (wait > 0) await sleep(wait);
    }
    const m: BenchMessage = { p: c.phase, i, pad: PAD };
    sentAt.push(now());
    if (c.raw) {
      const bytes = packr.pack(m);
      for (const ws of rawChildren) ws.send(bytes);
    } else (node as PlumtreeNode).broadcast(m, BENCH_HANDLER);
  }
  return sentAt;
}

async function rawStart(): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  rawServer = wss;
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer) => {
      // a relay reads what it forwards, then passes the same bytes on
      arrived(packr.unpack(data) as BenchMessage);
      for (const c of rawChildren) c.send(data);
    });
  });
  return (wss.address() as { port: number }).port;
}

async function rawTree(ports: readonly number[]): Promise<void> {
  for (const port of ports) {
    // the same WebSocket settings as the nodes' channels (an all-zero masking key)
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, {
      perMessageDeflate: false,
      generateMask: (mask: Buffer) => mask.fill(0),
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    rawChildren.push(ws);
  }
}

/** Sums each `plumtree_messages_{sent,received}_total{type=...}` series of the node. */
function countersByType(text: string): {
  sent: Record<string, number>;
  received: Record<string, number>;
  events: Record<string, number>;
} {
  const out = { sent: {} as Record<string, number>, received: {} as Record<string, number> };
  const re = /^plumtree_messages_(sent|received)_total\{type="([a-z_]+)"\} (\d+(?:\.\d+)?)$/gm;
  for (const m of text.matchAll(re)) {
    const dir = m[1] as 'sent' | 'received';
    out[dir][m[2] as string] = Number(m[3]);
  }
  // Every other counter that tells what the protocol did besides sending: restarts,
  // drops, connection closes and peer events, optimisations, duplicates.
  const events: Record<string, number> = {};
  const other = /^(plumtree_[a-z_]+_total)(\{[^}]*\})? (\d+(?:\.\d+)?)$/gm;
  for (const m of text.matchAll(other)) {
    const name = m[1] as string;
    if (/messages_(sent|received)|channel_(bytes|frames)_/.test(name)) continue;
    events[`${name}${m[2] ?? ''}`] = Number(m[3]);
  }
  return { ...out, events };
}

async function restartServer(name: string): Promise<void> {
  const server = `plumtree_broadcast@${name}`;
  const before = whereis(server);
  kill(server);
  for (;;) {
    const now_ = whereis(server);
    if (now_ !== undefined && now_ !== before) return;
    await sleep(5);
  }
}

async function answer(c: NodeCommand): Promise<Record<string, unknown>> {
  switch (c.cmd) {
    case 'start': {
      node = await startNode({
        name: c.name,
        secret: 'bench-cluster',
        logger: silentLogger,
        // a loaded machine may take a while to answer a join
        joinTimeoutMs: 60_000,
        broadcast: {
          handlers: [handler],
          lazyTickPeriod: c.lazyTickPeriod,
          options: {
            graftTimeouts: c.fittedGrafts === true ? 'fitted' : 'fixed',
            ...(c.optimizationThreshold === undefined
              ? {}
              : { optimizationThreshold: c.optimizationThreshold }),
          },
        },
        ...(c.join ? { join: [c.join] } : {}),
      });
      node.on('down', ((peer: string) => {
        downAt.set(peer, now());
      }) as (arg: never) => void);
      return { port: node.address.port };
    }
    case 'members':
      return { members: (await (node as PlumtreeNode).broadcastMembers()).length };
    case 'restart':
      await restartServer((node as PlumtreeNode).name);
      return {};
    case 'peers': {
      const p = await (node as PlumtreeNode).getPeers(c.root);
      return { eagers: p.eagers, lazys: p.lazys };
    }
    case 'expect':
      phase = c.phase;
      expected = c.count;
      count = 0;
      arrivals = new Array<number>(c.count).fill(-1);
      if (c.count === 0) send({ cmd: 'complete', phase });
      return {};
    case 'arrivals':
      return { arrivals, count, downAt: Object.fromEntries(downAt) };
    case 'usage': {
      const u = process.cpuUsage();
      const m = process.memoryUsage();
      return {
        cpuMs: (u.user + u.system) / 1000,
        rss: m.rss,
        privateBytes: privateBytes(),
        heapUsed: m.heapUsed,
        at: now(),
      };
    }
    case 'profileStart':
      await profiler('Profiler.enable');
      await profiler('Profiler.start');
      return {};
    case 'profileStop': {
      const { profile } = (await profiler('Profiler.stop')) as { profile: unknown };
      writeFileSync(c.file, JSON.stringify(profile));
      return {};
    }
    case 'metrics':
      return countersByType(await (node as PlumtreeNode).metrics());
    case 'broadcast':
      return { sentAt: await broadcast(c) };
    case 'rawStart':
      return { port: await rawStart() };
    case 'rawTree':
      await rawTree(c.children);
      return {};
    case 'stop':
      for (const ws of rawChildren) ws.terminate();
      rawServer?.close();
      await node?.stop();
      setImmediate(() => process.exit(0));
      return {};
    default:
      return unknownCommand(c);
  }
}

/**
 * The process's own memory (`RssAnon` of /proc/self/status, Linux): RSS without the
 * pages of the node binary and libraries, which every node process on the host shares.
 * Undefined where the file does not exist.
 */
function privateBytes(): number | undefined {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kib = /^RssAnon:\s+(\d+) kB$/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

let session: Session | undefined;

/** Posts one inspector command to this process's own profiler. */
function profiler(method: string): Promise<unknown> {
  if (session === undefined) {
    session = new Session();
    session.connect();
  }
  const s = session;
  return new Promise((resolve, reject) => {
    s.post(method, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

function unknownCommand(c: never): never {
  throw new Error(`unknown command ${JSON.stringify(c)}`);
}

process.on('message', (raw) => {
  const c = raw as NodeCommand & { ref: number };
  answer(c).then(
    (r) => send({ ...r, cmd: c.cmd, ref: c.ref }),
    (e: unknown) => send({ cmd: c.cmd, ref: c.ref, error: String(e) }),
  );
});
process.on('disconnect', () => process.exit(0));
send({ cmd: 'ready' });
