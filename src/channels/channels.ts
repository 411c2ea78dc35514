import {
  type ActorRef,
  CallExitError,
  CallTimeoutError,
  call,
  cast,
  NoProcError,
  stopServer,
} from '../actors/index.js';
import { createLogger, type Logger } from '../log/logger.js';
import { globalMetrics, type MetricsRegistry } from '../metrics/registry.js';
import {
  type ChildSpec,
  type SupervisorSpec,
  spawnSupervisor,
  startSupervisor,
} from '../supervisor/index.js';
import { type Rng, systemRng } from '../util/rng.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { spawnChannelActor } from './channel-actor.js';
import type { ChannelCounters } from './channel-counters.js';
import { CloseCode } from './close-codes.js';
import { DEFAULT_MAX_FRAME_BYTES } from './codec.js';
import type { Connection } from './connection.js';
import { frame } from './envelope.js';
import {
  ChannelsStoppedError,
  HandshakeError,
  MissingSecretError,
  NotReachableError,
  PeerBlockedError,
  RemoteCallTimeoutError,
  RemoteExitError,
  RemoteNoProcError,
  UnknownPeerError,
} from './errors.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, type HandshakeAuth } from './handshake.js';
import { ChannelHub, type DataHandler, type PeerEventHandler } from './hub.js';
import { spawnListener } from './listener.js';
import { type LivenessOptions, startLiveness } from './liveness.js';
import { scopedName } from './names.js';
import {
  DEFAULT_CHANNEL,
  DEFAULT_HOST,
  type ListenAddr,
  type NodeSpec,
  type NodeSpecInput,
  validateNodeSpec,
} from './node-spec.js';
import { DEFAULT_MAX_QUEUE_BYTES, type QueueStats } from './outgoing-queue.js';
import type { ConnectionInfo, SendOptions } from './peer-link.js';
import { type ProbeOptions, startProbes } from './probe-schedule.js';
import type { RemoteTarget } from './remote.js';
import type { ChannelsTlsOptions } from './tls.js';

/** Options of a node's channel layer. */
export interface ChannelsOptions {
  /** This node: its name, where it listens (port 0 picks a free port) and its channels. */
  readonly spec: NodeSpecInput;
  /** Nodes of different clusters refuse each other (default `plumtree`). */
  readonly cluster?: string;
  /** The cluster secret every node proves it holds in the handshake. */
  readonly secret?: string | Uint8Array;
  /**
   * Run without a secret, on purpose: any node that can reach this one may join. Without
   * a secret and without this flag, {@link startChannels} throws `MissingSecretError`.
   */
  readonly insecure?: boolean;
  /** Serve and dial over TLS (`wss`) with these credentials. */
  readonly tls?: ChannelsTlsOptions;
  /**
   * The addresses peers must dial, when they differ from where this node listens
   * (behind NAT, in a container or a Kubernetes pod): they replace the bound addresses
   * in this node's spec, which the handshake and membership carry to every peer.
   */
  readonly advertise?: readonly ListenAddr[];
  /** Largest frame sent or accepted (default 16 MiB), enforced by ws as `maxPayload`. */
  readonly maxFrameBytes?: number;
  /** Byte bound of each peer's outgoing queue (default 64 MiB). */
  readonly maxQueueBytes?: number;
  /** Bytes a socket may buffer before its queue waits for it to drain (default 1 MiB). */
  readonly highWaterBytes?: number;
  /** Time allowed to connect and finish the handshake (default 5 s). */
  readonly handshakeTimeoutMs?: number;
  /** Time allowed to the WebSocket closing handshake before the socket is dropped (default 1 s). */
  readonly closeTimeoutMs?: number;
  /**
   * Keepalive of each idle connection, for links TCP cannot tell are dead (default:
   * ping after 60 s of silence, down after 180 s).
   */
  readonly ping?: LivenessOptions;
  /**
   * The node's failure detector: one peer probed per period, through others when it
   * does not answer (default: every 1 s, indirect after 300 ms, 3 helpers).
   */
  readonly probe?: ProbeOptions;
  /** Reconnect delays (default: 100 ms doubling to 10 s, full jitter). */
  readonly backoff?: BackoffOptions;
  /** Where this node's metrics go (default the process-wide registry). */
  readonly metrics?: MetricsRegistry;
  readonly logger?: Logger;
  /** Randomness for reconnect jitter (default `Math.random`). */
  readonly rng?: Rng;
}

