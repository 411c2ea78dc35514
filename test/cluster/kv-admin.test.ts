import { describe, expect, it } from 'vitest';
import { type StreamEvent, watchEvents } from '../../src/cli/admin-client.js';
import type { PlumtreeNode } from '../../src/node/index.js';
import { until, useNodes } from './helpers.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function http(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('admin API for the metadata store', () => {
  const nodes = useNodes();
  let node: PlumtreeNode;
  let base: string;
  const start = async (extra: Parameters<typeof nodes.start>[1] = {}) => {
    node = await nodes.start('a', { adminPort: 0, ...extra });
    base = `http://127.0.0.1:${node.adminPort}`;
  };

  it('PUT, GET and DELETE a key with its context', async () => {
    await start();
    const put = await http(base, 'PUT', '/kv/colour', { value: 'teal' });
    expect(put).toMatchObject({ status: 200, body: { ok: true } });
    const got = await http(base, 'GET', '/kv/colour');
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ key: 'colour', value: 'teal', context: expect.any(String) });
    expect(got.body.context).toBe(put.body.context);
    expect((await http(base, 'DELETE', '/kv/colour')).status).toBe(200);
    const gone = await http(base, 'GET', '/kv/colour');
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ error: 'no such key: colour', deleted: true });
    expect((await http(base, 'DELETE', '/kv/never')).status).toBe(404);
  });

  it('keys live under the prefix given', async () => {
    await start();
    await http(base, 'PUT', '/kv/k?prefix=app/config', { value: 1 });
    expect((await http(base, 'GET', '/kv/k')).status).toBe(404);
    expect((await http(base, 'GET', '/kv/k?prefix=app/config')).body).toMatchObject({ value: 1 });
    expect(node.metadata.read(['app', 'config'], 'k')?.values).toEqual([1]);
  });

  it('a PUT with a stale context gets 409 with the current state and changes nothing', async () => {
    await start();
    const first = await http(base, 'PUT', '/kv/k', { value: 1 });
    await http(base, 'PUT', '/kv/k', { value: 2 });
    const stale = await http(base, 'PUT', '/kv/k', { value: 3, context: first.body.context });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ key: 'k', value: 2, context: expect.any(String) });
    expect((await http(base, 'GET', '/kv/k')).body).toMatchObject({ value: 2 });
    const current = (await http(base, 'GET', '/kv/k')).body.context;
    expect((await http(base, 'PUT', '/kv/k', { value: 3, context: current })).status).toBe(200);
    const del = await http(base, 'DELETE', `/kv/k?context=${String(first.body.context)}`);
    expect(del.status).toBe(409);
  });

  it('lists a prefix page by page', async () => {
    await start();
    for (const k of ['b', 'a', 'd', 'c', 'e']) {
      await http(base, 'PUT', `/kv/${k}?prefix=p/s`, { value: k });
    }
    await http(base, 'DELETE', '/kv/c?prefix=p/s');
    const one = await http(base, 'GET', '/kv?prefix=p/s&limit=3');
    expect((one.body.entries as { key: string }[]).map((e) => e.key)).toEqual(['a', 'b', 'd']);
    const two = await http(base, 'GET', `/kv?prefix=p/s&limit=3&cursor=${String(one.body.cursor)}`);
    expect(two.body).toMatchObject({ prefix: 'p/s', entries: [{ key: 'e', value: 'e' }] });
    expect(two.body.cursor).toBeUndefined();
  });

  it('bad input gets a 4xx with a clear error and changes nothing', async () => {
    await start({ metadata: { maxValueBytes: 1024 } });
    const ok = await http(base, 'PUT', '/kv/k', { value: 'kept' });
    const cases: [Answer, number, RegExp][] = [
      [await http(base, 'PUT', `/kv/${'x'.repeat(1025)}`, { value: 1 }), 400, /at most 1024/],
      [await http(base, 'PUT', '/kv/k', { value: 'v'.repeat(2000) }), 413, /at most 1024 bytes/],
      [
        await http(base, 'PUT', '/kv/k', { value: 1, context: 'not!base64' }),
        400,
        /malformed context/,
      ],
      [
        await http(base, 'PUT', '/kv/k', { value: 1, context: 'eyJ4IjoxfQ' }),
        400,
        /malformed context/,
      ],
      [await http(base, 'PUT', '/kv/k?prefix=a/b/c', { value: 1 }), 400, /unknown prefix form/],
      [await http(base, 'PUT', '/kv/k?prefix=app', { value: 1 }), 400, /unknown prefix form/],
      [await http(base, 'GET', '/kv?prefix=/x'), 400, /unknown prefix form/],
      [await http(base, 'GET', '/kv?limit=0'), 400, /limit/],
      [await http(base, 'GET', '/kv?cursor=zzz'), 400, /malformed cursor/],
      [await http(base, 'PUT', '/kv/k', { nope: 1 }), 400, /body must be/],
      [await http(base, 'DELETE', '/kv/k?context=%%'), 400, /percent|malformed/],
      [await http(base, 'POST', '/kv/k', { value: 1 }), 405, /not allowed/],
    ];
    for (const [answer, status, error] of cases) {
      expect(answer.status).toBe(status);
      expect(String(answer.body.error)).toMatch(error);
    }
    const after = await http(base, 'GET', '/kv/k');
    expect(after.body).toMatchObject({ value: 'kept', context: ok.body.context });
    expect(node.metadata.prefixes()).toEqual([['kv', 'default']]);
  });

  it('GET /watch streams puts and deletes and resumes after a reconnect', async () => {
    await start();
    const events: StreamEvent[] = [];
    let stop = new AbortController();
    const first = watchEvents(
      new URL(base),
      '/watch?prefix=kv',
      undefined,
      (e) => events.push(e),
      stop.signal,
    );
    await until('ready', () => events.some((e) => e.event === 'ready'));
    await http(base, 'PUT', '/kv/k', { value: 1 });
    await until('first put', () => events.some((e) => e.event === 'put'));
    stop.abort();
    await first;
    const lastId = events[events.length - 1]?.id;
    await http(base, 'PUT', '/kv/k', { value: 2 });
    await http(base, 'DELETE', '/kv/k');
    stop = new AbortController();
    const resumed: StreamEvent[] = [];
    const second = watchEvents(
      new URL(base),
      '/watch?prefix=kv',
      lastId,
      (e) => resumed.push(e),
      stop.signal,
    );
    await until('missed events', () => resumed.filter((e) => e.event !== 'ready').length >= 2);
    stop.abort();
    await second;
    expect(
      resumed
        .filter((e) => e.event !== 'ready')
        .map((e) => [e.event, (e.data as { value: unknown }).value]),
    ).toEqual([
      ['put', 2],
      ['delete', null],
    ]);
  });

  it('GET /watch with a token it cannot resume from says to re-list', async () => {
    await start();
    const events: StreamEvent[] = [];
    const stop = new AbortController();
    const done = watchEvents(
      new URL(base),
      '/watch',
      'elsewhere.12',
      (e) => events.push(e),
      stop.signal,
    );
    await until('reset', () => events.some((e) => e.event === 'reset'));
    stop.abort();
    await done;
    expect(events.map((e) => e.event)).toEqual(['ready', 'reset']);
    expect(events[1]).toMatchObject({
      event: 'reset',
      data: { reason: expect.stringMatching(/too far behind, re-list/) },
    });
  });
});
