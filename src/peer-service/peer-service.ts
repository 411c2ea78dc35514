/**
 * The peer service of one node: a `rest_for_one` supervisor over (optionally the
 * channels,) the events actor and the manager, and a facade whose methods ask the
 * manager with timeouts. The facade subscribes to the transport once and forwards by
 * registered name, so a restarted manager keeps receiving without subscribing again.
 */
import {
  type ActorRef,
  call,
  cast,
  isAlive,
  spawnServer,
  stopServer,
  whenStarted,
} from '../actors/index.js';
import type { NodeSpec } from '../channels/node-spec.js';
import { MEMBERSHIP_CHANNEL } from '../channels/node-spec.js';
import { type Logger, silentLogger } from '../log/logger.js';
import { type Counter, globalMetrics, type MetricsRegistry } from '../metrics/registry.js';
import { type ChildSpec, spawnSupervisor } from '../supervisor/index.js';
import { type Rng, systemRng } from '../util/rng.js';
import { parseHostPort } from './address.js';
import { defaultHyParViewOptions, type HyParViewOptions } from './core/index.js';
import { NotReachableError } from './errors.js';
import { eventsBehaviour, type PeerServiceEvent } from './events.js';
import { hyparviewManagerBehaviour } from './hyparview-manager.js';
import { type ManagerArgs, type ManagerCall, managerBehaviour, type Outcome } from './manager.js';
import {
  type MembershipListener,
  type PeerListener,
  type ReapedListener,
  Subscribers,
} from './subscribers.js';
import type { HostPort, PeerTransport } from './transport.js';

/** Members each periodic gossip round of the full overlay goes to, by default. */
export const DEFAULT_PERIODIC_FANOUT = 3;

/** Options of {@link startPeerService}. */
export interface PeerServiceOptions {
  readonly transport: PeerTransport;
  /**
   * A child spec that starts the transport's actors, placed first under the
   * `rest_for_one` supervisor so that a transport restart restarts the events actor and
   * the manager after it. Omit it when the transport is supervised elsewhere.
   */
  readonly transportChild?: ChildSpec;
  /**
   * `full` (default): every node knows every other (a membership CRDT). `hyparview`:
   * small symmetric partial views for large clusters; members are this node and its
   * active view, and the data dir keeps the known peers to rejoin through after a restart.
   */
  readonly overlay?: 'full' | 'hyparview';
  /** HyParView's settings (Partisan's defaults). */
  readonly hyparview?: Partial<HyParViewOptions>;
  /** Randomness of the HyParView manager. */
  readonly rng?: Rng;
  /** Save membership here and reload it at start, so a restarted node rejoins with no seed. */
  readonly dataDir?: string;
  /** ms between periodic gossip rounds. Default 10000. */
  readonly periodicInterval?: number;
  /**
   * Full overlay: members each periodic gossip round goes to, in turn (default 3), so
   * that a node's idle cost does not grow with the cluster. Changes still go to all.
   */
  readonly periodicFanout?: number;
  /**
   * Full overlay: remove a member whose every channel has been down this long
   * (0 = never). HyParView: keep a peer found down out of the passive views this
   * long. Default 0 here; `startNode` defaults to 60000.
   */
  readonly downAfterMs?: number;
  /** How long a join waits for the contact's answer. Default 10000. */
  readonly joinTimeoutMs?: number;
  /** Timeout of the facade's calls to the manager. Default 5000. */
  readonly callTimeoutMs?: number;
  /** Restart intensity of the peer-service supervisor. Default 10 in 10 s. */
  readonly intensity?: number;
  readonly period?: number;
  readonly logger?: Logger;
  readonly metrics?: MetricsRegistry;
  /** Wall clock for incarnations; injectable for tests. */
  readonly now?: () => number;
}

/** A join target: `'host:port'`, an address, or a peer's spec. */
export type JoinTarget = string | HostPort | NodeSpec;

