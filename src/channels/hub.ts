import WebSocket from 'ws';
import { cast } from '../actors/index.js';
import type { Logger } from '../log/logger.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import { startChild } from '../supervisor/index.js';
import type { Rng } from '../util/rng.js';
import type { BackoffOptions } from './backoff.js';
import { CloseCode } from './close-codes.js';
import { maxMessageBytes } from './codec.js';
import { Connection, type ConnectionSettings } from './connection.js';
import { NotReachableError } from './errors.js';
import type { HandshakeAuth } from './handshake.js';
import type { LinkHost, PeerEvent, RemoteHost } from './link-host.js';
import type { LivenessOptions } from './liveness.js';
import { MeteredCounters } from './metrics.js';
import { scopedName } from './names.js';
import type { ListenAddr, NodeSpec } from './node-spec.js';
import type { PeerLink } from './peer-link.js';
import type { ProbeOptions } from './probe-schedule.js';
import { Prober } from './prober.js';
import { RemoteCalls } from './remote.js';
import { type ChannelsTlsOptions, tlsClientOptions } from './tls.js';

/**
 * The WebSocket masking key of every frame this node sends as a dialler: all zeros.
 * Masking protects HTTP intermediaries from scripts running in browsers (RFC 6455
 * §10.3); no browser speaks this protocol, whose peers prove the cluster secret, and
 * with a zero key ws skips a pass over every byte at both ends (the receiver too).
 */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

/** An application data frame handler: `(peer, channel, msg)`. */
export type DataHandler = (peer: string, channel: string, msg: unknown) => void;

export type { PeerEvent } from './link-host.js';

/** A peer event handler. */
export type PeerEventHandler = (event: PeerEvent) => void;

/** Every setting of a node's channel layer, defaults applied. */
export interface ChannelsConfig {
  readonly cluster: string;
  readonly auth: HandshakeAuth;
  readonly tls: ChannelsTlsOptions | undefined;
  /** Addresses put in this node's spec instead of the bound ones (see `ChannelsOptions.advertise`). */
  readonly advertise?: readonly ListenAddr[] | undefined;
  readonly maxFrameBytes: number;
  readonly maxQueueBytes: number;
  readonly highWaterBytes: number;
  readonly handshakeTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly ping: Required<LivenessOptions>;
  readonly probe: Required<ProbeOptions>;
  readonly backoff: Required<BackoffOptions>;
  readonly metrics: MetricsRegistry;
  readonly logger: Logger;
  readonly rng: Rng;
}

/**
 * The state one node's channel actors share, living as long as the node's channel layer
 * (across restarts of the actors): configuration, the bound spec, counters, handlers,
 * the links by peer and the pending remote calls. Only the actors change the links;
 * everything here runs on the one JavaScript thread, so no locking is needed.
 */
export class ChannelHub implements LinkHost, RemoteHost {
  /** This node's spec; listen ports are filled in once the listener has bound them. */
  local: NodeSpec;
  readonly name: string;
  readonly counters: MeteredCounters;
  readonly remote: RemoteCalls;
  /** The node's failure detector over every link. */
  readonly prober: Prober;
  /** The links by peer name, registered by each channel actor while it runs. */
  readonly links = new Map<string, PeerLink>();
  /** Peers this node refuses: no dial, no adoption, no sends (see `Channels.block`). */
  readonly blocked = new Set<string>();
  /** Last spec each peer presented, kept for a channel actor restarted after a crash. */
  readonly knownSpecs = new Map<string, NodeSpec>();
  /** Ports bound by the first start of the listener, reused when it restarts. */
  readonly boundPorts: (number | undefined)[] = [];
  /** Where the listener binds: the spec's addresses as given, whatever is advertised. */
  readonly bindAddrs: readonly ListenAddr[];
  stopped = false;
  private readonly starting = new Map<string, Promise<void>>();
  private readonly adoptIntent = new Set<string>();
  private readonly dataHandlers = new Set<DataHandler>();
  private readonly peerHandlers = new Set<PeerEventHandler>();
  private listening: Promise<void>;
  private markListening!: () => void;

