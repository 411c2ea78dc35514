/**
 * Channel throughput between two processes, beside a raw ws + msgpackr baseline with
 * the same payloads and the same process layout, measured in the same run: this
 * process sends, `channels-peer.ts` in a child process receives and reports over IPC
 * when the last message of a trial has arrived. Trials alternate between the two
 * stacks and the medians are compared, so machine noise hits both alike.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Packr } from 'msgpackr';
import WebSocket from 'ws';
import { start, stop } from '../src/actors/index.js';
import { type Channels, QueueFullError, startChannels } from '../src/channels/index.js';
import { silentLogger } from '../src/log/logger.js';
import { MetricsRegistry } from '../src/metrics/registry.js';

const TRIALS = 5;
const SIZES = {
  small: { payloadBytes: 100, messages: 100_000 },
  large: { payloadBytes: 10 * 1024, messages: 10_000 },
} as const;
/** Both senders stop writing while the socket holds this much (the channels' default). */
const HIGH_WATER = 1024 * 1024;
/** Both senders yield to the event loop this often, so sockets make progress. */
const BATCH = 1024;
const SECRET = 'bench-secret';

const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  structuredClone: false,
  moreTypes: false,
  bundleStrings: false,
});

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Sends `msg` to the child and resolves with its `answer`. */
function ask<T>(child: ChildProcess, msg: unknown, answer: string): Promise<T> {
  const reply = waitFor<T>(child, answer);
  child.send(msg as never);
  return reply;
}

/** Resolves with the child's next message of kind `answer`. */
function waitFor<T>(child: ChildProcess, answer: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if ((m as { cmd?: unknown }).cmd !== answer) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null) => {
      child.off('message', onMessage);
      reject(new Error(`bench peer exited (${code}) while waiting for ${answer}`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

interface Message {
  readonly seq: number;
  readonly payload: Uint8Array;
}

async function sendOurs(node: Channels, peer: string, n: number, payload: Uint8Array) {
  for (let i = 0; i < n; ) {
    const msg: Message = { seq: i, payload };
    try {
      node.send(peer, 'default', msg);
    } catch (error) {
      if (!(error instanceof QueueFullError)) throw error;
      await immediate();
      continue;
    }
    i++;
    if (i % BATCH === 0) await immediate();
  }
}

async function sendRaw(ws: WebSocket, n: number, payload: Uint8Array): Promise<number> {
  let bytes = 0;
  for (let i = 0; i < n; ) {
    if (ws.bufferedAmount >= HIGH_WATER) {
      await immediate();
      continue;
    }
    const msg: Message = { seq: i, payload };
    const packed = packr.pack(msg);
    bytes += packed.byteLength;
    ws.send(packed);
    i++;
    if (i % BATCH === 0) await immediate();
  }
  return bytes;
}

/** One trial: resolves with messages per second once the receiver has them all. */
async function trial(child: ChildProcess, n: number, send: () => Promise<unknown>) {
  await ask(child, { cmd: 'expect', n }, 'ready');
  const done = waitFor(child, 'done');
  const startedAt = performance.now();
  await send();
  await done;
  return n / ((performance.now() - startedAt) / 1000);
}

export async function benchChannels(): Promise<Record<string, unknown>> {
  const peerScript = fileURLToPath(new URL('./channels-peer.ts', import.meta.url));
  const child = fork(peerScript, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const system = start();
  let node: Channels | undefined;
  let raw: WebSocket | undefined;
  try {
    const { oursPort, rawPort } = await ask<{ oursPort: number; rawPort: number }>(
      child,
      { cmd: 'start', secret: SECRET },
      'started',
    );
    const metrics = new MetricsRegistry();
    node = await startChannels(system, {
      spec: { name: 'bench-send', listenAddrs: [{ host: '127.0.0.1', port: 0 }] },
      secret: SECRET,
      logger: silentLogger,
      metrics,
    });
    const peer = (await node.connect({ host: '127.0.0.1', port: oursPort })).name;
    const rawWs = new WebSocket(`ws://127.0.0.1:${rawPort}/`, { perMessageDeflate: false });
    raw = rawWs;
    await new Promise<void>((resolve, reject) => {
      rawWs.once('open', resolve);
      rawWs.once('error', reject);
    });

    const results: Record<string, Record<string, number>> = {};
    for (const [label, { payloadBytes, messages }] of Object.entries(SIZES)) {
      const payload = Buffer.alloc(payloadBytes, 0x61);
      const ours: number[] = [];
      const base: number[] = [];
      let oursBytes = 0;
      let rawBytes = 0;
      const sentBytes = () => node?.counters.snapshot().channels.default?.bytesSent ?? 0;
      // one warm-up round each, so that the JIT and the sockets are settled
      await trial(child, messages, () => sendOurs(node as Channels, peer, messages, payload));
      await trial(child, messages, () => sendRaw(rawWs, messages, payload));
      for (let t = 0; t < TRIALS; t++) {
        const before = sentBytes();
        ours.push(
          await trial(child, messages, () => sendOurs(node as Channels, peer, messages, payload)),
        );
        oursBytes += sentBytes() - before;
        base.push(
          await trial(child, messages, async () => {
            rawBytes += await sendRaw(rawWs, messages, payload);
          }),
        );
      }
      const perSec = Math.round(median(ours));
      const rawPerSec = Math.round(median(base));
      results[label] = {
        perSec,
        bytesPerMsg: Math.round((oursBytes / (TRIALS * messages)) * 10) / 10,
        rawPerSec,
        ratio: Math.round((perSec / rawPerSec) * 100) / 100,
        rawBytesPerMsg: Math.round((rawBytes / (TRIALS * messages)) * 10) / 10,
      };
    }
    return results;
  } finally {
    raw?.terminate();
    await node?.stop();
    stop(system);
    if (child.connected) await ask(child, { cmd: 'stop' }, 'stopped').catch(() => undefined);
    if (child.exitCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        if (!child.connected) child.kill();
      });
    }
  }
}
