import { CloseCode } from './close-codes.js';
import { type AuthMode, type Envelope, frame, type HelloFrame } from './envelope.js';
import { HandshakeError } from './errors.js';
import { MAX_NONCE_BYTES, MIN_NONCE_BYTES } from './frame-schema.js';
import {
  computeProof,
  type HandshakeRole,
  type Transcript,
  verifyProof,
} from './handshake-proof.js';
import { describeValue } from './names.js';
import type { NodeSpec } from './node-spec.js';

/**
 * The connection handshake as a pure state machine. The shell feeds it received frames
 * and the expiry of its timer, sends the frames it returns, and closes the socket with
 * the error's code when it fails. Nonces come from the caller so runs replay exactly.
 *
 * Wire sequence, secure mode (the dialler opens):
 *
 *     dialler  -> hello(nonce_d, expect)
 *     acceptor -> hello(nonce_a), proof(acceptor)
 *     dialler  -> proof(dialer)
 *
 * Each side sends its proof as soon as it knows both nonces and is established once the
 * other side's proof checks out. In insecure mode the proofs are left out.
 */

/**
 * Version of the channel protocol spoken after the handshake. 2: a WebSocket message
 * carries one or more frames back to back (1 carried exactly one).
 */
export const PROTOCOL_VERSION = 2;

/** How long a handshake may take before the shell should feed a timeout event. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000;

/**
 * How this node proves cluster membership. Running without a secret is a deliberate
 * choice the caller must spell out; there is no default.
 */
export type HandshakeAuth =
  | { readonly mode: 'secret'; readonly secret: string | Uint8Array }
  | { readonly mode: 'insecure' };

interface CommonConfig {
  readonly local: NodeSpec;
  readonly cluster: string;
  readonly auth: HandshakeAuth;
  /** A fresh random nonce of 16..64 bytes, never reused. */
  readonly nonce: Uint8Array;
  /** The protocol version this node speaks; {@link PROTOCOL_VERSION} unless testing. */
  readonly protocol?: number;
}

/** The side that opened the connection. */
export interface DialerConfig extends CommonConfig {
  readonly role: 'dialer';
  /**
   * The node this connection is meant to reach; anyone else is refused (4002). Leave it
   * out to reach whichever node listens at the address (a seed address whose name is not
   * known yet): the proofs still cover both names, so this weakens nothing.
   */
  readonly expectedPeer?: string;
  readonly channel: string;
  readonly lane: number;
}

/** The side that accepted the connection; it learns the channel and lane from the hello. */
export interface AcceptorConfig extends CommonConfig {
  readonly role: 'acceptor';
}

/** Configuration of one handshake. */
export type HandshakeConfig = DialerConfig | AcceptorConfig;

/** What the shell feeds the state machine. */
export type HandshakeEvent =
  | { readonly type: 'frame'; readonly frame: Envelope }
  | { readonly type: 'timeout' };

/** A finished handshake. */
export type HandshakeOutcome =
  | {
      readonly type: 'established';
      readonly peer: NodeSpec;
      readonly channel: string;
      readonly lane: number;
      readonly role: HandshakeRole;
    }
  | { readonly type: 'failed'; readonly error: HandshakeError };

/** Where a handshake stands. `done` is final and holds the outcome. */
export type HandshakeState =
  | { readonly phase: 'awaiting_hello'; readonly config: HandshakeConfig }
  | {
      readonly phase: 'awaiting_proof';
      readonly config: HandshakeConfig;
      readonly peer: NodeSpec;
      readonly transcript: Transcript;
    }
  | { readonly phase: 'done'; readonly outcome: HandshakeOutcome };

/** One transition: the new state, frames to send in order, and the outcome once final. */
export interface HandshakeStep {
  readonly state: HandshakeState;
  readonly send: readonly Envelope[];
  /** Set exactly once, on the step that finishes the handshake. */
  readonly outcome?: HandshakeOutcome;
}

