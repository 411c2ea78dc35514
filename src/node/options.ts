import type { SystemRef } from '../actors/index.js';
import { AdminAuthError, resolveAdminAuth } from '../admin/admin-auth.js';
import type { PlumtreeOptions } from '../broadcast/core/index.js';
import type { BroadcastHandler } from '../broadcast/handler.js';
import type { ChannelsTlsOptions } from '../channels/tls.js';
import type { MetadataStoreOptions } from '../handlers/metadata/metadata-api.js';
import type { Logger } from '../log/logger.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import { parseHostPort } from '../peer-service/address.js';
import type { HyParViewOptions } from '../peer-service/core/index.js';
import { parseSeed } from '../peer-service/seed-resolver.js';

/** A channel of the node, beyond the `default` and `membership` ones that always exist. */
export interface NodeChannelOption {
  readonly name: string;
  readonly parallelism?: number;
  readonly monotonic?: boolean;
}

/** Options of {@link startNode} (contract section 2, plus the knobs a deployment needs). */
export interface NodeOptions {
  /** Unique in the cluster. */
  readonly name: string;
  /** Where the channels listen. Default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port; `node.address` tells which. Default 0. */
  readonly port?: number;
  /** The cluster secret; peers without it are refused. */
  readonly secret?: string;
  /** Run with no secret on purpose (any node that can reach this one may join); logs a warning. */
  readonly insecure?: boolean;
  /** Nodes of different clusters refuse each other. Default `plumtree`. */
  readonly cluster?: string;
  /**
   * The address peers dial, as `host:port`, when it is not where this node listens
   * (behind NAT, in a container or pod). It goes into this node's spec.
   */
  readonly advertise?: string;
  /**
   * Seeds to join at start: `host:port`, `dns:NAME[:PORT]` (every A/AAAA record of
   * NAME; the port defaults to this node's) or `srv:NAME` (SRV records). Names are
   * resolved again while the node has no peer.
   */
  readonly join?: readonly string[];
  /** Resolve `dns:` and `srv:` seeds with this server (`host:port`) instead of the system's. */
  readonly dnsServer?: string;
  /** ms between lookups of `dns:` and `srv:` seeds once the node has joined. Default 5000. */
  readonly discoveryIntervalMs?: number;
  /** How long start-up keeps retrying the seeds, and how long `join()` waits for an answer. Default 10000 ms. */
  readonly joinTimeoutMs?: number;
  readonly broadcast?: {
    /** The user's handlers; the built-in metadata store (and heartbeat, if on) are added. */
    readonly handlers?: readonly BroadcastHandler[];
    readonly lazyTickPeriod?: number;
    readonly exchangeTickPeriod?: number;
    /** Every other Plumtree option (delayed graft, tree optimisation, ...). */
    readonly options?: Partial<PlumtreeOptions>;
  };
  readonly channels?: readonly NodeChannelOption[];
  /** Serve the admin HTTP API on this port (0 = any free one); none if unset. */
  readonly adminPort?: number;
  /**
   * Default 127.0.0.1: the API can join and leave clusters, so it stays on loopback
   * unless asked. Anywhere else it needs `secret` (its token is then derived from it),
   * `adminToken`, or `insecure`.
   */
  readonly adminHost?: string;
  /**
   * The admin API's bearer token (at least 16 characters); always required when given.
   * Without it, an admin API beyond loopback uses HMAC-SHA256(secret, "plumtree admin token v1") in hex.
   */
  readonly adminToken?: string;
  /** Persist membership and the metadata store here; memory only if unset. */
  readonly dataDir?: string;
  /**
   * Membership: `full` (default) for up to a few hundred nodes, or `hyparview` partial
   * views for large clusters (the broadcast server then runs on the active view).
   */
  readonly overlay?: 'full' | 'hyparview';
  /** HyParView settings when `overlay` is `hyparview`. */
  readonly hyparview?: Partial<HyParViewOptions>;
  /** The membership heartbeat backend: off unless an interval is given. */
  readonly heartbeat?: { readonly intervalMs: number };
  /** ms between periodic membership gossip. Default 10000. */
  readonly periodicInterval?: number;
  /** Members each periodic membership gossip goes to, in turn. Default 3. */
  readonly periodicFanout?: number;
  /**
   * Remove a member from the cluster once every channel to it has been down this long
   * (ms; 0 = never). Default 60000. A node that was removed while alive (a partition
   * longer than this) comes back by itself once it reaches the others again.
   */
  readonly downAfterMs?: number;
  /**
   * Keepalive of each idle connection, for links TCP cannot tell are dead. Default:
   * ping after 60 s of silence, down after 180 s.
   */
  readonly ping?: { readonly intervalMs?: number; readonly timeoutMs?: number };
  /**
   * Failure detection (SWIM-style): one peer probed per period, through up to
   * `indirectProbes` others when it does not answer within `ackTimeoutMs`. Default:
   * every 1 s, indirect after 300 ms, 3 helpers.
   */
  readonly probe?: {
    readonly periodMs?: number;
    readonly ackTimeoutMs?: number;
    readonly indirectProbes?: number;
  };
  readonly tls?: ChannelsTlsOptions;
  /** Run inside the caller's nact system instead of a new one. */
  readonly system?: SystemRef;
  readonly logger?: Logger;
  /** Where this node's metrics go. Default: a registry of its own. */
  readonly metrics?: MetricsRegistry;
  /** Settings of the built-in metadata store (docs/metadata.md has the defaults). */
  readonly metadata?: NodeMetadataOptions;
}

