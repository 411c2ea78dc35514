import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, exitWithin, runCliProcess } from '../support/cli.js';
import { TestDnsServer } from '../support/dns-server.js';
import { membersAre, useNodes } from './helpers.js';

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await TestDnsServer.start();
});
afterAll(async () => {
  await dns.close();
});

/** A port free on 127.0.0.1, 127.0.0.2 and 127.0.0.3 (every loopback address is local). */
async function portFreeOnLoopbacks(): Promise<number> {
  for (;;) {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    const others = await Promise.all(
      ['127.0.0.2', '127.0.0.3'].map(
        (host) =>
          new Promise<boolean>((resolve) => {
            const s = createServer();
            s.once('error', () => resolve(false));
            s.listen(port, host, () => s.close(() => resolve(true)));
          }),
      ),
    );
    await new Promise((r) => probe.close(r));
    if (others.every(Boolean)) return port;
  }
}

describe('discovery through DNS', () => {
  const nodes = useNodes();

  it('srv: three nodes find each other through SRV records, in any start order', async () => {
    const a = await nodes.start('a', {
      join: ['srv:_plumtree._tcp.srv.test'],
      dnsServer: dns.address,
      discoveryIntervalMs: 200,
    });
    const b = await nodes.start('b', {
      join: ['srv:_plumtree._tcp.srv.test'],
      dnsServer: dns.address,
      discoveryIntervalMs: 200,
    });
    const c = await nodes.start('c', {
      join: ['srv:_plumtree._tcp.srv.test'],
      dnsServer: dns.address,
      discoveryIntervalMs: 200,
    });
    // The records appear only once every node runs, as a Service's endpoints do.
    for (const name of ['a', 'b', 'c']) dns.set(`${name}.srv.test`, { a: ['127.0.0.1'] });
    dns.set('_plumtree._tcp.srv.test', {
      srv: [a, b, c].map((n) => ({ target: `${n.name}.srv.test`, port: n.address.port })),
    });
    await membersAre([a, b, c], ['a', 'b', 'c'], 20_000);
  });

  it('a node whose records list only itself starts alone and joins once others appear', async () => {
    const a = await nodes.start('a', {
      join: ['srv:_plumtree._tcp.grow.test'],
      dnsServer: dns.address,
      discoveryIntervalMs: 200,
    });
    dns.set('a.grow.test', { a: ['127.0.0.1'] });
    dns.set('_plumtree._tcp.grow.test', { srv: [{ target: 'a.grow.test', port: a.address.port }] });
    expect(a.members()).toEqual(['a']);
    const b = await nodes.start('b', {
      join: ['srv:_plumtree._tcp.grow.test'],
      dnsServer: dns.address,
      discoveryIntervalMs: 200,
    });
    dns.set('b.grow.test', { a: ['127.0.0.1'] });
    dns.set('_plumtree._tcp.grow.test', {
      srv: [
        { target: 'a.grow.test', port: a.address.port },
        { target: 'b.grow.test', port: b.address.port },
      ],
    });
    await membersAre([a, b], ['a', 'b'], 20_000);
  });
});

describe('plumtree node --join dns:', () => {
  const running: CliProcess[] = [];
  afterEach(async () => {
    for (const p of running) p.proc.kill('SIGTERM');
    await Promise.all(running.map((p) => exitWithin(p, 15_000)));
    running.length = 0;
  });

  it('three processes form one cluster from the A records of one name', async () => {
    const port = await portFreeOnLoopbacks();
    const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
    dns.set('cluster.test', { a: hosts });
    const admins: number[] = [];
    for (const [i, host] of hosts.entries()) {
      const p = runCliProcess(
        [
          'node',
          '--name',
          `n${i + 1}`,
          '--host',
          host,
          '--port',
          String(port),
          '--join',
          `dns:cluster.test:${port}`,
          '--admin-port',
          '0',
        ],
        {
          PLUMTREE_SECRET: 'dns-cluster-test',
          PLUMTREE_DNS_SERVER: dns.address,
          PLUMTREE_LOG_LEVEL: 'warn',
        },
      );
      running.push(p);
      const line = await p.line((l) => l.includes('"listening"'), 30_000);
      admins.push((JSON.parse(line) as { adminPort: number }).adminPort);
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      const views = await Promise.all(
        admins.map(async (a) => {
          const res = await fetch(`http://127.0.0.1:${a}/members`);
          return JSON.stringify(((await res.json()) as { members: string[] }).members);
        }),
      );
      if (views.every((v) => v === JSON.stringify(['n1', 'n2', 'n3']))) break;
      if (Date.now() > deadline) throw new Error(`members never converged: ${views.join(' ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(dns.questions.some((q) => q === '1 cluster.test')).toBe(true);
  }, 90_000);
});
