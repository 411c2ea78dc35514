/**
 * A node you can run: `startNode` builds the root supervision tree and returns the
 * `Node` of the contract, whose methods ask the actors with timeouts.
 *
 * Root (one_for_one, 10 restarts in 10 s, as Partisan's):
 *   peer_service (rest_for_one: channels, events, manager)
 *   broadcast    (the Plumtree server; the outstanding table is owned here, outside it)
 *   heartbeat    (the membership heartbeat backend, when on)
 *   metadata_rpc (answers peers' anti-entropy requests for the metadata store)
 *   admin        (the admin HTTP API, when a port is given)
 * The tree stops in reverse order; the metadata store closes after it.
 */
import { EventEmitter } from 'node:events';
import {
  type ActorRef,
  type SystemRef,
  spawnServer,
  start,
  stopServer,
  stop as stopSystem,
} from '../actors/index.js';
import { resolveAdminAuth } from '../admin/admin-auth.js';
import type { AdminBackend } from '../admin/backend.js';
import type { DashboardBackend } from '../admin/dashboard-backend.js';
import { renderPrometheus } from '../admin/prometheus.js';
import * as api from '../broadcast/api.js';
import { type ExchangeSelector, Outstanding } from '../broadcast/core/index.js';
import type { BroadcastHandler } from '../broadcast/handler.js';
import {
  broadcastServerName,
  type ExchangeInfo,
  type InfoOpt,
  type PeersReply,
  spawnBroadcastServer,
} from '../broadcast/server.js';
import { type Channels, channelsChildSpec } from '../channels/channels.js';
import { DEFAULT_CHANNEL, type NodeSpec } from '../channels/node-spec.js';
import { createHeartbeatHandler, heartbeatBackendBehaviour } from '../handlers/heartbeat/index.js';
import { createMetadataHandler } from '../handlers/metadata/handler.js';
import { MetadataStore } from '../handlers/metadata/metadata-api.js';
import { createLogger, type Logger } from '../log/logger.js';
import { globalMetrics, MetricsRegistry } from '../metrics/registry.js';
import { parseHostPort } from '../peer-service/address.js';
import { defaultHyParViewOptions } from '../peer-service/core/index.js';
import { discoveryBehaviour } from '../peer-service/discovery.js';
import { NotReachableError } from '../peer-service/errors.js';
import { type PeerService, peerServiceChildSpec } from '../peer-service/peer-service.js';
import { createDnsLookup, isDiscoverySeed, parseSeed } from '../peer-service/seed-resolver.js';
import { startSupervisor } from '../supervisor/index.js';
import { systemRng } from '../util/rng.js';
import { adminActorBehaviour } from './admin-actor.js';
import { createDashboardSource } from './dashboard-source.js';
import { metadataRpcBehaviour, metadataRpcName } from './metadata-rpc.js';
import {
  checkNodeOptions,
  DEFAULT_DISCOVERY_INTERVAL_MS,
  DEFAULT_DOWN_AFTER_MS,
  type NodeOptions,
} from './options.js';
import { ServiceRouter } from './service-router.js';

/** The metadata store's prefix for the admin API's `/kv` keys. */
export const KV_PREFIX = ['kv', 'default'] as const;

type NodeEvent = 'up' | 'down' | 'membership' | 'reaped';

/** A running node (contract section 2). */
export class PlumtreeNode {
  private readonly events = new EventEmitter();
  private stopped = false;
  private readonly dashboard: DashboardBackend;

  /** @internal Use {@link startNode}. */
  constructor(
    readonly name: string,
    private readonly parts: {
      readonly system: SystemRef;
      readonly ownSystem: boolean;
      readonly root: ActorRef;
      readonly peerService: PeerService;
      readonly router: ServiceRouter;
      readonly channels: Channels;
      readonly store: MetadataStore;
      readonly handlers: readonly BroadcastHandler[];
      readonly registry: MetricsRegistry;
      readonly adminPort: { port: number | undefined };
      readonly address: { host: string; port: number };
      readonly logger: Logger;
      readonly overlay?: 'full' | 'hyparview';
    },
  ) {
    this.dashboard = createDashboardSource({
      name,
      overlay: parts.overlay ?? 'full',
      address: parts.address,
      peerService: parts.peerService,
      channels: parts.channels,
      store: parts.store,
      kvPrefix: KV_PREFIX,
      registry: parts.registry,
      broadcastMembers: () => this.broadcastMembers(),
      getPeers: (root) => this.getPeers(root),
      debugGetTree: (root, nodes, timeoutMs) => this.debugGetTree(root, nodes, [], timeoutMs),
    });
    const ps = parts.peerService;
    ps.onUp('*', (p) => void this.events.emit('up', p));
    ps.onDown('*', (p) => void this.events.emit('down', p));
    ps.onReaped((p, downForMs) => void this.events.emit('reaped', { peer: p, downForMs }));
    ps.subscribe((m) => void this.events.emit('membership', m), 'node');
  }

