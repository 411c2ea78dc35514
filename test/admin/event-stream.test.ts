import { afterEach, describe, expect, it } from 'vitest';
import { DashboardEvents } from '../../src/admin/event-stream.js';
import { type AdminServer, startAdminServer } from '../../src/admin/http-server.js';
import { type FakeBackend, fakeBackend } from './fake-backend.js';

let server: AdminServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Sse {
  next(event: string, timeoutMs?: number): Promise<unknown>;
  close(): void;
}

/** Opens `/events` and reads it event by event. */
async function open(base: string, query = ''): Promise<Sse> {
  const ctl = new AbortController();
  const res = await fetch(`${base}/events${query}`, { signal: ctl.signal });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = (res.body as ReadableStream<Uint8Array>)
    .pipeThrough(new TextDecoderStream())
    .getReader();
  let buf = '';
  const queue: { event: string; data: unknown }[] = [];
  const pull = async () => {
    const { value, done } = await reader.read();
    if (done) throw new Error('stream ended');
    buf += value;
    let i = buf.indexOf('\n\n');
    while (i >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const ev = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (ev && data) queue.push({ event: ev, data: JSON.parse(data) });
      i = buf.indexOf('\n\n');
    }
  };
  return {
    async next(event, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const at = queue.findIndex((e) => e.event === event);
        if (at >= 0) return queue.splice(0, at + 1).at(-1)?.data;
        if (Date.now() > deadline) throw new Error(`no ${event} event in ${timeoutMs} ms`);
        await pull();
      }
    },
    close: () => ctl.abort(),
  };
}

async function start(api: FakeBackend = fakeBackend(), sampleMs = 50) {
  server = await startAdminServer(api, { port: 0, events: { sampleMs } });
  return { api, base: `http://127.0.0.1:${server.port}` };
}

describe('GET /events', () => {
  it('says hello with the node name and whether keys can be deleted', async () => {
    const { base } = await start();
    const sse = await open(base);
    expect(await sse.next('hello')).toMatchObject({ name: 'a', writable: true, deletable: true });
    sse.close();
  });

  it('sends the keys under the asked prefix on connect', async () => {
    const api = fakeBackend();
    api.kv.set('app/x', 1);
    api.kv.set('app/y', 2);
    api.kv.set('other', 3);
    const { base } = await start(api);
    const sse = await open(base, '?prefix=app/');
    expect(await sse.next('kv-list')).toEqual({
      prefix: 'app/',
      more: false,
      entries: [
        { key: 'app/x', values: [1], deleted: false },
        { key: 'app/y', values: [2], deleted: false },
      ],
    });
    sse.close();
  });

  it('streams state samples for the asked root', async () => {
    const { base } = await start();
    const sse = await open(base, '?root=b');
    expect(await sse.next('state')).toMatchObject({ root: 'b', tree: { b: 'down' } });
    expect(await sse.next('state')).toMatchObject({ root: 'b' });
    sse.close();
  });

  it('pushes a store change under the prefix as it happens', async () => {
    const { api, base } = await start(fakeBackend(), 60_000);
    const sse = await open(base, '?prefix=app/');
    await sse.next('kv-list');
    await api.kvPut('other', 0);
    await api.kvPut('app/z', { v: 1 });
    expect(await sse.next('kv')).toEqual({ key: 'app/z', values: [{ v: 1 }], deleted: false });
    await api.kvDelete?.('app/z');
    expect(await sse.next('kv')).toEqual({ key: 'app/z', values: [], deleted: true });
    sse.close();
  });

  it('samples at once when a member goes up or down, not only on the next tick', async () => {
    const { api, base } = await start(fakeBackend(), 60_000);
    const sse = await open(base);
    await sse.next('state');
    api.memberChanged();
    expect(await sse.next('state', 2000)).toMatchObject({ name: 'a' });
    sse.close();
  });

  it('refuses a root that is too long and a method other than GET', async () => {
    const { base } = await start();
    expect((await fetch(`${base}/events?root=${'r'.repeat(300)}`)).status).toBe(400);
    expect((await fetch(`${base}/events`, { method: 'POST' })).status).toBe(405);
  });

  it('answers 404 when the node serves no dashboard data', async () => {
    const { dashboard: _, ...plain } = fakeBackend();
    server = await startAdminServer(plain, { port: 0 });
    expect((await fetch(`http://127.0.0.1:${server.port}/events`)).status).toBe(404);
  });
});

describe('DashboardEvents: sampling only while watched', () => {
  it('starts sampling and watching with the first client and stops both after the last leaves', async () => {
    const api = fakeBackend();
    const events = new DashboardEvents(api, { sampleMs: 20 });
    const { createServer } = await import('node:http');
    const http = createServer((req, res) =>
      events.handle(req, res, new URL(req.url ?? '/', 'http://x')),
    );
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as { port: number }).port;
    try {
      expect(events.isSampling).toBe(false);
      const sse = await open(`http://127.0.0.1:${port}`);
      await sse.next('state');
      expect(events.isSampling).toBe(true);
      expect(api.watchers).toEqual({ members: 1, kv: 1 });
      sse.close();
      await expect.poll(() => events.clientCount, { timeout: 5000 }).toBe(0);
      expect(events.isSampling).toBe(false);
      expect(api.watchers).toEqual({ members: 0, kv: 0 });
    } finally {
      events.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    }
  });
});
