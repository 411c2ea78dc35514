import { afterEach, describe, expect, it } from 'vitest';
import {
  AdminAuthError,
  adminTokenFromSecret,
  isLoopbackHost,
  resolveAdminAuth,
} from '../../src/admin/admin-auth.js';
import { type AdminServer, startAdminServer } from '../../src/admin/http-server.js';
import { startNode } from '../../src/node/node.js';
import { NodeOptionsError } from '../../src/node/options.js';
import { fakeBackend } from './fake-backend.js';

describe('admin auth: the rule', () => {
  it('treats 127.0.0.0/8, ::1 and localhost as loopback and nothing else', () => {
    expect(['127.0.0.1', '127.9.8.7', '::1', '[::1]', 'localhost'].map(isLoopbackHost)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.org'].map(isLoopbackHost)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('leaves a loopback admin API open when no token is given', () => {
    expect(resolveAdminAuth({ host: '127.0.0.1', secret: 's' })).toEqual({
      kind: 'open',
      reason: 'loopback',
    });
  });

  it('derives the token from the secret beyond loopback', () => {
    expect(resolveAdminAuth({ host: '0.0.0.0', secret: 'cluster-secret' })).toEqual({
      kind: 'token',
      token: adminTokenFromSecret('cluster-secret'),
    });
  });

  it('derives the same token on every node and a different one for another secret', () => {
    expect(adminTokenFromSecret('one')).toBe(adminTokenFromSecret('one'));
    expect(adminTokenFromSecret('one')).not.toBe(adminTokenFromSecret('two'));
    expect(adminTokenFromSecret('one')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('requires an explicit token even on loopback', () => {
    expect(resolveAdminAuth({ host: '127.0.0.1', token: 'a-token-of-sixteen+' })).toEqual({
      kind: 'token',
      token: 'a-token-of-sixteen+',
    });
  });

  it('refuses beyond loopback with neither secret nor token unless insecure', () => {
    expect(() => resolveAdminAuth({ host: '0.0.0.0' })).toThrow(AdminAuthError);
    expect(resolveAdminAuth({ host: '0.0.0.0', insecure: true })).toEqual({
      kind: 'open',
      reason: 'insecure',
    });
  });

  it('refuses a token shorter than 16 characters', () => {
    expect(() => resolveAdminAuth({ host: '127.0.0.1', token: 'short' })).toThrow(AdminAuthError);
  });

  it('makes startNode refuse an open admin API beyond loopback before anything starts', async () => {
    await expect(
      startNode({ name: 'x', insecure: false, adminHost: '0.0.0.0', adminPort: 0 }),
    ).rejects.toThrow(NodeOptionsError);
  });
});

describe('admin auth: the server', () => {
  let server: AdminServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const token = adminTokenFromSecret('s3cret');
  const start = async () => {
    server = await startAdminServer(fakeBackend(), { port: 0, auth: { kind: 'token', token } });
    return `http://127.0.0.1:${server.port}`;
  };

  it('answers 401 with a Bearer challenge to a JSON request without the token', async () => {
    const base = await start();
    const res = await fetch(`${base}/members`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="plumtree-admin"');
    expect(await res.json()).toHaveProperty('error');
  });

  it('answers 401 to a wrong token, and to the events stream without one', async () => {
    const base = await start();
    const wrong = await fetch(`${base}/members`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect((await fetch(`${base}/events`)).status).toBe(401);
    expect((await fetch(`${base}/kv/k`, { method: 'PUT', body: '{"value":1}' })).status).toBe(401);
  });

  it('answers a request with the right token', async () => {
    const base = await start();
    const res = await fetch(`${base}/members`, { headers: { authorization: `Bearer ${token}` } });
    expect(await res.json()).toEqual({ members: ['a', 'b'] });
  });

  it('keeps /health and the page open (they hold no data)', async () => {
    const base = await start();
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect((await fetch(`${base}/dashboard/app.js`)).status).toBe(200);
  });
});