  /** Where the channels listen. */
  get address(): { host: string; port: number } {
    return this.parts.address;
  }

  /** The admin API's port, if it runs. */
  get adminPort(): number | undefined {
    return this.parts.adminPort.port;
  }

  /** This node's spec as peers see it. */
  get spec(): NodeSpec {
    return this.parts.peerService.nodeSpec();
  }

  /** The node's channels: connections, queues, and `block` / `unblock` of a peer. */
  get channels(): Channels {
    return this.parts.channels;
  }

  /** The replicated metadata store (the built-in `metadata` handler). */
  get metadata(): MetadataStore {
    return this.parts.store;
  }

  private get server(): string {
    return broadcastServerName(this.name);
  }

  /** Joins the cluster of a `host:port` seed. */
  join(peer: string): Promise<void> {
    return this.parts.peerService.join(peer);
  }

  /** Joins, then resolves once this node is connected to every member. */
  syncJoin(peer: string, timeoutMs?: number): Promise<void> {
    return this.parts.peerService.syncJoin(peer, timeoutMs);
  }

  /** Leaves the cluster (no name), or removes another member. */
  leave(member?: string): Promise<void> {
    return this.parts.peerService.leave(member);
  }

  /** The members as last published by the peer service, sorted, this node included. */
  members(): string[] {
    return [...this.parts.peerService.lastMembers()];
  }

  /** Broadcasts `msg` through the handler named `handler` (a cast: returns at once). */
  broadcast(msg: unknown, handler: string): void {
    api.broadcast(this.server, msg, handler);
  }

  broadcastMembers(timeoutMs?: number): Promise<string[]> {
    return api.broadcastMembers(this.server, timeoutMs);
  }

  getPeers(root: string, infoOpts?: readonly InfoOpt[]): Promise<PeersReply> {
    return api.getPeers(this.server, root, infoOpts);
  }

  debugGetPeers(
    node: string,
    root: string,
    infoOpts?: readonly InfoOpt[],
    timeoutMs?: number,
  ): Promise<PeersReply> {
    return api.debugGetPeers(this.server, node, root, infoOpts, timeoutMs);
  }

  debugGetTree(
    root: string,
    nodes: readonly string[],
    infoOpts?: readonly InfoOpt[],
    timeoutMs?: number,
  ): Promise<api.TreeRow[]> {
    return api.debugGetTree(this.server, root, nodes, infoOpts, timeoutMs);
  }

  exchanges(node?: string, timeoutMs?: number): Promise<ExchangeInfo[]> {
    return api.exchanges(this.server, node, timeoutMs);
  }

  cancelExchanges(selector: ExchangeSelector): Promise<ExchangeInfo[]> {
    return api.cancelExchanges(this.server, selector);
  }

  /** The channel a handler's messages travel on (the default channel for an unknown handler). */
  broadcastChannel(handler: string): string {
    const h = this.parts.handlers.find((x) => x.name === handler);
    try {
      return h?.broadcastChannel?.() ?? DEFAULT_CHANNEL;
    } catch {
      return DEFAULT_CHANNEL;
    }
  }

  /** Tells the broadcast server a membership (normally the peer service does). */
  update(members: readonly string[]): void {
    api.update(this.server, members);
  }

  on(event: NodeEvent, listener: (arg: never) => void): this {
    this.events.on(event, listener as (...a: unknown[]) => void);
    return this;
  }

  off(event: NodeEvent, listener: (arg: never) => void): this {
    this.events.off(event, listener as (...a: unknown[]) => void);
    return this;
  }

  /** This node's metrics (and the process-wide ones) in Prometheus text format. */
  metrics(): Promise<string> {
    return renderPrometheus([this.parts.registry, globalMetrics]);
  }

