/**
 * The admin API's routes for the replicated metadata store: `GET|PUT|DELETE /kv/:key`,
 * `GET /kv` (paginated listing) and `GET /watch` (Server-Sent Events). Prefixes are
 * written `PREFIX/SUBPREFIX` in `?prefix=` (default `kv/default`); `/watch` also takes
 * `PREFIX` alone for every sub-prefix. Contexts and cursors are opaque strings.
 * Every refusal is a 4xx with `{ error }`, and refuses before anything is written.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Sibling } from '../handlers/metadata/object.js';
import type { FullPrefix } from '../handlers/metadata/prefix.js';
import { lwwResolver } from '../handlers/metadata/resolver.js';
import { isVersionVector, type VersionVector } from '../handlers/metadata/version-vector.js';
import type { KvStore } from './backend.js';
import { readJsonBody, sendJson } from './json-io.js';
import { openEventStream } from './sse.js';

/** The prefix of keys given without `?prefix=`. */
export const DEFAULT_KV_PREFIX: FullPrefix = ['kv', 'default'];
/** Longest prefix part accepted, characters. */
export const PREFIX_PART_MAX = 128;
/** Page size of `GET /kv` when `limit` is absent, and its largest value. */
export const LIST_DEFAULT_LIMIT = 100;
export const LIST_MAX_LIMIT = 1000;

/** A refusal with its HTTP status. */
export class KvRequestError extends Error {
  override readonly name = 'KvRequestError';
  constructor(
    readonly status: number,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Options of {@link routeKv}. */
export interface KvRouteOptions {
  readonly maxBodyBytes: number;
  /** Heartbeat of watch streams, ms (default 15 s). */
  readonly heartbeatMs?: number;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, body);
}

function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  return readJsonBody(req, limit, (status, message) => new KvRequestError(status, message));
}

/** `PREFIX/SUBPREFIX` (or `PREFIX` alone where `allowTop`) to a prefix. */
export function parsePrefixParam(
  raw: string | null,
  allowTop: boolean,
): FullPrefix | readonly [string] {
  if (raw === null) return DEFAULT_KV_PREFIX;
  const parts = raw.split('/');
  const ok = parts.every((p) => p.length > 0 && p.length <= PREFIX_PART_MAX);
  if (ok && parts.length === 2) return [parts[0] as string, parts[1] as string];
  if (ok && parts.length === 1 && allowTop) return [parts[0] as string];
  const forms = allowTop ? '"PREFIX" or "PREFIX/SUBPREFIX"' : '"PREFIX/SUBPREFIX"';
  throw new KvRequestError(
    400,
    `unknown prefix form ${JSON.stringify(raw)}: expected ${forms}, parts of 1..${PREFIX_PART_MAX} characters`,
  );
}

function fullPrefixParam(url: URL): FullPrefix {
  return parsePrefixParam(url.searchParams.get('prefix'), false) as FullPrefix;
}

/** The opaque text of a context: base64url of the clock's JSON. */
export function encodeContext(clock: VersionVector): string {
  return Buffer.from(JSON.stringify(clock)).toString('base64url');
}

/** The inverse of {@link encodeContext}; a 400 for anything else. */
export function decodeContext(raw: unknown): VersionVector {
  if (typeof raw !== 'string' || !/^[A-Za-z0-9_-]*$/.test(raw)) {
    throw new KvRequestError(400, 'malformed context: expected the string a GET returned');
  }
  let clock: unknown;
  try {
    clock = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new KvRequestError(400, 'malformed context: expected the string a GET returned');
  }
  if (!isVersionVector(clock)) {
    throw new KvRequestError(400, 'malformed context: expected the string a GET returned');
  }
  return clock;
}

function encodeCursor(prefix: FullPrefix, key: string): string {
  return Buffer.from(JSON.stringify([prefix[0], prefix[1], key])).toString('base64url');
}

function decodeCursor(raw: string, prefix: FullPrefix): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      parsed[0] === prefix[0] &&
      parsed[1] === prefix[1] &&
      typeof parsed[2] === 'string'
    ) {
      return parsed[2];
    }
  } catch {
    // falls through to the refusal
  }
  throw new KvRequestError(400, 'malformed cursor: expected the cursor of a page of this prefix');
}

