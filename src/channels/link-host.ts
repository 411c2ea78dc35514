import type { Logger } from '../log/logger.js';
import type { Rng } from '../util/rng.js';
import type { BackoffOptions } from './backoff.js';
import type { Connection } from './connection.js';
import type { CallBody, CallErrorBody, CastBody, Envelope, ReplyBody } from './envelope.js';
import type { MeteredCounters } from './metrics.js';
import type { ListenAddr, NodeSpec } from './node-spec.js';

/**
 * What the parts of a node's channel layer need of each other, as interfaces: a peer's
 * link, the remote calls and the failure detector each see only the few members they
 * use, and only the hub (`hub.ts`), which composes them, knows all three. The message
 * path reads top-down: hub → link → connection, with no module importing its user.
 */

/** A peer came up (its first connection finished the handshake) or went down (its last one closed). */
export interface PeerEvent {
  readonly type: 'up' | 'down';
  readonly peer: string;
  readonly spec?: NodeSpec;
}

/** Remote-call frames a link received, handed to the node's remote calls. */
export interface RemoteInbound {
  onCast(body: CastBody): void;
  onCall(peer: string, channel: string, body: CallBody): void;
  onReply(peer: string, body: ReplyBody): void;
  onCallError(peer: string, body: CallErrorBody): void;
}

/** Failure-detection frames a link received, handed to the node's prober. */
export interface ProbeInbound {
  onProbeReq(from: string, target: string): void;
  onProbeAck(from: string, target: string): void;
}

/** The settings a link reads. */
export interface LinkSettings {
  readonly maxFrameBytes: number;
  readonly maxQueueBytes: number;
  readonly highWaterBytes: number;
  readonly handshakeTimeoutMs: number;
  readonly backoff: Required<BackoffOptions>;
  readonly logger: Logger;
  readonly rng: Rng;
}

/** What a peer's link needs of the node. */
export interface LinkHost {
  readonly name: string;
  /** This node's spec (its bound ports once listening). */
  readonly local: NodeSpec;
  readonly config: LinkSettings;
  readonly counters: MeteredCounters;
  readonly remote: RemoteInbound;
  readonly prober: ProbeInbound;
  /** Delivers an application data frame to the node's subscribers. */
  deliverData(peer: string, channel: string, msg: unknown): void;
  /** Tells the node's subscribers that a peer went up or down. */
  emitPeer(event: PeerEvent): void;
  /** Opens a connection to `addr` for one (channel, lane) slot. */
  dial(
    addr: ListenAddr,
    expectedPeer: string | undefined,
    channel: string,
    lane: number,
  ): Connection;
  /** True while `ref` is the actor registered for `peer`'s link. */
  isCurrentLink(peer: string, ref: unknown): boolean;
}

/** A link as the remote calls see it: a way to send frames, and whether it may work. */
export interface FrameRoute {
  /** True while the peer has a connection. */
  readonly up: boolean;
  /** True while a dial runs or a reconnect is scheduled. */
  readonly connecting: boolean;
  /** Queues a cast, call or reply frame. */
  sendFrame(envelope: Envelope): void;
}

/** What the remote calls need of the node. */
export interface RemoteHost {
  readonly name: string;
  readonly stopped: boolean;
  readonly config: { readonly logger: Logger };
  /** The link to `peer`, if there is one. */
  route(peer: string): FrameRoute | undefined;
  isUp(peer: string): boolean;
}