/** Where to connect: a peer's spec, or just an address (a seed whose name is not known). */
export type ConnectTarget = NodeSpec | { readonly host?: string; readonly port: number };

/** Default bound of a socket's unsent bytes before its queue holds frames back. */
export const DEFAULT_HIGH_WATER_BYTES = 1024 * 1024;
/** Default time allowed to a WebSocket closing handshake. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 1_000;
/** Default timeout of a remote call. */
export const DEFAULT_REMOTE_CALL_TIMEOUT_MS = 5_000;

/**
 * A node's channel layer: the listener and one channel actor per peer under a
 * supervisor, and the calls to use them. See `docs/channels.md`.
 */
export class Channels {
  private readonly probes = new Set<Connection>();

  /** @internal Use {@link startChannels} or {@link channelsChildSpec}. */
  constructor(
    private readonly hub: ChannelHub,
    private readonly supervisor: ActorRef | undefined,
  ) {}

  /** This node's spec, with the bound port(s) once the listener runs. */
  get spec(): NodeSpec {
    return this.hub.local;
  }

  /** This node's name. */
  get name(): string {
    return this.hub.name;
  }

  /** The first listen address, with its bound port. */
  get address(): ListenAddr {
    return this.hub.local.listenAddrs[0] as ListenAddr;
  }

  /** Frames, bytes and closes counted by this node. */
  get counters(): ChannelCounters {
    return this.hub.counters;
  }

  /** The registry this node's channel metrics go to (brought up to date). */
  get metrics(): MetricsRegistry {
    this.hub.counters.flush();
    return this.hub.config.metrics;
  }

  /** Resolves once the listener has bound its ports. */
  whenListening(): Promise<void> {
    return this.hub.whenListening();
  }

  /**
   * Connects to a peer (dialling now, even if a reconnect is already scheduled) and
   * resolves with its spec once it is up. Rejects with `HandshakeError` if the peer
   * refuses this node (wrong secret, name or cluster), or `NotReachableError` if no
   * address answers, in both cases within about twice the handshake timeout.
   */
  async connect(target: ConnectTarget): Promise<NodeSpec> {
    this.checkRunning();
    const limit = this.hub.config.handshakeTimeoutMs * 2;
    const expected = 'name' in target ? target.name : undefined;
    if (expected === this.hub.name) {
      throw new NotReachableError(expected, 'a node does not connect to itself');
    }
    if (expected !== undefined && this.hub.blocked.has(expected))
      throw new PeerBlockedError(expected);
    if (expected !== undefined && this.hub.isUp(expected)) {
      return this.hub.links.get(expected)?.spec as NodeSpec;
    }
    const addrs: readonly ListenAddr[] =
      'listenAddrs' in target
        ? target.listenAddrs
        : [{ host: target.host ?? DEFAULT_HOST, port: target.port }];
    let lastError: Error = new NotReachableError(expected ?? 'peer', 'no listen address');
    for (const addr of addrs) {
      const conn = this.hub.dial(addr, expected, DEFAULT_CHANNEL, 0);
      this.probes.add(conn);
      try {
        const info = await conn.established;
        if (this.hub.blocked.has(info.peer.name)) {
          conn.close(CloseCode.Blocked, 'this node blocks you');
          throw new PeerBlockedError(info.peer.name);
        }
        this.hub.adopt(conn);
        return await this.hub.whenUp(info.peer.name, limit);
      } catch (error) {
        lastError = error as Error;
        if (error instanceof PeerBlockedError) throw error;
        if (error instanceof HandshakeError) {
          if (error.code === CloseCode.DuplicateConnection && expected !== undefined) {
            return this.hub.whenUp(expected, limit);
          }
          throw error;
        }
      } finally {
        this.probes.delete(conn);
      }
    }
    throw lastError;
  }

