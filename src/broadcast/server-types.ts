/**
 * The broadcast server's public types: its options, the casts and calls it accepts
 * and the shapes of its query answers.
 */

import type { Logger } from '../log/logger.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import type { Rng } from '../util/rng.js';
import type {
  ExchangeSelector,
  Outstanding,
  PlumtreeEvent,
  PlumtreeOptions,
} from './core/index.js';
import type { BroadcastHandler } from './handler.js';
import type { InboxBound } from './inbox-bound.js';
import type { BroadcastTransport } from './transport.js';

/** Extra information `getPeers` may add about each peer. */
export type InfoOpt = 'nodeSpec' | 'metadata' | 'distance';

/** Peers of this node in one tree, with optional per-peer information. */
export interface PeersReply {
  readonly eagers: string[];
  readonly lazys: string[];
  readonly info?: Record<string, Record<string, unknown>>;
}

/** A running exchange as the query API shows it (the handle stays inside). */
export interface ExchangeInfo {
  readonly ref: string;
  readonly handler: string;
  readonly peer: string;
}

/** Where the `start_link/0` variant reads membership: the peer service. */
export interface MembershipSource {
  members(): Promise<string[]>;
  /** Calls `fn` with every membership; a later subscription under `key` replaces this one. */
  subscribe(fn: (members: readonly string[]) => void, key: unknown): () => void;
}

/** Options of {@link spawnBroadcastServer}. */
export interface BroadcastServerOptions {
  /** This node's name. */
  readonly node: string;
  /** Every member at start (`start_link/5`); ignored when `peerService` is given. */
  readonly members?: readonly string[];
  /** Explicit initial eager peers of every tree; give both or neither with `lazys`. */
  readonly eagers?: readonly string[];
  readonly lazys?: readonly string[];
  readonly handlers: readonly BroadcastHandler[];
  readonly opts?: Partial<PlumtreeOptions>;
  readonly transport?: BroadcastTransport;
  /** Read and follow membership here (`start_link/0`), resubscribing on every restart. */
  readonly peerService?: MembershipSource;
  /**
   * The outstanding table, owned outside the server (as Partisan's supervisor owns its
   * ETS table) so a restarted server keeps its pending announcements.
   */
  readonly outstanding?: Outstanding;
  /**
   * The bound on frames queued for this server, shared with whatever casts `wire`
   * frames to it (the node's service router); each `wire` cast taken counts down.
   */
  readonly inbox?: InboxBound;
  /** Registered name; default `plumtree_broadcast@<node>`. */
  readonly name?: string;
  /** The information `getPeers` gives about a peer for the requested options. */
  readonly peerInfo?: (peer: string, opts: readonly InfoOpt[]) => Record<string, unknown>;
  readonly metrics?: MetricsRegistry;
  readonly logger?: Logger;
  readonly rng?: Rng;
}

/** Casts the server accepts (nact `dispatch` works the same). */
export type BroadcastCast =
  | { readonly type: 'broadcast'; readonly message: unknown; readonly handler: string }
  | { readonly type: 'update'; readonly members: readonly string[] }
  | { readonly type: 'wire'; readonly from: string; readonly msg: unknown }
  | { readonly type: 'peerUp' | 'peerDown'; readonly peer: string }
  /** @internal An async handler answer. */
  | { readonly type: 'core'; readonly event: PlumtreeEvent };

/** Calls the server answers (nact `query` with `replyTo` works the same). */
export type BroadcastCall =
  | { readonly type: 'broadcastMembers' }
  | { readonly type: 'getPeers'; readonly root: string; readonly info?: readonly InfoOpt[] }
  | { readonly type: 'getEagerPeers'; readonly root: string }
  | { readonly type: 'getLazyPeers'; readonly root: string }
  | { readonly type: 'exchanges' }
  | { readonly type: 'remoteExchanges'; readonly node: string; readonly timeoutMs: number }
  | { readonly type: 'cancelExchanges'; readonly selector: ExchangeSelector }
  | { readonly type: 'broadcastChannel'; readonly handler: string }
  | {
      readonly type: 'debugGetPeers';
      readonly node: string;
      readonly root: string;
      readonly info?: readonly InfoOpt[];
      readonly timeoutMs: number;
    }
  | {
      readonly type: 'debugGetTree';
      readonly root: string;
      readonly nodes: readonly string[];
      readonly info?: readonly InfoOpt[];
      readonly timeoutMs: number;
    }
  | { readonly type: 'outstanding' };