/** The metadata store settings a node passes through. */
export type NodeMetadataOptions = Partial<
  Pick<
    MetadataStoreOptions,
    | 'tombstoneGraceMs'
    | 'forgetRetentionMs'
    | 'maxKeyLength'
    | 'maxValueBytes'
    | 'feedCapacity'
    | 'exchangeTimeoutMs'
    | 'writeQuorum'
    | 'writeTimeoutMs'
  >
>;
/** The default of `downAfterMs`: long enough to ride out a restart or a short network fault. */
export const DEFAULT_DOWN_AFTER_MS = 60_000;

/** The default of `discoveryIntervalMs`. */
export const DEFAULT_DISCOVERY_INTERVAL_MS = 5_000;

/** An option that cannot work, said before anything starts. */
export class NodeOptionsError extends Error {
  override readonly name = 'NodeOptionsError';
}

/** Checks the options a user is most likely to get wrong. */
export function checkNodeOptions(o: NodeOptions): void {
  if (typeof o.name !== 'string' || o.name.length === 0)
    throw new NodeOptionsError('name must be a non-empty string');
  const port = o.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new NodeOptionsError(`port must be an integer in 0..65535, got ${o.port}`);
  if (
    o.adminPort !== undefined &&
    (!Number.isInteger(o.adminPort) || o.adminPort < 0 || o.adminPort > 65535)
  ) {
    throw new NodeOptionsError(`adminPort must be an integer in 0..65535, got ${o.adminPort}`);
  }
  if (o.advertise !== undefined) {
    try {
      parseHostPort(o.advertise);
    } catch (e) {
      throw new NodeOptionsError(`advertise: ${(e as Error).message}`);
    }
  }
  for (const seed of o.join ?? []) {
    try {
      parseSeed(seed);
    } catch (e) {
      throw new NodeOptionsError(`join: ${(e as Error).message}`);
    }
  }
  if (
    o.discoveryIntervalMs !== undefined &&
    (!Number.isSafeInteger(o.discoveryIntervalMs) || o.discoveryIntervalMs < 1)
  )
    throw new NodeOptionsError('discoveryIntervalMs must be a positive integer');
  if (o.dnsServer !== undefined) {
    try {
      parseHostPort(o.dnsServer);
    } catch (e) {
      throw new NodeOptionsError(`dnsServer: ${(e as Error).message}`);
    }
  }
  if (o.overlay !== undefined && o.overlay !== 'full' && o.overlay !== 'hyparview')
    throw new NodeOptionsError(`overlay must be full or hyparview, got ${String(o.overlay)}`);
  if (o.adminHost !== undefined && (typeof o.adminHost !== 'string' || o.adminHost.length === 0))
    throw new NodeOptionsError('adminHost must be a non-empty string');
  try {
    resolveAdminAuth({
      host: o.adminHost ?? '127.0.0.1',
      ...(o.adminToken !== undefined ? { token: o.adminToken } : {}),
      ...(o.secret !== undefined ? { secret: o.secret } : {}),
      ...(o.insecure ? { insecure: true } : {}),
    });
  } catch (e) {
    if (e instanceof AdminAuthError) throw new NodeOptionsError(e.message);
    throw e;
  }
  if (o.downAfterMs !== undefined && (!Number.isSafeInteger(o.downAfterMs) || o.downAfterMs < 0))
    throw new NodeOptionsError(`downAfterMs must be a non-negative integer, got ${o.downAfterMs}`);
  if (o.heartbeat && !(o.heartbeat.intervalMs > 0))
    throw new NodeOptionsError('heartbeat.intervalMs must be > 0');
  for (const [k, v] of [
    ['broadcast.lazyTickPeriod', o.broadcast?.lazyTickPeriod],
    ['broadcast.exchangeTickPeriod', o.broadcast?.exchangeTickPeriod],
  ] as const) {
    if (v !== undefined && !(v > 0)) throw new NodeOptionsError(`${k} must be > 0 ms`);
  }
}