  /**
   * Sends `msg` to `peer` on `channel` (an unknown channel falls back to `default`).
   * With a partition key the message takes connection `key mod parallelism`, so
   * messages with one key arrive in order; without one, connections take turns. While
   * the peer is disconnected, messages wait in its queue.
   *
   * @throws UnknownPeerError if this node has no channel to `peer`.
   * @throws QueueFullError if the peer's queue would exceed its byte bound.
   * @throws FrameError if `msg` is not plain data or is larger than `maxFrameBytes`.
   */
  send(peer: string, channel: string, msg: unknown, options?: SendOptions): void {
    this.link(peer).sendData(channel, msg, options);
  }

  /**
   * {@link send} for a message that is never modified once handed over, sent to
   * several peers in a row (a fan-out): consecutive sends of the same object share one
   * encoding and one plain-data check instead of paying them per peer.
   *
   * @throws as {@link send}.
   */
  sendShared(peer: string, channel: string, msg: unknown): void {
    this.link(peer).sendData(channel, msg, undefined, true);
  }

  /** Subscribes to application messages; returns the unsubscribe function. */
  onData(handler: DataHandler): () => void {
    return this.hub.onData(handler);
  }

  /** Subscribes to peer `up` / `down` events; returns the unsubscribe function. */
  onPeerEvent(handler: PeerEventHandler): () => void {
    return this.hub.onPeerEvent(handler);
  }

  /**
   * Casts `msg` to the process registered as `name` on `node` (locally as
   * `scopedName(name, node)`), as `gen_server:cast({Name, Node}, Msg)`. Delivery is not
   * confirmed; a missing process drops it on the receiving node.
   *
   * @throws UnknownPeerError, QueueFullError or FrameError as {@link send}.
   */
  castRemote(
    target: RemoteTarget,
    msg: unknown,
    options: { readonly channel?: string } = {},
  ): void {
    if (target.node === this.hub.name) {
      cast(scopedName(target.name, target.node), msg);
      return;
    }
    this.link(target.node).sendFrame(
      frame(options.channel ?? DEFAULT_CHANNEL, 'cast', { to: target.name, msg }),
    );
  }

  /**
   * Calls the process registered as `name` on `node` and resolves with its reply, as
   * `gen_server:call({Name, Node}, Msg, Timeout)`. Rejects within `timeoutMs` with
   * `RemoteNoProcError` (nothing registered under that name), `RemoteCallTimeoutError`
   * (no reply in time), `RemoteExitError` (the process stopped first) or
   * `PeerDownError` (the peer is unknown, or down and did not come back in time).
   */
  callRemote<R = unknown>(
    target: RemoteTarget,
    msg: unknown,
    timeoutMs: number = DEFAULT_REMOTE_CALL_TIMEOUT_MS,
    options: { readonly channel?: string } = {},
  ): Promise<R> {
    if (target.node === this.hub.name) return callLocal<R>(target, msg, timeoutMs);
    if (this.hub.blocked.has(target.node)) return Promise.reject(new PeerBlockedError(target.node));
    return this.hub.remote.call<R>(target, msg, timeoutMs, options.channel ?? DEFAULT_CHANNEL);
  }

  /**
   * Closes every connection to `peer` (code 1000), drops its queue and stops its
   * channel actor, so nothing reconnects from this side (for a peer leaving the
   * cluster). A peer that dials again is accepted as a new peer.
   */
  async disconnect(peer: string): Promise<void> {
    const link = this.hub.links.get(peer);
    if (link === undefined) return;
    try {
      await call(link.ref, { type: 'disconnect' }, this.hub.config.closeTimeoutMs + 5_000);
    } catch (error) {
      if (!(error instanceof NoProcError || error instanceof CallExitError)) throw error;
    }
  }

