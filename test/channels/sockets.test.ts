import { Server, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeFrames } from '../../src/channels/codec.js';
import { QueueFullError, UnknownPeerError } from '../../src/channels/errors.js';
import { ChannelMetricNames } from '../../src/channels/metrics.js';
import { Cluster, FAST, Inbox, nextPeerEvent, RawPeer } from './net-helpers.js';

const cluster = new Cluster();
afterEach(() => cluster.stopAll());

function counterValue(
  node: Awaited<ReturnType<Cluster['node']>>,
  name: string,
  labels: Record<string, string>,
): number {
  const family = node.metrics.snapshot().find((f) => f.name === name);
  const sample = family?.samples.find((s) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return sample?.value ?? 0;
}

/**
 * The TCP servers listening on, and sockets connected to or from, one of `ports`.
 * Node has no public API listing handle objects; `_getActiveHandles` is the one
 * that tells which handles are whose, where `getActiveResourcesInfo` only counts them.
 */
function openTcpHandles(ports: ReadonlySet<number>): { servers: number; sockets: number } {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  let servers = 0;
  let sockets = 0;
  for (const h of handles) {
    if (h instanceof Server) {
      const addr = h.address();
      if (typeof addr === 'object' && addr !== null && ports.has(addr.port)) servers++;
    } else if (h instanceof Socket) {
      if (ports.has(h.localPort ?? -1) || ports.has(h.remotePort ?? -1)) sockets++;
    }
  }
  return { servers, sockets };
}

describe('channels between two nodes', () => {
  it('exchange messages both ways on several channels, counted per channel', async () => {
    const channels = [{ name: 'gossip', parallelism: 2 }];
    const a = await cluster.node('a', { channels });
    const b = await cluster.node('b', { channels });
    expect(a.address.port).toBeGreaterThan(0);
    expect(a.spec.listenAddrs[0]?.port).toBe(a.address.port);
    const inboxA = new Inbox(a);
    const inboxB = new Inbox(b);
    const bSeesA = nextPeerEvent(b, (e) => e.type === 'up' && e.peer === 'a');
    const spec = await a.connect(b.spec);
    expect(spec.name).toBe('b');
    expect(a.connectedPeers()).toEqual(['b']);
    expect((await bSeesA).spec?.name).toBe('a');
    for (const ch of ['default', 'membership', 'gossip', 'no-such-channel']) {
      a.send('b', ch, { from: 'a', ch });
      b.send('a', ch, { from: 'b', ch });
    }
    await inboxB.waitFor(4);
    await inboxA.waitFor(4);
    for (const inbox of [inboxA, inboxB]) {
      // the unknown channel fell back to default
      expect(inbox.messages.map((m) => m.channel).sort()).toEqual([
        'default',
        'default',
        'gossip',
        'membership',
      ]);
    }
    expect(inboxB.messages.map((m) => m.msg)).toContainEqual({ from: 'a', ch: 'gossip' });
    expect(inboxA.messages.every((m) => m.peer === 'b')).toBe(true);
    expect(b.peerSpec('a')?.name).toBe('a');

    const totals = a.counters.snapshot().channels.gossip;
    expect(totals?.framesSent).toBeGreaterThanOrEqual(1);
    expect(totals?.bytesReceived).toBeGreaterThan(0);
    expect(counterValue(a, ChannelMetricNames.bytesSent, { channel: 'gossip' })).toBe(
      a.counters.snapshot().channels.gossip?.bytesSent,
    );
    expect(
      counterValue(b, ChannelMetricNames.bytesReceived, { channel: 'membership' }),
    ).toBeGreaterThan(0);
  });

  it('refuses a send to an unknown peer with a typed error', async () => {
    const a = await cluster.node('a');
    expect(() => a.send('nobody', 'default', 1)).toThrow(UnknownPeerError);
  });

  it('keeps FIFO per partition key over a channel with parallelism 4', async () => {
    const channels = [{ name: 'ordered', parallelism: 4 }];
    const a = await cluster.node('a', { channels });
    const b = await cluster.node('b', { channels });
    const inbox = new Inbox(b);
    await a.connect(b.spec);
    const keys = 8;
    const perKey = 200;
    for (let i = 0; i < perKey; i++) {
      for (let key = 0; key < keys; key++) {
        a.send('b', 'ordered', { key, i }, { partitionKey: key });
      }
    }
    await inbox.waitFor(keys * perKey, 20_000);
    const seen = new Map<number, number[]>();
    for (const { channel, msg } of inbox.messages) {
      expect(channel).toBe('ordered');
      const { key, i } = msg as { key: number; i: number };
      seen.set(key, [...(seen.get(key) ?? []), i]);
    }
    const expected = Array.from({ length: perKey }, (_, i) => i);
    for (let key = 0; key < keys; key++) expect(seen.get(key)).toEqual(expected);
    const lanes = a
      .connections('b')
      .filter((c) => c.channel === 'ordered')
      .map((c) => c.lane)
      .sort();
    expect(lanes).toEqual([0, 1, 2, 3]);
  });

  it('keeps exactly one connection set when both nodes dial at once', async () => {
    const channels = [{ name: 'gossip', parallelism: 2 }];
    for (let round = 0; round < 3; round++) {
      const a = await cluster.node(`a${round}`, { channels });
      const b = await cluster.node(`b${round}`, { channels });
      const inboxA = new Inbox(a);
      const inboxB = new Inbox(b);
      const [specB, specA] = await Promise.all([a.connect(b.spec), b.connect(a.spec)]);
      expect(specB.name).toBe(b.name);
      expect(specA.name).toBe(a.name);
      // default, membership and two gossip lanes: four slots, one connection each
      await vi.waitFor(
        () => {
          expect(a.connections(b.name)).toHaveLength(4);
          expect(b.connections(a.name)).toHaveLength(4);
        },
        { timeout: 10_000, interval: 20 },
      );
      const key = (c: { channel: string; lane: number }) => `${c.channel}/${c.lane}`;
      // Until the tie-break has closed the losing sockets, both sides may briefly hold
      // their own: wait for the settled state, one socket per slot seen from both ends.
      await vi.waitFor(
        () => {
          const fromA = new Map(a.connections(b.name).map((c) => [key(c), c.direction]));
          for (const c of b.connections(a.name)) {
            expect(fromA.get(key(c))).toBe(c.direction === 'outbound' ? 'inbound' : 'outbound');
          }
        },
        { timeout: 10_000, interval: 20 },
      );
      a.send(b.name, 'gossip', 'a->b');
      b.send(a.name, 'gossip', 'b->a');
      await inboxB.waitFor(1);
      await inboxA.waitFor(1);
      expect(inboxB.messages[0]?.msg).toBe('a->b');
      expect(inboxA.messages[0]?.msg).toBe('b->a');
      await cluster.stopAll();
    }
  });

  it('reconnects to a restarted peer and delivers what was queued meanwhile, in order, once', async () => {
    const a = await cluster.node('a');
    const b1 = await cluster.node('b');
    const port = b1.address.port;
    await a.connect(b1.spec);
    const down = nextPeerEvent(a, (e) => e.type === 'down' && e.peer === 'b');
    await cluster.stopNode(b1);
    await down;
    const queued = 50;
    for (let i = 0; i < queued; i++) a.send('b', 'default', { i });
    expect(a.queueStats('b')?.queuedFrames).toBe(queued);

    const up = nextPeerEvent(a, (e) => e.type === 'up' && e.peer === 'b');
    const b2 = await cluster.node('b', { port });
    const inbox = new Inbox(b2);
    const restartedAt = performance.now();
    await up;
    // the reconnect delay is at most the backoff cap, plus a handshake on loopback
    expect(performance.now() - restartedAt).toBeLessThan(FAST.backoff.capMs + 1_500);
    a.send('b', 'default', { i: 'last' });
    await inbox.waitFor(queued + 1);
    expect(inbox.messages.map((m) => (m.msg as { i: unknown }).i)).toEqual([
      ...Array.from({ length: queued }, (_, i) => i),
      'last',
    ]);
    expect(a.queueStats('b')?.queuedFrames).toBe(0);
  });

  it('refuses sends beyond the queue bound while the peer is down', async () => {
    const maxQueueBytes = 64 * 1024;
    const a = await cluster.node('a', { maxQueueBytes });
    const b = await cluster.node('b');
    await a.connect(b.spec);
    const down = nextPeerEvent(a, (e) => e.type === 'down');
    await cluster.stopNode(b);
    await down;
    const payload = 'x'.repeat(1000);
    let accepted = 0;
    let refusal: unknown;
    for (let i = 0; i < 10_000 && refusal === undefined; i++) {
      try {
        a.send('b', 'default', payload);
        accepted++;
      } catch (error) {
        refusal = error;
      }
    }
    expect(refusal).toBeInstanceOf(QueueFullError);
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(maxQueueBytes / 1000);
    // further sends keep failing without growing the queue
    for (let i = 0; i < 1_000; i++)
      expect(() => a.send('b', 'default', payload)).toThrow(QueueFullError);
    const stats = a.queueStats('b');
    expect(stats?.queuedBytes).toBeLessThanOrEqual(maxQueueBytes);
    expect(stats?.queuedFrames).toBe(accepted);
    expect(stats?.rejected).toBe(1_001);
    expect(counterValue(a, ChannelMetricNames.queueRejected, {})).toBe(1_001);
  });

  it('sends the frames of one turn of the event loop as one WebSocket message, in order', async () => {
    const a = await cluster.node('a');
    const up = nextPeerEvent(a, (e) => e.type === 'up' && e.peer === 'batch');
    const raw = await RawPeer.open(a.address.port);
    expect((await raw.handshake({ name: 'batch', expect: 'a' })).type).toBe('established');
    await up;
    // a liveness ping may leave in a message of its own at any moment: count the
    // messages that carry data
    let messages = 0;
    raw.ws.on('message', (bytes: Buffer) => {
      if (decodeFrames(bytes).frames.some((f) => f.k === 'data')) messages++;
    });
    const before = raw.received.length;
    for (let i = 0; i < 50; i++) a.send('batch', 'default', i);
    const data = () => raw.received.slice(before).filter((f) => f.k === 'data');
    await vi.waitFor(() => expect(data()).toHaveLength(50));
    expect(data().map((f) => (f.b as { msg: unknown }).msg)).toEqual([...Array(50).keys()]);
    expect(messages).toBe(1);
    await raw.close();
  });

  it('holds frames back when a peer stops reading, so its queue fills instead of memory', async () => {
    const maxQueueBytes = 256 * 1024;
    const a = await cluster.node('a', {
      maxQueueBytes,
      highWaterBytes: 64 * 1024,
      // the slow peer is silent too; keep failure detection out of this test
      ping: { intervalMs: 10_000, timeoutMs: 20_000 },
      probe: { periodMs: 10_000, ackTimeoutMs: 5_000 },
    });
    const up = nextPeerEvent(a, (e) => e.type === 'up');
    const raw = await RawPeer.open(a.address.port);
    const outcome = await raw.handshake({ name: 'slow', expect: 'a' });
    expect(outcome.type).toBe('established');
    await up;
    raw.stopReading();
    const payload = Buffer.alloc(10 * 1024, 7);
    let refusal: unknown;
    let sent = 0;
    // a bounded number of sends: at most what the kernel's buffers, the high-water mark
    // and the queue hold together; without the bufferedAmount check ws would take all
    for (let i = 0; i < 20_000 && refusal === undefined; i++) {
      try {
        a.send('slow', 'default', payload);
        sent++;
      } catch (error) {
        refusal = error;
      }
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(refusal).toBeInstanceOf(QueueFullError);
    expect(sent).toBeLessThan(20_000);
    expect(a.queueStats('slow')?.queuedBytes).toBeLessThanOrEqual(maxQueueBytes);
    await raw.close();
  });

  it('reports a dialler that goes silent down within the ping timeout', async () => {
    const a = await cluster.node('a');
    const up = nextPeerEvent(a, (e) => e.type === 'up' && e.peer === 'ghost');
    const raw = await RawPeer.open(a.address.port);
    // the raw peer finishes the handshake, then never answers anything
    await raw.handshake({ name: 'ghost', expect: 'a' });
    await up;
    const upAt = performance.now();
    const down = await nextPeerEvent(a, (e) => e.type === 'down' && e.peer === 'ghost');
    const elapsed = performance.now() - upAt;
    expect(down.peer).toBe('ghost');
    expect(elapsed).toBeGreaterThanOrEqual(FAST.ping.timeoutMs - 50);
    expect(elapsed).toBeLessThan(FAST.ping.intervalMs + FAST.ping.timeoutMs + 300);
    const seen = await raw.closed;
    expect(seen.code).toBe(4006);
    expect(a.counters.snapshot().closes[4006]).toBe(1);
  });

  it('leaves no socket or server open once stopped', async () => {
    const a = await cluster.node('a', { channels: [{ name: 'gossip', parallelism: 3 }] });
    const b = await cluster.node('b', { channels: [{ name: 'gossip', parallelism: 3 }] });
    // Only this test's handles count: sockets of other tests may still be closing.
    const ours = new Set([a.address.port, b.address.port]);
    await a.connect(b.spec);
    await vi.waitFor(() => expect(a.connections('b')).toHaveLength(5), { timeout: 5_000 });
    expect(openTcpHandles(ours)).toEqual(expect.objectContaining({ servers: 2 }));
    expect(openTcpHandles(ours).sockets).toBeGreaterThanOrEqual(10);
    await cluster.stopAll();
    expect(openTcpHandles(ours)).toEqual({ servers: 0, sockets: 0 });
  });
});