/**
 * Begins a handshake. The dialler's first step sends its hello; the acceptor's sends
 * nothing and waits for the dialler's.
 *
 * @throws RangeError for a nonce of the wrong size or an empty secret: these are bugs
 *   in the caller, not conditions of the network.
 */
export function startHandshake(config: HandshakeConfig): HandshakeStep {
  if (config.nonce.byteLength < MIN_NONCE_BYTES || config.nonce.byteLength > MAX_NONCE_BYTES) {
    throw new RangeError(`handshake nonce must be ${MIN_NONCE_BYTES}..${MAX_NONCE_BYTES} bytes`);
  }
  if (config.auth.mode === 'secret' && secretLength(config.auth.secret) === 0) {
    throw new RangeError('cluster secret must not be empty; use insecure mode explicitly instead');
  }
  const state: HandshakeState = { phase: 'awaiting_hello', config };
  switch (config.role) {
    case 'dialer':
      return { state, send: [hello(config, config.channel, config.lane)] };
    case 'acceptor':
      return { state, send: [] };
    default: {
      const unreachable: never = config;
      throw new TypeError(`unknown handshake role ${describeValue(unreachable)}`);
    }
  }
}

/** Advances a handshake by one event. A finished handshake ignores further events. */
export function stepHandshake(state: HandshakeState, event: HandshakeEvent): HandshakeStep {
  switch (state.phase) {
    case 'done':
      return { state, send: [] };
    case 'awaiting_hello':
    case 'awaiting_proof':
      break;
    default: {
      const unreachable: never = state;
      throw new TypeError(`unknown handshake phase ${describeValue(unreachable)}`);
    }
  }
  switch (event.type) {
    case 'timeout':
      return fail(CloseCode.HandshakeTimeout, 'handshake did not complete in time');
    case 'frame':
      break;
    default: {
      const unreachable: never = event;
      throw new TypeError(`unknown handshake event ${describeValue(unreachable)}`);
    }
  }
  const received = event.frame;
  if (received.k === 'close') {
    return fail(
      received.b.code,
      `peer closed the handshake: ${received.b.reason || 'no reason given'}`,
    );
  }
  if (state.phase === 'awaiting_hello') {
    if (received.k !== 'hello') {
      return fail(CloseCode.HandshakeProtocol, `expected hello, got ${received.k}`);
    }
    return onHello(state.config, received);
  }
  if (received.k !== 'proof') {
    return fail(CloseCode.HandshakeProtocol, `expected proof, got ${received.k}`);
  }
  const { config, peer, transcript } = state;
  if (config.auth.mode !== 'secret') {
    return fail(CloseCode.HandshakeProtocol, 'proof received in insecure mode');
  }
  const peerRole: HandshakeRole = config.role === 'dialer' ? 'acceptor' : 'dialer';
  if (!verifyProof(config.auth.secret, transcript, peerRole, received.b.mac)) {
    return fail(CloseCode.AuthFailed, 'wrong proof: the peer does not hold the cluster secret');
  }
  return established(config.role, peer, transcript.channel, transcript.lane, []);
}

