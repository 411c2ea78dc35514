/**
 * The broadcast server's queries about trees, here or on other nodes: peers with
 * optional per-peer information, and the debug queries that ask other servers
 * through the transport. None of them can fail the server: a `peerInfo` that throws
 * or answers a non-object gives no information for that peer, and a node that cannot
 * be asked is reported as such.
 */
import type { Logger } from '../log/logger.js';
import { type Exchange, getPeers, type PlumtreeState } from './core/index.js';
import { parsePeerInfo } from './handler-answers.js';
import type { BroadcastCall, ExchangeInfo, InfoOpt, PeersReply } from './server-types.js';
import type { BroadcastTransport } from './transport.js';

/** Why a remote query failed: the answer of a peer that is down or does not answer. */
export class RemoteQueryError extends Error {
  override readonly name = 'RemoteQueryError';
}

/** How the server describes a peer for `getPeers` with info options. */
export type PeerInfoFn = (peer: string, opts: readonly InfoOpt[]) => Record<string, unknown>;

/** A running exchange as the query API shows it (the handle stays inside). */
export function exchangeInfo(e: Exchange): ExchangeInfo {
  return { ref: e.ref, handler: e.handler, peer: e.peer };
}

/** The eager and lazy peers of this node in the tree of `root`, sorted, with info when asked. */
export function peersReply(
  core: PlumtreeState,
  root: string,
  info: readonly InfoOpt[] | undefined,
  peerInfo: PeerInfoFn | undefined,
  logger: Logger,
): PeersReply {
  const { eagers, lazys } = getPeers(core, root);
  const base = { eagers: [...eagers].sort(), lazys: [...lazys].sort() };
  if (!info || info.length === 0) return base;
  const all: Record<string, Record<string, unknown>> = {};
  for (const peer of [...base.eagers, ...base.lazys]) {
    all[peer] = describePeer(peer, info, peerInfo, logger);
  }
  return { ...base, info: all };
}

function describePeer(
  peer: string,
  info: readonly InfoOpt[],
  peerInfo: PeerInfoFn | undefined,
  logger: Logger,
): Record<string, unknown> {
  if (peerInfo === undefined) return {};
  try {
    return parsePeerInfo(peerInfo(peer, info));
  } catch (error) {
    logger.error('peerInfo failed; no information given for this peer', {
      handler: 'peerInfo',
      peer,
      error,
    });
    return {};
  }
}

/** Asks the broadcast server on `node` through the transport. */
export async function askRemote(
  transport: BroadcastTransport | undefined,
  node: string,
  request: BroadcastCall,
  timeoutMs: number,
): Promise<unknown> {
  if (!transport?.call) throw new RemoteQueryError(`no transport to ask ${node}`);
  return transport.call(node, request, timeoutMs);
}

/** Resolves with `{ ok }` or `{ error: message }`: the reply shape of the remote calls. Never rejects. */
export function settle(p: Promise<unknown>): Promise<{ ok: unknown } | { error: string }> {
  return p.then(
    (ok) => ({ ok }),
    (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
  );
}

/** One row of a tree query: a node's peers, or `'down'` if it could not be asked. */
export interface TreeQueryRow {
  readonly node: string;
  readonly peers: PeersReply | 'down';
}

/**
 * The peers of every node in `nodes` in the tree of `root`: `local` answers for this
 * node, `remote` for the others. Never rejects: any failure is that node's `'down'`.
 */
export function gatherTree(
  nodes: readonly string[],
  self: string,
  local: () => PeersReply,
  remote: (node: string) => Promise<unknown>,
): Promise<TreeQueryRow[]> {
  const ask = async (node: string): Promise<TreeQueryRow> => {
    try {
      const peers = node === self ? local() : ((await remote(node)) as PeersReply);
      return { node, peers };
    } catch {
      return { node, peers: 'down' };
    }
  };
  return Promise.all(nodes.map(ask));
}