/** `?w=N|auto`: the write quorum of one PUT or DELETE (absent: the node's default). */
function writeQuorumParam(url: URL): number | 'auto' | undefined {
  const raw = url.searchParams.get('w');
  if (raw === null) return undefined;
  if (raw === 'auto') return 'auto';
  const w = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(w) || w < 1) {
    throw new KvRequestError(
      400,
      `w must be an integer >= 1 or "auto", got ${JSON.stringify(raw)}`,
    );
  }
  return w;
}

function decodeKey(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new KvRequestError(400, 'key is not valid percent-encoding');
  }
}

/** A sibling as clients see it. */
function siblingView(s: Sibling): Record<string, unknown> {
  return s.kind === 'value'
    ? { value: s.value, writtenAt: s.timestamp }
    : { deleted: true, writtenAt: s.timestamp };
}

/** `{ key, value, siblings?, context }`: siblings only when writes were concurrent. */
function entryView(
  key: string,
  value: unknown,
  siblings: readonly Sibling[],
  context: VersionVector,
): Record<string, unknown> {
  return {
    key,
    value: value ?? null,
    ...(siblings.length > 1 ? { siblings: siblings.map(siblingView) } : {}),
    context: encodeContext(context),
  };
}

function currentView(store: KvStore, prefix: FullPrefix, key: string): Record<string, unknown> {
  const read = store.read(prefix, key);
  if (read === undefined) return { key, context: encodeContext([]) };
  const value = read.deleted ? null : resolvedValue(read.siblings);
  return { ...entryView(key, value, read.siblings, read.context), deleted: read.deleted };
}

/** The value `get` resolves to (the LWW pick among live values), or undefined. */
function resolvedValue(siblings: readonly Sibling[]): unknown {
  const resolution = lwwResolver(siblings);
  return resolution.kind === 'value' ? resolution.value : undefined;
}

/** Maps the store's typed refusals to statuses. */
function refusal(e: unknown): KvRequestError | undefined {
  if (e instanceof KvRequestError) return e;
  const name = e instanceof Error ? e.name : '';
  const message = e instanceof Error ? e.message : String(e);
  switch (name) {
    case 'ValueTooLargeError':
      return new KvRequestError(413, message);
    case 'KeyTooLongError':
    case 'InvalidKeyError':
    case 'InvalidPrefixError':
    case 'MalformedDataError':
    case 'InvalidMetadataOptionError':
      return new KvRequestError(400, message);
    case 'WriteQuorumError': {
      const q = e as Error & { reason: string; needed: number; replicas: readonly string[] };
      return new KvRequestError(503, message, {
        reason: q.reason,
        needed: q.needed,
        replicas: q.replicas,
      });
    }
    default:
      return undefined;
  }
}

async function keyRoute(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  store: KvStore,
  options: KvRouteOptions,
): Promise<void> {
  const method = req.method ?? 'GET';
  const key = decodeKey(url.pathname.slice('/kv/'.length));
  const prefix = fullPrefixParam(url);
  if (key.length === 0) throw new KvRequestError(400, 'key must not be empty');
  switch (method) {
    case 'GET': {
      const read = store.read(prefix, key);
      if (read === undefined || read.deleted) {
        return send(res, 404, { error: `no such key: ${key}`, ...currentView(store, prefix, key) });
      }
      return send(
        res,
        200,
        entryView(key, resolvedValue(read.siblings), read.siblings, read.context),
      );
    }
    case 'PUT': {
      const body = await readJson(req, options.maxBodyBytes);
      if (typeof body !== 'object' || body === null || Array.isArray(body) || !('value' in body)) {
        throw new KvRequestError(400, 'body must be { "value": any, "context"?: string }');
      }
      const { value, context } = body as { value: unknown; context?: unknown };
      const clock = context === undefined ? undefined : decodeContext(context);
      const w = writeQuorumParam(url);
      const result = await store.put(prefix, key, value, {
        ...(clock !== undefined ? { context: clock, compareAndSet: true } : {}),
        ...(w !== undefined ? { w } : {}),
      });
      return send(res, 200, {
        ok: true,
        context: encodeContext(result.context),
        replicas: result.replicas,
      });
    }
    case 'DELETE': {
      const raw = url.searchParams.get('context');
      const clock = raw === null ? undefined : decodeContext(raw);
      const w = writeQuorumParam(url);
      const read = store.read(prefix, key);
      if (read === undefined || (read.deleted && clock === undefined)) {
        return send(res, 404, { error: `no such key: ${key}`, ...currentView(store, prefix, key) });
      }
      const result = await store.delete(prefix, key, {
        ...(clock !== undefined ? { context: clock, compareAndSet: true } : {}),
        ...(w !== undefined ? { w } : {}),
      });
      return send(res, 200, {
        ok: true,
        context: encodeContext(result.context),
        replicas: result.replicas,
      });
    }
    default:
      throw new KvRequestError(405, `${method} not allowed on /kv/:key; use GET, PUT or DELETE`);
  }
}

