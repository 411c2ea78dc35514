import { afterEach, describe, expect, it } from 'vitest';
import { type AdminServer, startAdminServer } from '../../src/admin/http-server.js';
import { fakeBackend } from './fake-backend.js';

let server: AdminServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function base(): Promise<string> {
  server = await startAdminServer(fakeBackend(), { port: 0 });
  return `http://127.0.0.1:${server.port}`;
}

describe('dashboard page', () => {
  it('serves the page at / as HTML that loads only its own files', async () => {
    const res = await fetch(`${await base()}/`);
    const html = await res.text();
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(r).toMatch(/^(\/dashboard\/|data:)/);
  });

  it('serves every module the page imports', async () => {
    const b = await base();
    const app = await (await fetch(`${b}/dashboard/app.js`)).text();
    const imports = [...app.matchAll(/from '\.\/([a-z-]+\.js)'/g)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(3);
    for (const f of imports) {
      const res = await fetch(`${b}/dashboard/${f}`);
      expect(res.status, f).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    }
  });

  it('answers 404 for a file that is not one of the dashboard files', async () => {
    const b = await base();
    expect((await fetch(`${b}/dashboard/../backend.ts`)).status).toBe(404);
    expect((await fetch(`${b}/dashboard/secret.js`)).status).toBe(404);
  });

  it('leaves POST / to the JSON API, which refuses it', async () => {
    const res = await fetch(`${await base()}/`, { method: 'POST' });
    expect(res.status).toBe(404);
  });

  it('DELETE /kv/:key removes the key', async () => {
    const b = await base();
    await fetch(`${b}/kv/k`, { method: 'PUT', body: '{"value":1}' });
    expect(await (await fetch(`${b}/kv/k`, { method: 'DELETE' })).json()).toEqual({ ok: true });
    expect((await fetch(`${b}/kv/k`)).status).toBe(404);
  });
});
