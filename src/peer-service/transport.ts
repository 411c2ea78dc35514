import type { NodeSpec } from '../channels/node-spec.js';

/** A peer's address as a user writes it in `join`. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A channel's report that a peer became reachable (after the handshake) or stopped being so. */
export interface PeerEvent {
  readonly type: 'up' | 'down';
  readonly peer: string;
}

/**
 * What the peer service needs from the layer below: the channels facade satisfies it,
 * and tests may use an in-memory one.
 */
export interface PeerTransport {
  /** This node's spec, with its bound port. */
  readonly spec: NodeSpec;
  /** Dials (if not connected) and completes the handshake; resolves with the peer's spec. */
  connect(target: NodeSpec | HostPort): Promise<NodeSpec>;
  /** Queues a message to a connected or connecting peer; may throw (queue full, unknown peer). */
  send(peer: string, channel: string, msg: unknown): void;
  /** Application data frames from peers. Returns an unsubscribe function. */
  onData(handler: (peer: string, channel: string, msg: unknown) => void): () => void;
  onPeerEvent(handler: (event: PeerEvent) => void): () => void;
  /** Closes the connections to `peer` and stops reconnecting to it. */
  disconnect(peer: string): Promise<void>;
  connectedPeers(): string[];
}