  /**
   * Blocks `peer`, as an operator's quarantine (or a test's network partition): its
   * connections close (4007), it is not dialled, its dials are refused, and sends and
   * calls to it fail with `PeerBlockedError`, until {@link unblock}.
   */
  async block(peer: string): Promise<void> {
    this.checkRunning();
    this.hub.blocked.add(peer);
    await this.disconnect(peer);
  }

  /** Lifts a block; the peer is dialled again if this node knows where it listens. */
  unblock(peer: string): void {
    if (!this.hub.blocked.delete(peer)) return;
    const spec = this.hub.knownSpecs.get(peer);
    if (spec && !this.hub.stopped) this.connect(spec).catch(() => undefined);
  }

  /** Peers blocked on this node. */
  blockedPeers(): string[] {
    return [...this.hub.blocked].sort();
  }

  /** Peers with at least one live connection, sorted by name. */
  connectedPeers(): string[] {
    return [...this.hub.links.values()]
      .filter((link) => link.up)
      .map((link) => link.peer)
      .sort();
  }

  /** The spec `peer` presented in its last handshake, if this node has a channel to it. */
  peerSpec(peer: string): NodeSpec | undefined {
    return this.hub.links.get(peer)?.spec;
  }

  /** The live connections to `peer`, one per (channel, lane). */
  connections(peer: string): ConnectionInfo[] {
    return this.hub.links.get(peer)?.connections() ?? [];
  }

  /** The levels and counters of `peer`'s outgoing queue. */
  queueStats(peer: string): QueueStats | undefined {
    return this.hub.links.get(peer)?.queueStats();
  }

  /**
   * Stops the channel layer: the listener closes, every connection closes with 1001,
   * calls in flight fail with `ChannelsStoppedError`. Resolves once every socket is
   * closed, leaving no open handle. Under a parent supervisor (see
   * {@link channelsChildSpec}), terminate the child there first.
   */
  async stop(): Promise<void> {
    if (this.hub.stopped) return;
    this.hub.stopped = true;
    this.hub.prober.stop();
    const closing = [...this.probes].map((conn) => {
      conn.close(CloseCode.GoingAway, 'node stopping');
      return conn.closed;
    });
    if (this.supervisor !== undefined) await stopServer(this.supervisor, 'shutdown', 'infinity');
    await Promise.all(closing);
    this.hub.remote.stop();
    this.hub.counters.flush();
  }

  private link(peer: string) {
    this.checkRunning();
    if (this.hub.blocked.has(peer)) throw new PeerBlockedError(peer);
    const link = this.hub.links.get(peer);
    if (link === undefined) throw new UnknownPeerError(peer);
    return link;
  }

  private checkRunning(): void {
    if (this.hub.stopped) throw new ChannelsStoppedError(this.hub.name);
  }
}

async function callLocal<R>(target: RemoteTarget, msg: unknown, timeoutMs: number): Promise<R> {
  try {
    return await call<R>(scopedName(target.name, target.node), msg, timeoutMs);
  } catch (error) {
    if (error instanceof NoProcError) throw new RemoteNoProcError(target.node, target.name);
    if (error instanceof CallTimeoutError) {
      throw new RemoteCallTimeoutError(target.node, target.name, timeoutMs);
    }
    if (error instanceof CallExitError) {
      throw new RemoteExitError(target.node, target.name, error.message);
    }
    throw error;
  }
}

