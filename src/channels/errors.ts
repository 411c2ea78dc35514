import { describeCloseCode, type FrameCloseCode } from './close-codes.js';

/** One thing wrong with a node spec: where, and what. */
export interface NodeSpecIssue {
  /** Dotted path into the spec, such as `channels.gossip.parallelism`; empty for the root. */
  readonly path: string;
  readonly message: string;
}

/** A node spec failed validation; `issues` lists every problem found, not just the first. */
export class InvalidNodeSpecError extends Error {
  override readonly name = 'InvalidNodeSpecError';
  constructor(readonly issues: readonly NodeSpecIssue[]) {
    super(
      `invalid node spec: ${issues
        .map((i) => (i.path === '' ? i.message : `${i.path} ${i.message}`))
        .join('; ')}`,
    );
  }
}

/**
 * A frame could not be encoded, or a received frame could not be accepted. `code` is
 * the WebSocket close code the connection should be closed with.
 */
export class FrameError extends Error {
  override readonly name = 'FrameError';
  constructor(
    readonly code: FrameCloseCode,
    readonly reason: string,
  ) {
    super(`${describeCloseCode(code)} (${code}): ${reason}`);
  }
}

/**
 * The handshake failed; `code` is the WebSocket close code to close the socket with
 * (one of the handshake codes, or the code the peer announced when it gave up first).
 */
export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`handshake failed, ${describeCloseCode(code)} (${code}): ${reason}`);
  }
}

/**
 * A send was refused because the peer's outgoing queue would exceed its byte bound.
 * Nothing was queued or dropped: the caller decides what to do with the message.
 */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  constructor(
    readonly channel: string,
    readonly maxBytes: number,
    readonly queuedBytes: number,
    readonly frameBytes: number,
  ) {
    super(
      `outgoing queue full on channel ${channel}: ${queuedBytes} bytes queued + ${frameBytes} ` +
        `would exceed the bound of ${maxBytes} bytes`,
    );
  }
}

/** The peer is not connected and the operation needs it now (a remote call, for example). */
/** The peer is blocked on this node: nothing is sent to it or accepted from it. */
export class PeerBlockedError extends Error {
  override readonly name = 'PeerBlockedError';
  constructor(readonly peer: string) {
    super(`peer ${peer} is blocked on this node`);
  }
}

export class PeerDownError extends Error {
  override readonly name = 'PeerDownError';
  constructor(readonly peer: string) {
    super(`peer ${peer} is down`);
  }
}

/** A remote call got no reply within its timeout; a reply that comes later is dropped. */
export class RemoteCallTimeoutError extends Error {
  override readonly name = 'RemoteCallTimeoutError';
  constructor(
    readonly peer: string,
    readonly target: string,
    readonly timeoutMs: number,
  ) {
    super(`remote call to ${target} on ${peer} timed out after ${timeoutMs} ms`);
  }
}

/** Nothing is registered under the called name on the peer. */
export class RemoteNoProcError extends Error {
  override readonly name = 'RemoteNoProcError';
  constructor(
    readonly peer: string,
    readonly target: string,
  ) {
    super(`no process registered as ${target} on ${peer}`);
  }
}

/** The remote process stopped before replying to the call. */
export class RemoteExitError extends Error {
  override readonly name = 'RemoteExitError';
  constructor(
    readonly peer: string,
    readonly target: string,
    readonly reason: string,
  ) {
    super(`${target} on ${peer} exited before replying: ${reason}`);
  }
}

/** The operation names a peer this node has no channel to (never connected, or disconnected). */
export class UnknownPeerError extends Error {
  override readonly name = 'UnknownPeerError';
  constructor(readonly peer: string) {
    super(`no channel to peer ${peer}: connect to it first`);
  }
}

/**
 * A peer could not be reached: no socket could be opened to any of its addresses, or
 * the connection did not come up within the time allowed.
 */
export class NotReachableError extends Error {
  override readonly name = 'NotReachableError';
  constructor(
    readonly target: string,
    readonly reason: string,
  ) {
    super(`cannot reach ${target}: ${reason}`);
  }
}

/**
 * A node was configured without a cluster secret and without the explicit insecure
 * opt-in. Running without authentication must be a visible choice, never a default.
 */
export class MissingSecretError extends Error {
  override readonly name = 'MissingSecretError';
  constructor() {
    super(
      'no cluster secret given: pass `secret`, or `insecure: true` to run a cluster ' +
        'without authentication on purpose',
    );
  }
}

/** The channel layer of this node has been stopped. */
export class ChannelsStoppedError extends Error {
  override readonly name = 'ChannelsStoppedError';
  constructor(readonly node: string) {
    super(`the channels of node ${node} are stopped`);
  }
}
