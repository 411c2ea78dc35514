/**
 * Who may use the admin API. On loopback it is open (only this machine's users reach
 * it) unless a token is given; bound anywhere else it needs a bearer token, derived
 * from the cluster secret or given explicitly, or an explicit `insecure`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';

/** The label the derived token is an HMAC of: fixed, so every node of a cluster derives the same token. */
const TOKEN_LABEL = 'plumtree admin token v1';

/** The admin bearer token of a cluster secret: HMAC-SHA256(secret, fixed label), hex. */
export function adminTokenFromSecret(secret: string | Uint8Array): string {
  return createHmac('sha256', secret).update(TOKEN_LABEL).digest('hex');
}

/** True for an address only this machine can reach: 127.0.0.0/8, ::1, `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}

/** The admin API cannot be bound where it was asked to without a way to authenticate. */
export class AdminAuthError extends Error {
  override readonly name = 'AdminAuthError';
}

/** What the admin server checks: a token, or nothing. */
export type AdminAuth =
  | { readonly kind: 'open'; readonly reason: 'loopback' | 'insecure' }
  | { readonly kind: 'token'; readonly token: string };

/** What decides {@link AdminAuth}. */
export interface AdminAuthInput {
  /** Where the admin API listens. */
  readonly host: string;
  /** An explicit token; wins over the secret. */
  readonly token?: string;
  readonly secret?: string | Uint8Array;
  readonly insecure?: boolean;
}

/**
 * The rule: an explicit token is always required; on loopback without one the API is
 * open; elsewhere the token is derived from the secret, and with neither secret nor
 * token only `insecure` may open it.
 */
export function resolveAdminAuth(input: AdminAuthInput): AdminAuth {
  if (input.token !== undefined) {
    if (input.token.length < 16)
      throw new AdminAuthError('the admin token must be at least 16 characters');
    return { kind: 'token', token: input.token };
  }
  if (isLoopbackHost(input.host)) return { kind: 'open', reason: 'loopback' };
  if (input.secret !== undefined && input.secret.length > 0)
    return { kind: 'token', token: adminTokenFromSecret(input.secret) };
  if (input.insecure === true) return { kind: 'open', reason: 'insecure' };
  throw new AdminAuthError(
    `the admin API on ${input.host} is reachable beyond this machine: give the cluster secret or an admin token, or insecure to run it open`,
  );
}

/**
 * Paths anyone may fetch: `/health` for liveness probes, and the dashboard's page and
 * static files, which hold no data (the page asks for the token before it reads any).
 */
export function isPublicPath(path: string, method: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  return path === '/health' || path === '/' || path.startsWith('/dashboard/');
}

/** True when the request carries the right `Authorization: Bearer` token (or none is needed). */
export function isAuthorized(req: IncomingMessage, auth: AdminAuth): boolean {
  if (auth.kind === 'open') return true;
  const header = req.headers.authorization;
  if (typeof header !== 'string') return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m?.[1]) return false;
  const given = Buffer.from(m[1]);
  const want = Buffer.from(auth.token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * Answers 401 to a request that needs the token and lacks it; true when it did. The
 * scheme is Bearer, never Basic, so a browser shows no login dialog of its own.
 */
export function rejectUnauthorized(
  req: IncomingMessage,
  res: ServerResponse,
  auth: AdminAuth,
): boolean {
  if (auth.kind === 'open') return false;
  const path = new URL(req.url ?? '/', 'http://admin').pathname;
  if (isPublicPath(path, req.method ?? 'GET') || isAuthorized(req, auth)) return false;
  const text = JSON.stringify({
    error: 'this admin API needs its token: Authorization: Bearer TOKEN',
  });
  res.writeHead(401, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'www-authenticate': 'Bearer realm="plumtree-admin"',
  });
  res.end(text);
  return true;
}