  constructor(
    spec: NodeSpec,
    readonly config: ChannelsConfig,
  ) {
    this.local = spec;
    this.bindAddrs = spec.listenAddrs;
    this.name = spec.name;
    this.counters = new MeteredCounters(config.metrics, Object.keys(spec.channels));
    this.remote = new RemoteCalls(this);
    this.prober = new Prober(
      {
        upPeers: () => {
          const out: string[] = [];
          for (const [peer, link] of this.links) if (link.up) out.push(peer);
          return out;
        },
        lastHeardAt: (peer) => this.links.get(peer)?.lastHeardAt() ?? Number.NEGATIVE_INFINITY,
        ping: (peer) => this.links.get(peer)?.probe(),
        sendProbe: (peer, kind, target) => this.links.get(peer)?.sendProbe(kind, target),
        silent: (peer, silentForMs) => {
          this.config.logger.info('peer silent: closing its connections', { peer, silentForMs });
          this.links.get(peer)?.declareSilent(silentForMs);
        },
      },
      config.probe,
      config.rng,
    );
    this.listening = new Promise((resolve) => {
      this.markListening = resolve;
    });
  }

  /** Registered name of the channels supervisor. */
  get supervisorName(): string {
    return scopedName('channels_sup', this.name);
  }

  /** Registered name of the per-peer channel supervisor. */
  get channelSupName(): string {
    return scopedName('channel_sup', this.name);
  }

  /** Registered name of the listener. */
  get listenerName(): string {
    return scopedName('channels_listener', this.name);
  }

  /** Registered name of the channel actor for `peer`. */
  channelName(peer: string): string {
    return scopedName(`channel:${peer}`, this.name);
  }

  /** Settings handed to every connection (the local spec changes once bound). */
  connectionSettings(): ConnectionSettings {
    return {
      local: this.local,
      cluster: this.config.cluster,
      auth: this.config.auth,
      handshakeTimeoutMs: this.config.handshakeTimeoutMs,
      liveness: this.config.ping,
      maxFrameBytes: this.config.maxFrameBytes,
      highWaterBytes: this.config.highWaterBytes,
      counters: this.counters,
      logger: this.config.logger,
      isBlocked: (peer) => this.blocked.has(peer),
      onPong: (peer) => this.prober.onPong(peer),
    };
  }

  /** Records the listener's bound addresses in the local spec. */
  setBound(addrs: readonly ListenAddr[]): void {
    addrs.forEach((addr, i) => {
      this.boundPorts[i] = addr.port;
    });
    const advertised = this.config.advertise ?? addrs;
    this.local = Object.freeze({ ...this.local, listenAddrs: Object.freeze([...advertised]) });
    this.markListening();
  }

  /** Resolves once the listener has bound its ports. */
  whenListening(): Promise<void> {
    return this.listening;
  }