/** The running peer service of a node. */
export interface PeerService {
  readonly name: string;
  readonly supervisor: ActorRef;
  /** Registered names of the actors, for calls and monitors. */
  readonly managerName: string;
  readonly eventsName: string;
  /** Joins the cluster of `target`. Rejects with SelfJoinError, NotReachableError or InvalidAddressError. */
  join(target: JoinTarget): Promise<void>;
  /** Joins, then waits until this node is connected to every member. */
  syncJoin(target: JoinTarget, timeoutMs?: number): Promise<void>;
  /** Leaves (no name, or this node's name) or removes another member. */
  leave(name?: string): Promise<void>;
  /** Members, sorted, this node included. */
  members(): Promise<string[]>;
  member(name: string): Promise<NodeSpec | undefined>;
  nodeSpec(): NodeSpec;
  /** The membership last published, without asking the manager (self alone before the first). */
  lastMembers(): readonly string[];
  onUp(name: string | '*', fn: PeerListener): () => void;
  onDown(name: string | '*', fn: PeerListener): () => void;
  /** A member was removed because every channel to it was down for `downAfterMs`. */
  onReaped(fn: ReapedListener): () => void;
  /**
   * Membership updates, starting with the current membership. A subscription under a
   * `key` replaces an earlier one with the same key.
   */
  subscribe(fn: MembershipListener, key?: unknown): () => void;
  /** Stops the supervisor and the transport subscriptions. */
  stop(): Promise<void>;
}

/**
 * HyParView's members are its active view, which drops a failed peer at once; what
 * `downAfterMs` adds there is keeping a peer found down out of the passive views for
 * that long (in promotion rounds), so shuffles do not spread it.
 */
function hyparviewWithQuarantine(options: PeerServiceOptions): Partial<HyParViewOptions> {
  const given = options.hyparview ?? {};
  const downAfter = options.downAfterMs ?? 0;
  if (downAfter === 0 || given.quarantineRounds !== undefined) return given;
  const interval = given.promotionInterval ?? defaultHyParViewOptions.promotionInterval;
  return { ...given, quarantineRounds: Math.max(1, Math.ceil(downAfter / interval)) };
}

/** A counter exported at 0 from the start (contract section 7). */
function zeroed(counter: Counter): Counter {
  counter.bind();
  return counter;
}

function toTarget(target: JoinTarget): HostPort | NodeSpec {
  return typeof target === 'string' ? parseHostPort(target) : target;
}

/**
 * The peer service as a child spec for a parent supervisor, and its facade. The facade
 * (subscriptions, the membership holder) is made once; the spec starts the
 * `rest_for_one` supervisor, and a restart of it finds the same facade state.
 */