function positiveInt(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer (got ${value})`);
  }
  return value;
}

function resolveOptions(options: ChannelsOptions): ChannelHub {
  const spec = validateNodeSpec(options.spec);
  const logger = (options.logger ?? createLogger()).child({ node: spec.name });
  let auth: HandshakeAuth;
  if (options.secret !== undefined) {
    if (options.insecure === true) {
      throw new RangeError('give either a cluster secret or insecure: true, not both');
    }
    const length =
      typeof options.secret === 'string' ? options.secret.length : options.secret.byteLength;
    if (length === 0) throw new MissingSecretError();
    auth = { mode: 'secret', secret: options.secret };
  } else if (options.insecure === true) {
    auth = { mode: 'insecure' };
    logger.warn(
      'channels run without a cluster secret (insecure: true): any node that can reach ' +
        'this one may join the cluster',
    );
  } else {
    throw new MissingSecretError();
  }
  const ping = startLiveness(0, options.ping);
  const probe = startProbes(0, options.probe);
  const backoff = {
    baseMs: options.backoff?.baseMs ?? 100,
    capMs: options.backoff?.capMs ?? 10_000,
  };
  new Backoff(systemRng, backoff); // validates the settings
  return new ChannelHub(spec, {
    cluster: options.cluster ?? 'plumtree',
    auth,
    tls: options.tls,
    advertise: options.advertise,
    maxFrameBytes: positiveInt('maxFrameBytes', options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES),
    maxQueueBytes: positiveInt('maxQueueBytes', options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES),
    highWaterBytes: positiveInt(
      'highWaterBytes',
      options.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES,
    ),
    handshakeTimeoutMs: positiveInt(
      'handshakeTimeoutMs',
      options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    ),
    closeTimeoutMs: positiveInt(
      'closeTimeoutMs',
      options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
    ),
    ping: { intervalMs: ping.intervalMs, timeoutMs: ping.timeoutMs },
    probe: {
      periodMs: probe.periodMs,
      ackTimeoutMs: probe.ackTimeoutMs,
      indirectProbes: probe.indirectProbes,
    },
    backoff,
    metrics: options.metrics ?? globalMetrics,
    logger,
    rng: options.rng ?? systemRng,
  });
}

/**
 * The supervision tree of one node's channels, `rest_for_one`: first the
 * `simple_one_for_one` supervisor of the channel actors (one per peer), then the
 * listener, which hands accepted connections to them. A crashed listener is restarted
 * alone and binds the same port again; if the channel supervisor gives up, the
 * listener restarts after it.
 */
function supervisorSpec(hub: ChannelHub): SupervisorSpec {
  const channelSup: SupervisorSpec = {
    strategy: 'simple_one_for_one',
    intensity: 10,
    period: 10_000,
    name: hub.channelSupName,
    children: [
      {
        id: 'channel',
        restart: 'transient',
        shutdown: hub.config.closeTimeoutMs + 1_000,
        start: (parent, peer) => spawnChannelActor(parent, hub, peer as string),
      },
    ],
  };
  return {
    strategy: 'rest_for_one',
    intensity: 5,
    period: 10_000,
    name: hub.supervisorName,
    children: [
      {
        id: 'channel_sup',
        type: 'supervisor',
        start: (parent) => spawnSupervisor(parent, channelSup),
      },
      { id: 'listener', start: (parent) => spawnListener(parent, hub) },
    ],
  };
}

/**
 * Starts a node's channel layer under `parent` (an actor system or a supervisor) and
 * resolves once it listens.
 *
 * @throws MissingSecretError without `secret` and without `insecure: true`.
 * @throws InvalidNodeSpecError for an invalid spec; RangeError for invalid limits.
 */
export async function startChannels(parent: ActorRef, options: ChannelsOptions): Promise<Channels> {
  const hub = resolveOptions(options);
  const sup = await startSupervisor(parent, supervisorSpec(hub));
  await hub.whenListening();
  return new Channels(hub, sup);
}

/**
 * The channel layer as a child of another supervisor: start `spec` there (it is a
 * permanent supervisor child) and use `channels` once `channels.whenListening()`
 * resolves. To stop, terminate the child in its supervisor, then call `channels.stop()`.
 */
export function channelsChildSpec(options: ChannelsOptions): {
  readonly spec: ChildSpec;
  readonly channels: Channels;
} {
  const hub = resolveOptions(options);
  return {
    spec: {
      id: 'channels',
      type: 'supervisor',
      start: (parent) => spawnSupervisor(parent, supervisorSpec(hub)),
    },
    channels: new Channels(hub, undefined),
  };
}
