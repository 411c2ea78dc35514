import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kill, type SystemRef, start, stop, whereis } from '../../src/actors/index.js';
import {
  InvalidAddressError,
  NotReachableError,
  type PeerService,
  SelfJoinError,
  startPeerService,
} from '../../src/peer-service/index.js';
import { eventually } from '../support/actors.js';
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

async function cluster(
  names: string[],
  opts: { dataDir?: (n: string) => string; joinTimeoutMs?: number } = {},
) {
  system ??= start();
  const net = new MemoryNetwork();
  const nodes: Record<string, PeerService> = {};
  for (const n of names) {
    const s = await startPeerService(system, {
      transport: net.nodes.get(n) ?? net.add(n),
      periodicInterval: 200,
      joinTimeoutMs: opts.joinTimeoutMs ?? 2000,
      ...(opts.dataDir ? { dataDir: opts.dataDir(n) } : {}),
    });
    services.push(s);
    nodes[n] = s;
  }
  const addr = (n: string) => `127.0.0.1:${net.nodes.get(n)?.spec.listenAddrs[0]?.port}`;
  return { net, nodes, addr };
}

/** Resolves when every node's view equals `expected`; fails with the views seen after `ms`. */
async function converged(nodes: PeerService[], expected: string[], ms = 8000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const views = await Promise.all(nodes.map((n) => n.members()));
    if (views.every((v) => JSON.stringify(v) === JSON.stringify(expected))) return;
    if (Date.now() > deadline) {
      throw new Error(
        `views did not converge to ${expected.join(',')}: ${views.map((v, i) => `${nodes[i]?.name}=[${v.join(',')}]`).join(' ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('peer service manager (in-memory transport)', () => {
  it('a singleton has itself as its only member', async () => {
    const { nodes } = await cluster(['a']);
    expect(await nodes.a!.members()).toEqual(['a']);
  });

  it('join by host:port merges both views', async () => {
    const { nodes, addr } = await cluster(['a', 'b']);
    await nodes.b!.join(addr('a'));
    await converged([nodes.a!, nodes.b!], ['a', 'b']);
  });

  it('joining itself is a SelfJoinError', async () => {
    const { nodes, addr } = await cluster(['a']);
    await expect(nodes.a!.join(addr('a'))).rejects.toBeInstanceOf(SelfJoinError);
    await expect(nodes.a!.join(nodes.a!.nodeSpec())).rejects.toBeInstanceOf(SelfJoinError);
  });

  it('joining an address where nothing listens is a NotReachableError', async () => {
    const { nodes } = await cluster(['a']);
    await expect(nodes.a!.join('127.0.0.1:1')).rejects.toBeInstanceOf(NotReachableError);
  });

  it('a malformed address is an InvalidAddressError', async () => {
    const { nodes } = await cluster(['a']);
    await expect(nodes.a!.join('nowhere')).rejects.toBeInstanceOf(InvalidAddressError);
  });

  it('leave of another member that is alive: it refutes and is a member again everywhere', async () => {
    const { nodes, addr } = await cluster(['a', 'b', 'c']);
    await nodes.b!.join(addr('a'));
    await nodes.c!.join(addr('a'));
    await converged([nodes.a!, nodes.b!, nodes.c!], ['a', 'b', 'c']);
    await nodes.a!.leave('c');
    await converged([nodes.a!, nodes.b!, nodes.c!], ['a', 'b', 'c']);
    expect((await nodes.a!.member('c')) ?? null).not.toBeNull();
  });

  it('a node that left can join again', async () => {
    const { nodes, addr } = await cluster(['a', 'b']);
    await nodes.b!.join(addr('a'));
    await converged([nodes.a!, nodes.b!], ['a', 'b']);
    await nodes.b!.leave();
    await converged([nodes.a!], ['a']);
    await converged([nodes.b!], ['b']);
    await nodes.b!.join(addr('a'));
    await converged([nodes.a!, nodes.b!], ['a', 'b']);
  });

  it('a crashed node stays a member and onDown then onUp fire for it', async () => {
    const { nodes, addr, net } = await cluster(['a', 'b']);
    const events: string[] = [];
    nodes.a!.onDown('b', (p) => {
      events.push(`down:${p}`);
    });
    nodes.a!.onUp('*', (p) => {
      events.push(`up:${p}`);
    });
    await nodes.b!.join(addr('a'));
    await converged([nodes.a!, nodes.b!], ['a', 'b']);
    await eventually(() => events.includes('up:b'));
    net.nodes.get('b')!.crash();
    await eventually(() => events.includes('down:b'));
    expect(await nodes.a!.members()).toEqual(['a', 'b']);
    net.nodes.get('b')!.revive();
    await net.nodes.get('a')!.connect({ name: 'b' } as never);
    await eventually(() => events.filter((e) => e === 'up:b').length === 2);
  });

  it('20 nodes joining one seed at the same moment converge to identical membership', async () => {
    const names = Array.from({ length: 21 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    // 20 joins queue at one manager; on a loaded 2-core machine the last answer can take
    // longer than the 2 s the other tests allow.
    const { nodes, addr } = await cluster(names, { joinTimeoutMs: 30_000 });
    await Promise.all(names.slice(1).map((n) => nodes[n]!.join(addr('n00'))));
    await converged(Object.values(nodes), names);
  });

  it('subscribers get the current membership and every change', async () => {
    const { nodes, addr } = await cluster(['a', 'b']);
    const seen: string[][] = [];
    nodes.a!.subscribe((m) => {
      seen.push([...m]);
    });
    await eventually(() => seen.length === 1);
    await nodes.b!.join(addr('a'));
    await eventually(() => seen.some((m) => m.length === 2));
    expect(seen[0]).toEqual(['a']);
  });

  it('a killed manager is restarted with membership intact and subscribers still notified', async () => {
    const { nodes, addr } = await cluster(['a', 'b', 'c']);
    await nodes.b!.join(addr('a'));
    await converged([nodes.a!, nodes.b!], ['a', 'b']);
    const seen: string[][] = [];
    nodes.a!.subscribe((m) => {
      seen.push([...m]);
    });
    const before = whereis(nodes.a!.managerName);
    kill(nodes.a!.managerName);
    await eventually(
      () => whereis(nodes.a!.managerName) !== undefined && whereis(nodes.a!.managerName) !== before,
    );
    await converged([nodes.a!], ['a', 'b']);
    seen.length = 0;
    await nodes.c!.join(addr('a'));
    await eventually(() => seen.some((m) => m.join() === 'a,b,c'));
  });

  it('a subscription survives a restart of the events actor that publishes it', async () => {
    const { nodes, addr } = await cluster(['a', 'b']);
    const seen: string[][] = [];
    nodes.a!.subscribe((m) => {
      seen.push([...m]);
    });
    await eventually(() => seen.length > 0);
    kill(nodes.a!.eventsName);
    await eventually(
      () =>
        whereis(nodes.a!.managerName) !== undefined && whereis(nodes.a!.eventsName) !== undefined,
    );
    await nodes.b!.join(addr('a'));
    await eventually(() => seen.some((m) => m.join() === 'a,b'));
  });

  it('membership saved to the data dir is reloaded: a restarted node rejoins with no seed', async () => {
    const base = await mkdtemp(join(tmpdir(), 'plumtree-ps-'));
    dirs.push(base);
    const { nodes, addr, net } = await cluster(['a', 'b'], { dataDir: (n) => join(base, n) });
    await nodes.b!.join(addr('a'));
    await converged([nodes.a!, nodes.b!], ['a', 'b']);
    await nodes.b!.stop();
    services.splice(services.indexOf(nodes.b!), 1);
    net.nodes.get('b')!.crash();
    net.nodes.get('b')!.revive();
    const again = await startPeerService(system!, {
      transport: net.nodes.get('b')!,
      dataDir: join(base, 'b'),
      periodicInterval: 200,
    });
    services.push(again);
    expect(await again.members()).toEqual(['a', 'b']);
    await eventually(() => net.nodes.get('b')!.connectedPeers().includes('a'));
  });
});