  /** The admin API's view of this node. */
  adminBackend(): AdminBackend {
    return {
      name: this.name,
      members: () => this.broadcastMembers(),
      peers: (root) => this.getPeers(root),
      tree: async (root) => {
        const rows = await this.debugGetTree(root, await this.broadcastMembers());
        return Object.fromEntries(
          rows.map((r) => [
            r.node,
            r.peers === 'down' ? 'down' : { eagers: r.peers.eagers, lazys: r.peers.lazys },
          ]),
        );
      },
      exchanges: () => this.exchanges(),
      kvPut: async (key, value) => {
        await this.parts.store.put(KV_PREFIX, key, value);
      },
      kvGet: async (key) => {
        const read = this.parts.store.read(KV_PREFIX, key);
        if (!read || read.deleted) return { found: false };
        return { found: true, value: await this.parts.store.get(KV_PREFIX, key) };
      },
      kvDelete: async (key) => {
        await this.parts.store.delete(KV_PREFIX, key);
      },
      dashboard: this.dashboard,
      join: (peer) => this.join(peer),
      leave: () => this.leave(),
      removeMember: (member) => this.leave(member),
      metrics: () => this.metrics(),
      kvStore: () => this.parts.store,
    };
  }

  /** Stops the whole tree in reverse start order and closes the store; no handle stays open. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await stopServer(this.parts.root, 'shutdown', 'infinity');
    await this.parts.peerService.stop();
    this.parts.router.close();
    await this.parts.store.close();
    if (this.parts.ownSystem) stopSystem(this.parts.system);
    this.events.removeAllListeners();
  }
}

/** The contract's name for a running node. */
export type Node = PlumtreeNode;

async function joinSeeds(
  ps: PeerService,
  seeds: readonly string[],
  timeoutMs: number,
  logger: Logger,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  let last: unknown;
  for (;;) {
    for (const seed of seeds) {
      try {
        await ps.join(seed);
        return;
      } catch (e) {
        last = e;
        // A seed that says "that is you" or "not an address" will not change its mind.
        if (e instanceof Error && (e.name === 'SelfJoinError' || e.name === 'InvalidAddressError'))
          throw e;
        logger.debug('seed not reachable yet', { seed, error: e });
      }
    }
    if (Date.now() + delay > deadline) {
      throw new NotReachableError(`no seed answered within ${timeoutMs} ms (${seeds.join(', ')})`, {
        cause: last,
      });
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 2000);
  }
}

/** Starts a node: channels, peer service, broadcast server, metadata store and (optionally) admin API. */
export async function startNode(options: NodeOptions): Promise<PlumtreeNode> {
  checkNodeOptions(options);
  const name = options.name;
  const logger = (options.logger ?? createLogger()).child({ node: name });
  const registry = options.metrics ?? new MetricsRegistry();
  const ownSystem = options.system === undefined;
  const system = options.system ?? start();
  const host = options.host ?? '127.0.0.1';

  const { spec: channelsSpec, channels } = channelsChildSpec({
    spec: {
      name,
      listenAddrs: [{ host, port: options.port ?? 0 }],
      channels: (options.channels ?? []).map((c) => ({ ...c })),
    },
    ...(options.cluster ? { cluster: options.cluster } : {}),
    ...(options.secret !== undefined ? { secret: options.secret } : {}),
    ...(options.insecure ? { insecure: true } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.ping ? { ping: options.ping } : {}),
    ...(options.probe ? { probe: options.probe } : {}),
    ...(options.advertise !== undefined ? { advertise: [parseHostPort(options.advertise)] } : {}),
    metrics: registry,
    logger,
  });
  const router = new ServiceRouter(channels, name);
  const { spec: peerServiceSpec, service: peerService } = peerServiceChildSpec({
    transport: router.peerTransport(),
    transportChild: channelsSpec,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.periodicInterval ? { periodicInterval: options.periodicInterval } : {}),
    ...(options.periodicFanout ? { periodicFanout: options.periodicFanout } : {}),
    // The same bound for `node.join()` as for the seeds joined at start.
    ...(options.joinTimeoutMs !== undefined ? { joinTimeoutMs: options.joinTimeoutMs } : {}),
    downAfterMs: options.downAfterMs ?? DEFAULT_DOWN_AFTER_MS,
    ...(options.overlay ? { overlay: options.overlay } : {}),
    ...(options.hyparview ? { hyparview: options.hyparview } : {}),
    logger,
    metrics: registry,
  });

