/**
 * The admin HTTP API (contract section 5) on node:http. Every answer is JSON except
 * `/metrics`; a bad request gets a 4xx with `{ error }` and the node keeps serving.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { parseHostPort } from '../peer-service/address.js';
import { type AdminAuth, rejectUnauthorized } from './admin-auth.js';
import type { AdminBackend } from './backend.js';
import { handleDashboardRoute } from './dashboard-routes.js';
import { DashboardEvents, type DashboardEventsOptions } from './event-stream.js';
import { readJsonBody, sendJson } from './json-io.js';
import { routeKv } from './kv-routes.js';
import { handleMembersRoute } from './members-route.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus.js';

/** Options for {@link startAdminServer}. */
export interface AdminServerOptions {
  /** Default 127.0.0.1: the API can join and leave clusters, so it stays on loopback unless asked. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Largest request body accepted, bytes. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  readonly logger?: Logger;
  /** Who may call (see admin-auth). Default open, as befits loopback. */
  readonly auth?: AdminAuth;
  /** The dashboard's `/events` stream. */
  readonly events?: DashboardEventsOptions;
}

/** A running admin server. */
export interface AdminServer {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const KEY_MAX = 1024;

/** Maps the typed errors of the lower layers to statuses; anything else is a 500. */
function statusOf(e: unknown): number {
  if (e instanceof HttpError) return e.status;
  const name = e instanceof Error ? e.name : '';
  switch (name) {
    case 'SelfJoinError':
    case 'InvalidNodeSpecError':
    case 'InvalidAddressError':
    case 'TypeError':
      return 400;
    case 'NotReachableError':
      return 502;
    case 'CallTimeoutError':
    case 'RemoteCallTimeoutError':
      return 504;
    case 'NoProcError':
      return 503;
    default:
      return 500;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, body);
}

function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return readJsonBody(req, limit, (status, message) => new HttpError(status, message));
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** Checks a `host:port` peer address (an InvalidAddressError is answered with a 400). */
export function parsePeerAddress(peer: unknown): string {
  if (typeof peer !== 'string') throw new HttpError(400, '"peer" must be a string "host:port"');
  parseHostPort(peer);
  return peer;
}

function decodeKey(raw: string): string {
  let key: string;
  try {
    key = decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'key is not valid percent-encoding');
  }
  if (key.length === 0 || key.length > KEY_MAX)
    throw new HttpError(400, `key must be 1..${KEY_MAX} characters`);
  return key;
}

function requireRoot(url: URL, fallback: string): string {
  const root = url.searchParams.get('root') ?? fallback;
  if (root.length === 0) throw new HttpError(400, '"root" must not be empty');
  return root;
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  api: AdminBackend,
  maxBody: number,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://admin');
  const method = req.method ?? 'GET';
  const path = url.pathname;

  const only = (m: string) => {
    if (method !== m) throw new HttpError(405, `${method} not allowed on ${path}; use ${m}`);
  };

  if (path === '/health') {
    only('GET');
    return send(res, 200, { name: api.name, status: 'up' });
  }
  if (path === '/members') {
    only('GET');
    return send(res, 200, { members: await api.members() });
  }
  const member = await handleMembersRoute(method, path, api);
  if (member !== undefined) return send(res, member.status, member.body);
  if (path === '/peers') {
    only('GET');
    return send(res, 200, await api.peers(requireRoot(url, api.name)));
  }
  if (path === '/tree') {
    only('GET');
    const root = requireRoot(url, api.name);
    return send(res, 200, { root, nodes: await api.tree(root) });
  }
  if (path === '/exchanges') {
    only('GET');
    return send(res, 200, { exchanges: await api.exchanges() });
  }
  if (path === '/metrics') {
    only('GET');
    const text = await api.metrics();
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
    res.end(text);
    return;
  }
  if (path === '/join') {
    only('POST');
    const body = objectBody(await readBody(req, maxBody));
    await api.join(parsePeerAddress(body.peer));
    return send(res, 200, { ok: true });
  }
  if (path === '/leave') {
    only('POST');
    await api.leave();
    return send(res, 200, { ok: true });
  }
  if (
    api.kvStore !== undefined &&
    (await routeKv(req, res, url, api.kvStore(), { maxBodyBytes: maxBody }))
  ) {
    return;
  }
  if (path.startsWith('/kv/')) {
    const key = decodeKey(path.slice('/kv/'.length));
    if (method === 'GET') {
      const got = await api.kvGet(key);
      if (!got.found) return send(res, 404, { error: `no such key: ${key}` });
      return send(res, 200, { key, value: got.value });
    }
    if (method === 'PUT') {
      const body = objectBody(await readBody(req, maxBody));
      if (!('value' in body)) throw new HttpError(400, 'body must be { "value": any }');
      await api.kvPut(key, body.value);
      return send(res, 200, { ok: true });
    }
    if (method === 'DELETE' && api.kvDelete) {
      await api.kvDelete(key);
      return send(res, 200, { ok: true });
    }
    throw new HttpError(405, `${method} not allowed on /kv/:key; use GET or PUT`);
  }
  throw new HttpError(404, `no route ${method} ${path}`);
}

/** Starts the admin API; resolves once it listens. */
export function startAdminServer(
  api: AdminBackend,
  options: AdminServerOptions,
): Promise<AdminServer> {
  const host = options.host ?? '127.0.0.1';
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const log = options.logger ?? silentLogger;
  const auth = options.auth ?? { kind: 'open', reason: 'loopback' };
  const events = new DashboardEvents(api, { ...options.events, logger: log });
  const server: Server = createServer((req, res) => {
    if (rejectUnauthorized(req, res, auth)) return;
    if (handleDashboardRoute(req, res, events, log)) return;
    route(req, res, api, maxBody).catch((e: unknown) => {
      const status = statusOf(e);
      if (status >= 500)
        log.warn('admin request failed', { method: req.method, url: req.url, error: e });
      if (!res.headersSent)
        send(res, status, { error: e instanceof Error ? e.message : String(e) });
      else res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        host,
        close: () =>
          new Promise<void>((done) => {
            events.close();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
