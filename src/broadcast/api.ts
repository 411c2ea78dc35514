/**
 * The broadcast server's API as functions over its reference or registered name:
 * casts for broadcast and update, calls with timeouts for every query of the seed.
 */
import { call, cast, type Target } from '../actors/index.js';
import type { ExchangeSelector } from './core/index.js';
import { RemoteQueryError } from './remote-queries.js';
import type { ExchangeInfo, InfoOpt, PeersReply } from './server-types.js';

const DEFAULT_TIMEOUT = 5000;

/** Broadcasts `message` from this node through `handler` (a cast: returns at once). */
export function broadcast(server: Target, message: unknown, handler: string): void {
  cast(server, { type: 'broadcast', message, handler });
}

/** Tells the server the current membership. */
export function update(server: Target, members: readonly string[]): void {
  cast(server, { type: 'update', members });
}

/** The server's view of the members, sorted. */
export function broadcastMembers(server: Target, timeoutMs = DEFAULT_TIMEOUT): Promise<string[]> {
  return call(server, { type: 'broadcastMembers' }, timeoutMs);
}

/** This node's eager and lazy peers in the tree rooted at `root`. */
export function getPeers(
  server: Target,
  root: string,
  info?: readonly InfoOpt[],
  timeoutMs = DEFAULT_TIMEOUT,
): Promise<PeersReply> {
  return call(server, { type: 'getPeers', root, ...(info ? { info } : {}) }, timeoutMs);
}

export function getEagerPeers(
  server: Target,
  root: string,
  timeoutMs = DEFAULT_TIMEOUT,
): Promise<string[]> {
  return call(server, { type: 'getEagerPeers', root }, timeoutMs);
}

export function getLazyPeers(
  server: Target,
  root: string,
  timeoutMs = DEFAULT_TIMEOUT,
): Promise<string[]> {
  return call(server, { type: 'getLazyPeers', root }, timeoutMs);
}

/** Running exchanges started on this node, or (with `node`) on another node. */
export async function exchanges(
  server: Target,
  node?: string,
  timeoutMs = DEFAULT_TIMEOUT,
): Promise<ExchangeInfo[]> {
  if (node === undefined) return call(server, { type: 'exchanges' }, timeoutMs);
  const r = await call<{ ok: ExchangeInfo[] } | { error: string }>(
    server,
    { type: 'remoteExchanges', node, timeoutMs },
    timeoutMs + 1000,
  );
  if ('error' in r) throw new RemoteQueryError(`exchanges on ${node}: ${r.error}`);
  return r.ok;
}

/** Cancels the exchanges the selector picks; resolves with the ones cancelled. */
export function cancelExchanges(
  server: Target,
  selector: ExchangeSelector,
  timeoutMs = DEFAULT_TIMEOUT,
): Promise<ExchangeInfo[]> {
  return call(server, { type: 'cancelExchanges', selector }, timeoutMs);
}

/** The channel `handler`'s messages travel on. */
export function broadcastChannel(
  server: Target,
  handler: string,
  timeoutMs = DEFAULT_TIMEOUT,
): Promise<string> {
  return call(server, { type: 'broadcastChannel', handler }, timeoutMs);
}

/** The peers of `node` (this one or another) in the tree of `root`; rejects if it cannot be asked. */
export async function debugGetPeers(
  server: Target,
  node: string,
  root: string,
  info?: readonly InfoOpt[],
  timeoutMs = DEFAULT_TIMEOUT,
): Promise<PeersReply> {
  const r = await call<{ ok: PeersReply } | { error: string }>(
    server,
    { type: 'debugGetPeers', node, root, timeoutMs, ...(info ? { info } : {}) },
    timeoutMs + 1000,
  );
  if ('error' in r) throw new RemoteQueryError(`debugGetPeers on ${node}: ${r.error}`);
  return r.ok;
}

/** One row of {@link debugGetTree}. */
export interface TreeRow {
  readonly node: string;
  readonly peers: PeersReply | 'down';
}

/** The peers of every node in `nodes` in the tree of `root`; a node that fails is `'down'`. Never rejects. */
export async function debugGetTree(
  server: Target,
  root: string,
  nodes: readonly string[],
  info?: readonly InfoOpt[],
  timeoutMs = DEFAULT_TIMEOUT,
): Promise<TreeRow[]> {
  try {
    return await call<TreeRow[]>(
      server,
      { type: 'debugGetTree', root, nodes, timeoutMs, ...(info ? { info } : {}) },
      timeoutMs + 1000,
    );
  } catch {
    return nodes.map((node) => ({ node, peers: 'down' as const }));
  }
}