  const bTransport = router.broadcastTransport();
  const quorumCounter = registry.counter(
    'plumtree_metadata_write_quorum_total',
    'Writes by how their wait for the write quorum ended (local, met, unreachable, timeout)',
  );
  const store = await MetadataStore.open({
    node: name,
    broadcast: (m) => api.broadcast(broadcastServerName(name), m, 'metadata'),
    rpc: {
      call: async (peer, request, timeoutMs) => {
        const r = await channels.callRemote<{ ok: unknown } | { error: string }>(
          { name: 'metadata', node: peer },
          request,
          timeoutMs,
        );
        if ('error' in r) throw new Error(`exchange with ${peer} failed: ${r.error}`);
        return r.ok as never;
      },
    },
    ...(options.dataDir ? { dataDir: `${options.dataDir}/metadata` } : {}),
    members: () => peerService.lastMembers(),
    // A write is pushed only to members with a live channel: a connected non-member
    // (a probe, a removed node) is no place to keep the only other copy.
    reachablePeers: () => {
      const members = new Set(peerService.lastMembers());
      return channels.connectedPeers().filter((p) => p !== name && members.has(p));
    },
    onWriteQuorum: (outcome) =>
      quorumCounter.inc({ outcome: outcome.kind === 'failed' ? outcome.reason : outcome.kind }),
    ...options.metadata,
    onError: (error) => logger.warn('metadata store', { error }),
  });

  const heartbeat = options.heartbeat ? createHeartbeatHandler() : undefined;
  const handlers: BroadcastHandler[] = [
    createMetadataHandler(store) as BroadcastHandler,
    ...(heartbeat ? [heartbeat as BroadcastHandler] : []),
    ...(options.broadcast?.handlers ?? []),
  ];
  const outstanding = new Outstanding();
  const adminAuth = resolveAdminAuth({
    host: options.adminHost ?? '127.0.0.1',
    ...(options.adminToken !== undefined ? { token: options.adminToken } : {}),
    ...(options.secret !== undefined ? { secret: options.secret } : {}),
    ...(options.insecure ? { insecure: true } : {}),
  });
  if (
    options.adminPort !== undefined &&
    adminAuth.kind === 'open' &&
    adminAuth.reason === 'insecure'
  )
    logger.warn('the admin API is open to anyone who can reach it (insecure)', {
      host: options.adminHost,
    });
  const adminBound = { port: undefined as number | undefined };
  // dns: and srv: seeds are found and joined in the background (the first node of a
  // StatefulSet finds only itself); HOST:PORT seeds are joined before start returns.
  const discoverySeeds = (options.join ?? []).filter(isDiscoverySeed);
  const staticSeeds = (options.join ?? []).filter((s) => !isDiscoverySeed(s));
  let node: PlumtreeNode | undefined;

  let root: ActorRef;
  try {
    root = await startSupervisor(system, {
      strategy: 'one_for_one',
      intensity: 10,
      period: 10_000,
      children: [
        peerServiceSpec,
        {
          id: 'broadcast',
          start: (p) =>
            spawnBroadcastServer(p, {
              node: name,
              handlers,
              transport: bTransport,
              peerService,
              outstanding,
              inbox: router.inbox,
              metrics: registry,
              logger,
              peerInfo: (peer, opts) => peerInfo(channels, peer, opts),
              opts: {
                ...(options.broadcast?.lazyTickPeriod
                  ? { lazyTickPeriod: options.broadcast.lazyTickPeriod }
                  : {}),
                ...(options.broadcast?.exchangeTickPeriod
                  ? { exchangeTickPeriod: options.broadcast.exchangeTickPeriod }
                  : {}),
                ...options.broadcast?.options,
              },
            }),
        },
        ...(options.heartbeat
          ? [
              {
                id: 'heartbeat',
                start: (p: ActorRef) =>
                  spawnServer(
                    p,
                    heartbeatBackendBehaviour,
                    {
                      node: name,
                      server: broadcastServerName(name),
                      intervalMs: options.heartbeat?.intervalMs ?? 1000,
                    },
                    { name: `heartbeat@${name}` },
                  ),
              },
            ]
          : []),
        {
          id: 'metadata_rpc',
          start: (p) =>
            spawnServer(p, metadataRpcBehaviour, store, { name: metadataRpcName(name) }),
        },
        ...(discoverySeeds.length > 0
          ? [
              {
                id: 'discovery',
                start: (p: ActorRef) =>
                  spawnServer(
                    p,
                    discoveryBehaviour,
                    {
                      seeds: discoverySeeds.map(parseSeed),
                      dns: createDnsLookup(options.dnsServer),
                      peerService,
                      defaultPort: portForDns(options),
                      wantsMore: wantsMorePeers(options),
                      intervalMs: options.discoveryIntervalMs ?? DEFAULT_DISCOVERY_INTERVAL_MS,
                      rng: systemRng,
                      logger: logger.child({ component: 'discovery' }),
                    },
                    { name: `discovery@${name}` },
                  ),
              },
            ]
          : []),
        ...(options.adminPort !== undefined
          ? [
              {
                id: 'admin',
                start: (p: ActorRef) =>
                  spawnServer(
                    p,
                    adminActorBehaviour,
                    {
                      backend: lazyBackend(() => node),
                      host: options.adminHost ?? '127.0.0.1',
                      port: options.adminPort ?? 0,
                      auth: adminAuth,
                      logger,
                      bound: adminBound,
                    },
                    { name: `admin@${name}` },
                  ),
              },
            ]
          : []),
      ],
    });
  } catch (e) {
    router.close();
    await peerService.stop().catch(() => undefined);
    await store.close();
    if (ownSystem) stopSystem(system);
    throw unwrapStartError(e);
  }