export function peerServiceChildSpec(options: PeerServiceOptions): {
  spec: ChildSpec;
  service: PeerService;
} {
  const { transport } = options;
  const name = transport.spec.name;
  const logger = (options.logger ?? silentLogger).child({ component: 'peer-service' });
  const metrics = options.metrics ?? globalMetrics;
  const managerName = `peer_service@${name}`;
  const eventsName = `peer_service_events@${name}`;
  const callTimeout = options.callTimeoutMs ?? 5000;
  const subscribers = new Subscribers();

  const managerArgs: ManagerArgs = {
    transport,
    holder: { snapshot: undefined },
    eventsName,
    dataDir: options.dataDir,
    periodicInterval: options.periodicInterval ?? 10_000,
    periodicFanout: options.periodicFanout ?? DEFAULT_PERIODIC_FANOUT,
    downAfterMs: options.downAfterMs ?? 0,
    joinTimeoutMs: options.joinTimeoutMs ?? 10_000,
    logger,
    dropped: metrics.counter(
      'plumtree_membership_dropped_total',
      'Membership messages dropped as malformed or rejected',
    ),
    reaped: zeroed(
      metrics.counter(
        'plumtree_members_reaped_total',
        'Members removed because every channel to them was down for downAfterMs',
      ),
    ),
    refuted: zeroed(
      metrics.counter(
        'plumtree_membership_refutations_total',
        'Times this node saw itself removed while alive and came back with a new life',
      ),
    ),
    now: options.now ?? Date.now,
  };
  const children: ChildSpec[] = [
    ...(options.transportChild ? [options.transportChild] : []),
    {
      id: 'events',
      start: (p) => spawnServer(p, eventsBehaviour, { subscribers, logger }, { name: eventsName }),
    },
    {
      id: 'manager',
      start: (p) =>
        options.overlay === 'hyparview'
          ? spawnServer(
              p,
              hyparviewManagerBehaviour,
              {
                transport,
                eventsName,
                options: hyparviewWithQuarantine(options),
                joinTimeoutMs: managerArgs.joinTimeoutMs,
                logger,
                dropped: managerArgs.dropped,
                rng: options.rng ?? systemRng,
                dataDir: options.dataDir,
              },
              { name: managerName },
            )
          : spawnServer(p, managerBehaviour, managerArgs, { name: managerName }),
    },
  ];

  const unsubscribe = [
    transport.onData((peer, channel, msg) => {
      if (channel === MEMBERSHIP_CHANNEL) cast(managerName, { type: 'receive', from: peer, msg });
    }),
    transport.onPeerEvent((event) => cast(managerName, { type: 'peer', event })),
  ];

  let supervisor: ActorRef | undefined;
  const spec: ChildSpec = {
    id: 'peer_service',
    type: 'supervisor',
    start: (parent) => {
      supervisor = spawnSupervisor(parent, {
        strategy: 'rest_for_one',
        intensity: options.intensity ?? 10,
        period: options.period ?? 10_000,
        children,
      });
      return supervisor;
    },
  };

  const ask = async <T>(msg: ManagerCall, timeoutMs = callTimeout): Promise<T> => {
    const out = await call<Outcome<T>>(managerName, msg, timeoutMs);
    if ('error' in out) throw out.error;
    return out.ok;
  };

  const joinTimeout = managerArgs.joinTimeoutMs + callTimeout;

  const service: PeerService = {
    name,
    get supervisor() {
      if (!supervisor) throw new Error('the peer service has not been started');
      return supervisor;
    },
    managerName,
    eventsName,
    join: async (target) => {
      await ask({ type: 'join', target: toTarget(target) }, joinTimeout);
    },
    syncJoin: async (target, timeoutMs = joinTimeout) => {
      const deadline = Date.now() + timeoutMs;
      await ask({ type: 'join', target: toTarget(target) }, timeoutMs);
      // Wait on up events rather than polling the clock in a loop.
      for (;;) {
        const missing = (await service.members()).filter(
          (m) => m !== name && !transport.connectedPeers().includes(m),
        );
        if (missing.length === 0) return;
        const left = deadline - Date.now();
        if (left <= 0)
          throw new NotReachableError(`joined, but not connected to ${missing.join(', ')} in time`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.min(left, 250));
          const off = subscribers.onUp('*', done);
          function done() {
            clearTimeout(timer);
            off();
            resolve();
          }
        });
      }
    },
    leave: async (member) => {
      await ask(member === undefined ? { type: 'leave' } : { type: 'leave', name: member });
    },
    members: () => ask<string[]>({ type: 'members' }),
    member: (member) => ask<NodeSpec | undefined>({ type: 'member', name: member }),
    nodeSpec: () => transport.spec,
    lastMembers: () => subscribers.lastMembers ?? [name],
    onUp: (peer, fn) => subscribers.onUp(peer, fn),
    onDown: (peer, fn) => subscribers.onDown(peer, fn),
    onReaped: (fn) => subscribers.onReaped(fn),
    subscribe: (fn, key) => {
      const k = key ?? Symbol('subscription');
      const off = subscribers.subscribe(fn, k);
      cast(eventsName, { type: 'replay', key: k } satisfies PeerServiceEvent);
      return off;
    },
    stop: async () => {
      for (const u of unsubscribe) u();
      if (supervisor && isAlive(supervisor)) await stopServer(supervisor, 'shutdown', 'infinity');
    },
  };
  return { spec, service };
}

/** Starts the peer service under `parent` (an actor system or a supervisor of the caller's). */
export async function startPeerService(
  parent: ActorRef,
  options: PeerServiceOptions,
): Promise<PeerService> {
  const { spec, service } = peerServiceChildSpec(options);
  const sup = await spec.start(parent);
  try {
    await whenStarted(sup);
  } catch (e) {
    await service.stop();
    throw e;
  }
  return service;
}