function onHello(config: HandshakeConfig, received: HelloFrame): HandshakeStep {
  const theirs = received.b;
  const protocol = config.protocol ?? PROTOCOL_VERSION;
  if (theirs.protocol !== protocol) {
    return fail(
      CloseCode.Mismatch,
      `protocol version mismatch: this node speaks ${protocol}, the peer ${theirs.protocol}`,
    );
  }
  if (theirs.cluster !== config.cluster) {
    return fail(
      CloseCode.Mismatch,
      `cluster mismatch: this node is in ${config.cluster}, the peer in ${theirs.cluster}`,
    );
  }
  const mine = authMode(config);
  if (theirs.auth !== mine) {
    return fail(
      CloseCode.AuthFailed,
      mine === 'none'
        ? 'the peer requires a cluster secret and this node has none'
        : 'the peer runs without a cluster secret',
    );
  }
  const peerName = theirs.spec.name;
  if (peerName === config.local.name) {
    return fail(CloseCode.WrongName, `the peer has this node's own name ${peerName}`);
  }
  if (Buffer.from(theirs.nonce).equals(Buffer.from(config.nonce))) {
    return fail(CloseCode.AuthFailed, "the peer sent back this node's own nonce");
  }

  let channel: string;
  let lane: number;
  let dialerNonce: Uint8Array;
  let acceptorNonce: Uint8Array;
  let dialer: string;
  let acceptor: string;
  const send: Envelope[] = [];
  switch (config.role) {
    case 'dialer':
      if (config.expectedPeer !== undefined && peerName !== config.expectedPeer) {
        return fail(CloseCode.WrongName, `dialled ${config.expectedPeer} but ${peerName} answered`);
      }
      if (received.ch !== config.channel || theirs.lane !== config.lane) {
        return fail(
          CloseCode.HandshakeProtocol,
          `dialled channel ${config.channel} lane ${config.lane}, the peer answered for ` +
            `${received.ch} lane ${theirs.lane}`,
        );
      }
      channel = config.channel;
      lane = config.lane;
      dialer = config.local.name;
      acceptor = peerName;
      dialerNonce = config.nonce;
      acceptorNonce = theirs.nonce;
      break;
    case 'acceptor':
      // a dialler without `expect` is reaching a seed address whose name it does not know
      if (theirs.expect !== undefined && theirs.expect !== config.local.name) {
        return fail(
          CloseCode.WrongName,
          `the dialler expected ${theirs.expect} but this node is ${config.local.name}`,
        );
      }
      channel = received.ch;
      lane = theirs.lane;
      dialer = peerName;
      acceptor = config.local.name;
      dialerNonce = theirs.nonce;
      acceptorNonce = config.nonce;
      send.push(hello(config, channel, lane));
      break;
    default: {
      const unreachable: never = config;
      throw new TypeError(`unknown handshake role ${describeValue(unreachable)}`);
    }
  }

  if (config.auth.mode === 'insecure') {
    return established(config.role, theirs.spec, channel, lane, send);
  }
  const transcript: Transcript = {
    protocol,
    cluster: config.cluster,
    dialer,
    acceptor,
    channel,
    lane,
    dialerNonce,
    acceptorNonce,
  };
  send.push(
    frame(channel, 'proof', { mac: computeProof(config.auth.secret, transcript, config.role) }),
  );
  return {
    state: { phase: 'awaiting_proof', config, peer: theirs.spec, transcript },
    send,
  };
}

function hello(config: HandshakeConfig, channel: string, lane: number): Envelope {
  return frame(channel, 'hello', {
    protocol: config.protocol ?? PROTOCOL_VERSION,
    cluster: config.cluster,
    spec: config.local,
    nonce: config.nonce,
    auth: authMode(config),
    lane,
    ...(config.role === 'dialer' && config.expectedPeer !== undefined
      ? { expect: config.expectedPeer }
      : {}),
  });
}

function authMode(config: HandshakeConfig): AuthMode {
  return config.auth.mode === 'secret' ? 'hmac-sha256' : 'none';
}

function secretLength(secret: string | Uint8Array): number {
  return typeof secret === 'string' ? secret.length : secret.byteLength;
}

function established(
  role: HandshakeRole,
  peer: NodeSpec,
  channel: string,
  lane: number,
  send: readonly Envelope[],
): HandshakeStep {
  const outcome: HandshakeOutcome = { type: 'established', peer, channel, lane, role };
  return { state: { phase: 'done', outcome }, send, outcome };
}

function fail(code: number, reason: string): HandshakeStep {
  const outcome: HandshakeOutcome = { type: 'failed', error: new HandshakeError(code, reason) };
  return { state: { phase: 'done', outcome }, send: [], outcome };
}
