import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type SystemRef, start, stop } from '../../src/actors/index.js';
import { MEMBERSHIP_CHANNEL } from '../../src/channels/node-spec.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { type PeerService, startPeerService } from '../../src/peer-service/index.js';
import { seededRng } from '../../src/util/rng.js';
import { MemoryNetwork } from '../support/memory-transport.js';

let system: SystemRef | undefined;
const services: PeerService[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
  if (system) stop(system);
  system = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** Resolves when the (possibly async) predicate holds; fails after `ms`. */
async function eventually(pred: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const hyparview = { shuffleInterval: 100, promotionInterval: 50 };

async function node(net: MemoryNetwork, name: string, extra: { dataDir?: string } = {}) {
  system ??= start();
  const metrics = new MetricsRegistry();
  const service = await startPeerService(system, {
    transport: net.nodes.get(name) ?? net.add(name),
    overlay: 'hyparview',
    hyparview,
    rng: seededRng(name.length),
    metrics,
    joinTimeoutMs: 2000,
    ...extra,
  });
  services.push(service);
  return { service, metrics };
}

const addr = (net: MemoryNetwork, n: string) =>
  `127.0.0.1:${net.nodes.get(n)?.spec.listenAddrs[0]?.port}`;

describe('hyparview manager (in-memory transport)', () => {
  it('drops a message with an invalid peer spec, counts it, and never dials it', async () => {
    const net = new MemoryNetwork();
    const { service: a, metrics } = await node(net, 'a');
    await node(net, 'b');
    const b = net.nodes.get('b')!;
    await b.connect(net.nodes.get('a')!.spec);
    const dials: unknown[] = [];
    const transport = net.nodes.get('a')!;
    const connect = transport.connect.bind(transport);
    transport.connect = (target) => {
      dials.push(target);
      return connect(target);
    };
    const evil = { name: 'evil', listenAddrs: [{ host: 'x y', port: 1 }] };
    b.send('a', MEMBERSHIP_CHANNEL, { type: 'forwardJoin', peer: evil, ttl: 0 });
    b.send('a', MEMBERSHIP_CHANNEL, { type: 'shuffle', origin: evil, ttl: 1, id: 1, entries: [] });
    b.send('a', MEMBERSHIP_CHANNEL, { type: 'neighbor' });
    const dropped = metrics.counter('plumtree_membership_dropped_total', '');
    await eventually(() => dropped.get({ reason: 'malformed' }) === 3);
    expect(dials).toEqual([]);
    expect(await a.members()).toEqual(['a']);
  });

  it('saves its known peers and, restarted with no seed, rejoins through them', async () => {
    // Both restart, and a comes back with no memory: only b's saved views can link them.
    const net = new MemoryNetwork();
    const base = await mkdtemp(join(tmpdir(), 'plumtree-hpv-'));
    dirs.push(base);
    const { service: a } = await node(net, 'a');
    const { service: b } = await node(net, 'b', { dataDir: join(base, 'b') });
    await b.join(addr(net, 'a'));
    await eventually(async () => (await a.members()).includes('b'));
    await eventually(async () => {
      const text = await readFile(join(base, 'b', 'hyparview.json'), 'utf8').catch(() => '');
      return text.includes('"name":"a"');
    });
    for (const [s, name] of [
      [b, 'b'],
      [a, 'a'],
    ] as const) {
      await s.stop();
      services.splice(services.indexOf(s), 1);
      net.nodes.get(name)!.crash();
      net.nodes.get(name)!.revive();
    }
    const { service: freshA } = await node(net, 'a');
    const { service: again } = await node(net, 'b', { dataDir: join(base, 'b') });
    await eventually(async () => (await again.members()).includes('a'));
    await eventually(async () => (await freshA.members()).includes('b'));
  });
});
