import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, exitWithin, runCliProcess } from '../support/cli.js';

interface Listening {
  event: 'listening';
  name: string;
  port: number;
  adminPort: number | null;
}

const nodes: { p: CliProcess; info: Listening }[] = [];

async function startCliNode(name: string, extra: string[] = []) {
  const p = runCliProcess(
    ['node', '--name', name, '--admin-port', '0', '--lazy-tick', '100', ...extra],
    { PLUMTREE_SECRET: 'e2e-secret' },
  );
  const line = await p.line((l) => l.startsWith('{"event":"listening"'));
  const info = JSON.parse(line) as Listening;
  nodes.push({ p, info });
  return { p, info, url: `http://127.0.0.1:${info.adminPort}` };
}

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

async function until(what: string, f: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('three CLI nodes started by hand', () => {
  let urls: string[] = [];

  beforeAll(async () => {
    const a = await startCliNode('a');
    const seed = `127.0.0.1:${a.info.port}`;
    const [b, c] = await Promise.all([
      startCliNode('b', ['--join', seed]),
      startCliNode('c', ['--join', seed]),
    ]);
    urls = [a.url, b.url, c.url];
    for (const u of urls) {
      await until(
        `members at ${u}`,
        async () =>
          JSON.stringify((await json(`${u}/members`)).body) === '{"members":["a","b","c"]}',
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const n of nodes) n.p.proc.kill('SIGKILL');
  });

  it('GET /health answers with the name and up', async () => {
    expect((await json(`${urls[1]}/health`)).body).toEqual({ name: 'b', status: 'up' });
  });

  it('a PUT /kv on one node is readable on every node', async () => {
    expect(
      (await json(`${urls[0]}/kv/colour`, { method: 'PUT', body: '{"value":"teal"}' })).body,
    ).toMatchObject({ ok: true });
    for (const u of urls) {
      await until(`kv at ${u}`, async () => (await json(`${u}/kv/colour`)).status === 200);
      expect((await json(`${u}/kv/colour`)).body).toMatchObject({ key: 'colour', value: 'teal' });
    }
  });

  it('/peers, /tree, /exchanges and /metrics answer as the contract says', async () => {
    const peers = (await json(`${urls[0]}/peers?root=a`)).body as {
      eagers: string[];
      lazys: string[];
    };
    expect(Array.isArray(peers.eagers) && Array.isArray(peers.lazys)).toBe(true);
    const tree = (await json(`${urls[0]}/tree?root=a`)).body as {
      root: string;
      nodes: Record<string, unknown>;
    };
    expect(tree.root).toBe('a');
    expect(Object.keys(tree.nodes).sort()).toEqual(['a', 'b', 'c']);
    expect((await json(`${urls[0]}/exchanges`)).body).toHaveProperty('exchanges');
    const metrics = (await json(`${urls[0]}/metrics`)).body as string;
    for (const name of [
      'plumtree_members 3',
      'plumtree_messages_sent_total',
      'plumtree_channel_bytes_sent_total',
      'plumtree_outstanding',
    ]) {
      expect(metrics).toContain(name);
    }
  });

  it('bad requests get a 4xx with an error and the node keeps serving', async () => {
    const bad = [
      await json(`${urls[2]}/kv/x`, { method: 'PUT', body: '{oops' }),
      await json(`${urls[2]}/kv/x`, { method: 'PUT', body: '{"nope":1}' }),
      await json(`${urls[2]}/join`, { method: 'POST', body: '{"peer":"not-an-address"}' }),
      await json(`${urls[2]}/nowhere`),
    ];
    for (const r of bad) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.body).toHaveProperty('error');
    }
    expect((await json(`${urls[2]}/health`)).status).toBe(200);
  });

  it('SIGTERM stops a node cleanly with exit code 0 within a few seconds', async () => {
    const c = nodes[2] as { p: CliProcess };
    c.p.proc.kill('SIGTERM');
    expect(await exitWithin(c.p, 8000)).toBe(0);
  });
});

describe('CLI errors', () => {
  it('a node with no secret exits 2 with a one-line message', async () => {
    const p = runCliProcess(['node', '--name', 'x'], { PLUMTREE_SECRET: '' });
    expect(await exitWithin(p, 15_000)).toBe(2);
    expect(p.err.join('\n')).toContain('no cluster secret');
  });

  it('a bad --join address exits 2', async () => {
    const p = runCliProcess(['node', '--name', 'x', '--secret', 's', '--join', 'nowhere']);
    expect(await exitWithin(p, 15_000)).toBe(2);
    expect(p.err.join('\n')).toContain('bad --join address');
  });

  it('a port in use exits 1 with a clear message', async () => {
    const first = runCliProcess(['node', '--name', 'p1', '--secret', 's']);
    const info = JSON.parse(await first.line((l) => l.startsWith('{"event"'))) as Listening;
    const second = runCliProcess([
      'node',
      '--name',
      'p2',
      '--secret',
      's',
      '--port',
      String(info.port),
    ]);
    expect(await exitWithin(second, 15_000)).toBe(1);
    expect(second.err.join('\n')).toContain(`port ${info.port} is already in use`);
    first.proc.kill('SIGTERM');
    expect(await exitWithin(first, 8000)).toBe(0);
  });

  it('an unknown flag exits 2', async () => {
    const p = runCliProcess(['members', '--admin', 'http://127.0.0.1:1', '--frob']);
    expect(await exitWithin(p, 15_000)).toBe(2);
  });
});
