import type { WireMessage } from './core/index.js';

/**
 * How a broadcast server reaches the servers on other nodes. Incoming messages are
 * handed to the server as casts (`{ type: 'wire', from, msg }`, and `peerUp` /
 * `peerDown`), by whatever owns the transport, or through {@link attach}.
 */
export interface BroadcastTransport {
  /**
   * Sends to the broadcast server on `peer` over `channel`. A message that cannot be
   * sent may be dropped (and should be counted): Plumtree repairs losses with lazy
   * pushes and exchanges, so a send never blocks or throws into the server.
   */
  send(peer: string, channel: string, msg: WireMessage): void;
  /** Asks the broadcast server on `peer` (remote queries: debugGetPeers, exchanges). */
  call?(peer: string, request: unknown, timeoutMs: number): Promise<unknown>;
  /**
   * Called by each server incarnation at start with its registered name: deliver
   * incoming messages and peer events to it by name, until the returned function is
   * called (when the incarnation stops).
   */
  attach?(serverName: string): () => void;
}