function listRoute(res: ServerResponse, url: URL, store: KvStore): void {
  const prefix = fullPrefixParam(url);
  const rawLimit = url.searchParams.get('limit');
  const limit = rawLimit === null ? LIST_DEFAULT_LIMIT : Number(rawLimit);
  if (
    !/^\d+$/.test(rawLimit ?? '1') ||
    !Number.isSafeInteger(limit) ||
    limit < 1 ||
    limit > LIST_MAX_LIMIT
  ) {
    throw new KvRequestError(400, `limit must be an integer 1..${LIST_MAX_LIMIT}`);
  }
  const cursor = url.searchParams.get('cursor');
  const after = cursor === null ? undefined : decodeCursor(cursor, prefix);
  const page = store.list(prefix, { limit, ...(after !== undefined ? { after } : {}) });
  send(res, 200, {
    prefix: `${prefix[0]}/${prefix[1]}`,
    entries: page.entries.map((e) => entryView(e.key, e.value, e.siblings, e.context)),
    ...(page.next !== undefined ? { cursor: encodeCursor(prefix, page.next) } : {}),
  });
}

function watchRoute(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  store: KvStore,
  options: KvRouteOptions,
): void {
  const scope = parsePrefixParam(url.searchParams.get('prefix'), true);
  const header = req.headers['last-event-id'];
  const since = url.searchParams.get('since') ?? (typeof header === 'string' ? header : undefined);
  const stream = openEventStream(req, res, {
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
  });
  // Tells the client the stream is live before any replayed change.
  if (since !== undefined) stream.send('ready', { prefix: scope.join('/') });
  const watch = store.watch(
    scope,
    (event) => {
      if (event.type === 'reset') {
        stream.send('reset', { reason: `too far behind, re-list: ${event.reason}` }, event.token);
        return;
      }
      stream.send(
        event.type,
        {
          prefix: `${event.prefix[0]}/${event.prefix[1]}`,
          ...entryView(event.key, event.value, event.siblings, event.context),
        },
        event.token,
      );
    },
    since !== undefined ? { since } : {},
  );
  // Without a token, tells the client where the stream starts, so it can resume.
  if (since === undefined) stream.send('ready', { prefix: scope.join('/') }, watch.startToken);
  stream.onClose(() => watch.close());
}

/**
 * Answers `/kv`, `/kv/:key` and `/watch`; false for any other path, which the caller
 * routes on. Refusals are answered here, so the caller only sees unexpected errors.
 */
export async function routeKv(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  store: KvStore,
  options: KvRouteOptions,
): Promise<boolean> {
  const path = url.pathname;
  const method = req.method ?? 'GET';
  if (path !== '/kv' && path !== '/watch' && !path.startsWith('/kv/')) return false;
  try {
    if (path === '/kv') {
      if (method !== 'GET') throw new KvRequestError(405, `${method} not allowed on /kv; use GET`);
      listRoute(res, url, store);
    } else if (path === '/watch') {
      if (method !== 'GET')
        throw new KvRequestError(405, `${method} not allowed on /watch; use GET`);
      watchRoute(req, res, url, store, options);
    } else {
      await keyRoute(req, res, url, store, options);
    }
  } catch (e) {
    if (e instanceof Error && e.name === 'StaleContextError') {
      const key = (e as Error & { key: string }).key;
      send(res, 409, { error: e.message, ...currentView(store, fullPrefixParam(url), key) });
      return true;
    }
    const r = refusal(e);
    if (r === undefined || res.headersSent) throw e;
    send(res, r.status, { error: r.message, ...r.body });
  }
  return true;
}