  /** Opens a connection to `addr` for one (channel, lane) slot; the handshake starts at once. */
  dial(
    addr: ListenAddr,
    expectedPeer: string | undefined,
    channel: string,
    lane: number,
  ): Connection {
    const scheme = this.config.tls === undefined ? 'ws' : 'wss';
    const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
    const url = `${scheme}://${host}:${addr.port}/`;
    const options: WebSocket.ClientOptions & { closeTimeout: number } = {
      maxPayload: maxMessageBytes(this.config.maxFrameBytes),
      perMessageDeflate: false,
      handshakeTimeout: this.config.handshakeTimeoutMs,
      closeTimeout: this.config.closeTimeoutMs,
      followRedirects: false,
      generateMask: zeroMask,
      ...(this.config.tls === undefined ? {} : tlsClientOptions(this.config.tls)),
    };
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, options);
    } catch (error) {
      throw new NotReachableError(url, error instanceof Error ? error.message : String(error));
    }
    return new Connection(ws, this.connectionSettings(), {
      role: 'dialer',
      expectedPeer,
      channel,
      lane,
      target: url,
    });
  }

  /**
   * Hands an established connection to its peer's channel actor, starting the actor
   * under the channel supervisor if the peer is new.
   */
  adopt(conn: Connection): void {
    const info = conn.info;
    if (info === undefined) throw new Error('adopt: connection is not established');
    if (this.stopped) {
      conn.close(CloseCode.GoingAway, 'node stopping');
      return;
    }
    const peer = info.peer.name;
    if (this.blocked.has(peer)) {
      conn.close(CloseCode.Blocked, 'this node blocks you');
      return;
    }
    this.knownSpecs.set(peer, info.peer);
    const link = this.links.get(peer);
    if (link !== undefined) {
      cast(link.ref, { type: 'adopt', conn });
      return;
    }
    let starting = this.starting.get(peer);
    if (starting === undefined) {
      // the new actor must not dial: this connection (and those behind it) fill its slots
      this.adoptIntent.add(peer);
      starting = startChild(this.channelSupName, [peer])
        .then(() => undefined)
        .finally(() => {
          this.starting.delete(peer);
          this.adoptIntent.delete(peer);
        });
      this.starting.set(peer, starting);
    }
    starting.then(
      () => {
        const started = this.links.get(peer);
        if (started !== undefined) cast(started.ref, { type: 'adopt', conn });
        else conn.close(CloseCode.InternalError, 'the channel for this peer stopped');
      },
      (error: unknown) => {
        this.config.logger.error('cannot start a channel actor', { peer, error });
        conn.close(CloseCode.InternalError, 'cannot start a channel for this peer');
      },
    );
  }

  /**
   * Whether a channel actor starting for `peer` was started to adopt a connection
   * (true once) or is a restart after a crash, which must dial the peer itself.
   */
  consumeAdoptIntent(peer: string): boolean {
    return this.adoptIntent.delete(peer);
  }

  /** Subscribes to application data frames. */
  onData(handler: DataHandler): () => void {
    this.dataHandlers.add(handler);
    return () => this.dataHandlers.delete(handler);
  }

  /** Subscribes to peer up/down events. */
  onPeerEvent(handler: PeerEventHandler): () => void {
    this.peerHandlers.add(handler);
    return () => this.peerHandlers.delete(handler);
  }

  /** Delivers a data frame to every subscriber; a throwing subscriber is logged, not fatal. */
  deliverData(peer: string, channel: string, msg: unknown): void {
    for (const handler of this.dataHandlers) {
      try {
        handler(peer, channel, msg);
      } catch (error) {
        this.config.logger.error('data handler threw', { peer, channel, error });
      }
    }
  }

  /** Tells every subscriber that a peer went up or down. */
  emitPeer(event: PeerEvent): void {
    this.counters.peerEvents.inc({ type: event.type });
    if (event.type === 'up') {
      this.counters.peersUp.inc();
      this.prober.peerUp();
    }
    if (event.type === 'down') this.counters.peersUp.dec();
    this.config.logger.info(`peer ${event.type}`, { peer: event.peer });
    if (event.type === 'down') this.remote.peerDown(event.peer);
    for (const handler of [...this.peerHandlers]) {
      try {
        handler(event);
      } catch (error) {
        this.config.logger.error('peer event handler threw', { event: event.type, error });
      }
    }
  }

  /** {@link LinkHost}: true while `ref` is the actor registered for `peer`'s link. */
  isCurrentLink(peer: string, ref: unknown): boolean {
    return this.links.get(peer)?.ref === ref;
  }

  /** {@link RemoteHost}: the link to `peer`, if there is one. */
  route(peer: string): PeerLink | undefined {
    return this.links.get(peer);
  }

  /** True when `peer` has a live connection. */
  isUp(peer: string): boolean {
    return this.links.get(peer)?.up === true;
  }

  /** Resolves with the peer's spec once it is up; rejects after `timeoutMs`. */
  whenUp(peer: string, timeoutMs: number): Promise<NodeSpec> {
    const link = this.links.get(peer);
    if (link?.up === true) return Promise.resolve(link.spec);
    return new Promise<NodeSpec>((resolve, reject) => {
      const off = this.onPeerEvent((e) => {
        if (e.peer !== peer || e.type !== 'up') return;
        clearTimeout(timer);
        off();
        resolve(e.spec ?? (this.knownSpecs.get(peer) as NodeSpec));
      });
      const timer = setTimeout(() => {
        off();
        reject(new NotReachableError(peer, `not connected within ${timeoutMs} ms`));
      }, timeoutMs);
    });
  }
}