  node = new PlumtreeNode(name, {
    system,
    ownSystem,
    root,
    peerService,
    router,
    channels,
    store,
    handlers,
    registry,
    adminPort: adminBound,
    address: { host, port: channels.address.port },
    logger,
    overlay: options.overlay ?? 'full',
  });
  if (staticSeeds.length > 0) {
    try {
      await joinSeeds(peerService, staticSeeds, options.joinTimeoutMs ?? 10_000, logger);
    } catch (e) {
      await node.stop();
      throw e;
    }
  }
  return node;
}

/** The port of a `dns:NAME` seed without one: this node's advertised port, else its own. */
function portForDns(options: NodeOptions): number {
  if (options.advertise !== undefined) return parseHostPort(options.advertise).port;
  return options.port ?? 0;
}

/**
 * Full membership wants every discovered node; HyParView wants its minimum active
 * view. Either way a node with no peer wants one.
 */
function wantsMorePeers(options: NodeOptions): (discovered: number, peers: number) => boolean {
  const others = (discovered: number) => Math.max(0, discovered - 1);
  if (options.overlay === 'hyparview') {
    const min = options.hyparview?.activeMinSize ?? defaultHyParViewOptions.activeMinSize;
    return (discovered, peers) => peers === 0 || peers < Math.min(min, others(discovered));
  }
  return (discovered, peers) => peers === 0 || peers < others(discovered);
}

/**
 * What `getPeers` tells about a peer: its spec as it presented it, its metadata (the
 * channels it declared; nodes carry no other metadata here), and its distance, the
 * smallest ping round trip measured on its connections (undefined until one).
 */
function peerInfo(
  channels: Channels,
  peer: string,
  opts: readonly InfoOpt[],
): Record<string, unknown> {
  const spec = channels.peerSpec(peer);
  const info: Record<string, unknown> = {};
  if (opts.includes('nodeSpec')) info.nodeSpec = spec;
  if (opts.includes('metadata')) info.metadata = { channels: spec?.channels };
  if (opts.includes('distance')) {
    const rtts = channels
      .connections(peer)
      .flatMap((c) => (c.rttMs === undefined ? [] : [c.rttMs]));
    info.distance = rtts.length > 0 ? Math.min(...rtts) : undefined;
  }
  return info;
}

/** The admin backend of a node that is still being built: every call waits for it. */
function lazyBackend(get: () => PlumtreeNode | undefined): AdminBackend {
  const b = () => {
    const n = get();
    if (!n) throw new Error('the node is still starting');
    return n.adminBackend();
  };
  return {
    get name() {
      return get()?.name ?? 'starting';
    },
    members: () => b().members(),
    peers: (r) => b().peers(r),
    tree: (r) => b().tree(r),
    exchanges: () => b().exchanges(),
    kvPut: (k, v) => b().kvPut(k, v),
    kvGet: (k) => b().kvGet(k),
    kvDelete: (k) => b().kvDelete?.(k) ?? Promise.resolve(),
    get dashboard() {
      return get()?.adminBackend().dashboard;
    },
    join: (p) => b().join(p),
    leave: () => b().leave(),
    removeMember: (m) => b().removeMember?.(m) ?? Promise.resolve(),
    metrics: () => b().metrics(),
    kvStore: () => {
      const kv = b().kvStore;
      if (kv === undefined) throw new Error('the node has no metadata store');
      return kv();
    },
  };
}

/** A child's start failure reaches the user as the child's own error (a port in use, a missing secret). */
function unwrapStartError(e: unknown): unknown {
  let err = e;
  while (err instanceof Error && err.name === 'ChildStartError' && err.cause !== undefined)
    err = err.cause;
  return err;
}
