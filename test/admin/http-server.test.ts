import { afterEach, describe, expect, it } from 'vitest';
import {
  type AdminBackend,
  type AdminServer,
  renderPrometheus,
  startAdminServer,
} from '../../src/admin/index.js';
import { MetricsRegistry } from '../../src/metrics/index.js';

class NotReachableError extends Error {
  override readonly name = 'NotReachableError';
}

/** An in-memory backend that records what the API asked of it. */
function memoryBackend(): AdminBackend & {
  kv: Map<string, unknown>;
  joined: string[];
  left: number;
} {
  const kv = new Map<string, unknown>();
  const joined: string[] = [];
  const metrics = new MetricsRegistry();
  metrics
    .counter('plumtree_delivered_total', 'payloads merged as new')
    .inc({ handler: 'metadata' }, 3);
  const self = {
    name: 'a',
    kv,
    joined,
    left: 0,
    members: async () => ['a', 'b'],
    peers: async (root: string) => ({ eagers: root === 'a' ? ['b'] : [], lazys: [] }),
    tree: async () => ({ a: { eagers: ['b'], lazys: [] }, b: 'down' as const }),
    exchanges: async () => [],
    kvPut: async (k: string, v: unknown) => {
      kv.set(k, v);
    },
    kvGet: async (k: string) =>
      kv.has(k) ? { found: true as const, value: kv.get(k) } : { found: false as const },
    join: async (peer: string) => {
      if (peer.startsWith('10.255.')) throw new NotReachableError(`nobody answered at ${peer}`);
      joined.push(peer);
    },
    leave: async () => {
      self.left++;
    },
    metrics: () => renderPrometheus([metrics]),
  };
  return self;
}

let server: AdminServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(api = memoryBackend()) {
  server = await startAdminServer(api, { port: 0 });
  const base = `http://127.0.0.1:${server.port}`;
  const req = async (method: string, path: string, body?: string) => {
    const res = await fetch(base + path, {
      method,
      ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, type: res.headers.get('content-type') };
  };
  return { api, req };
}

describe('admin HTTP API: answers', () => {
  it('GET /health names the node and says up', async () => {
    const { req } = await start();
    expect((await req('GET', '/health')).json).toEqual({ name: 'a', status: 'up' });
  });

  it('GET /members lists the members', async () => {
    const { req } = await start();
    expect((await req('GET', '/members')).json).toEqual({ members: ['a', 'b'] });
  });

  it('GET /peers?root= gives eagers and lazys of that root', async () => {
    const { req } = await start();
    expect((await req('GET', '/peers?root=a')).json).toEqual({ eagers: ['b'], lazys: [] });
  });

  it('GET /tree gives every node its peers or down, rooted at this node by default', async () => {
    const { req } = await start();
    expect((await req('GET', '/tree')).json).toEqual({
      root: 'a',
      nodes: { a: { eagers: ['b'], lazys: [] }, b: 'down' },
    });
  });

  it('GET /exchanges lists running exchanges', async () => {
    const { req } = await start();
    expect((await req('GET', '/exchanges')).json).toEqual({ exchanges: [] });
  });

  it('PUT then GET /kv/:key stores and reads a value', async () => {
    const { req } = await start();
    expect((await req('PUT', '/kv/colour', '{"value":{"r":1}}')).json).toEqual({ ok: true });
    expect((await req('GET', '/kv/colour')).json).toEqual({ key: 'colour', value: { r: 1 } });
  });

  it('GET /kv/:key of a missing key is a 404 with an error', async () => {
    const { req } = await start();
    const r = await req('GET', '/kv/nothing');
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: 'no such key: nothing' });
  });

  it('POST /join joins the given peer', async () => {
    const { req, api } = await start();
    expect((await req('POST', '/join', '{"peer":"127.0.0.1:9001"}')).json).toEqual({ ok: true });
    expect(api.joined).toEqual(['127.0.0.1:9001']);
  });

  it('POST /leave leaves', async () => {
    const { req, api } = await start();
    expect((await req('POST', '/leave')).json).toEqual({ ok: true });
    expect(api.left).toBe(1);
  });

  it('GET /metrics is Prometheus text', async () => {
    const { req } = await start();
    const r = await req('GET', '/metrics');
    expect(r.type).toContain('text/plain');
    expect(r.text).toContain('# TYPE plumtree_delivered_total counter');
    expect(r.text).toContain('plumtree_delivered_total{handler="metadata"} 3');
  });
});

describe('admin HTTP API: bad requests', () => {
  it('a body that is not JSON is a 400', async () => {
    const { req } = await start();
    const r = await req('PUT', '/kv/k', '{not json');
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: 'request body is not valid JSON' });
  });

  it('a PUT without "value" is a 400', async () => {
    const { req } = await start();
    expect((await req('PUT', '/kv/k', '{"v":1}')).status).toBe(400);
  });

  it('a join with a malformed address is a 400', async () => {
    const { req, api } = await start();
    for (const peer of ['"nohost"', '"h:0"', '"h:70000"', '42']) {
      expect((await req('POST', '/join', `{"peer":${peer}}`)).status).toBe(400);
    }
    expect(api.joined).toEqual([]);
  });

  it('a join nobody answers is a 502 with the reason', async () => {
    const { req } = await start();
    const r = await req('POST', '/join', '{"peer":"10.255.0.1:9000"}');
    expect(r.status).toBe(502);
    expect(r.json).toEqual({ error: 'nobody answered at 10.255.0.1:9000' });
  });

  it('an unknown route is a 404 and a wrong method a 405', async () => {
    const { req } = await start();
    expect((await req('GET', '/nope')).status).toBe(404);
    expect((await req('DELETE', '/members')).status).toBe(405);
  });

  it('a body over the limit is a 413', async () => {
    const api = memoryBackend();
    server = await startAdminServer(api, { port: 0, maxBodyBytes: 100 });
    const res = await fetch(`http://127.0.0.1:${server.port}/kv/big`, {
      method: 'PUT',
      body: JSON.stringify({ value: 'x'.repeat(500) }),
    });
    expect(res.status).toBe(413);
    expect(api.kv.has('big')).toBe(false);
  });

  it('keeps serving after bad requests', async () => {
    const { req } = await start();
    await req('PUT', '/kv/k', 'garbage');
    await req('POST', '/join', '{}');
    expect((await req('GET', '/health')).status).toBe(200);
  });
});

describe('renderPrometheus', () => {
  it('renders counters and gauges with their labels', async () => {
    const r = new MetricsRegistry();
    r.counter('plumtree_messages_sent_total', 'sent').inc({ type: 'prune' }, 2);
    r.gauge('plumtree_members', 'members').set(5);
    const text = await renderPrometheus([r]);
    expect(text).toContain('plumtree_messages_sent_total{type="prune"} 2');
    expect(text).toContain('# TYPE plumtree_members gauge');
    expect(text).toContain('plumtree_members 5');
  });

  it('renders a family present in two registries once, from the first', async () => {
    const a = new MetricsRegistry();
    const b = new MetricsRegistry();
    a.gauge('plumtree_members', 'members').set(1);
    b.gauge('plumtree_members', 'members').set(9);
    const text = await renderPrometheus([a, b]);
    expect(text.match(/^plumtree_members /gm)).toHaveLength(1);
    expect(text).toContain('plumtree_members 1');
  });
});
