import type { NodeSpec } from './node-spec.js';

/**
 * The frame envelope every WebSocket message carries: `{ v, ch, k, b }`. Field names are
 * short because they are repeated in every frame; bodies use readable names because
 * each kind's body is small next to the payload it carries.
 */

/** The envelope format version; a frame with another `v` is refused (1008). */
export const ENVELOPE_VERSION = 1;

/** How a node proves cluster membership in the handshake. */
export type AuthMode = 'hmac-sha256' | 'none';

/** A key choosing the connection lane (`key mod parallelism`) or naming a replaceable value. */
export type MessageKey = number | string;

/** Why a remote call produced no reply. */
export type RemoteCallErrorKind = 'noproc' | 'exit' | 'timeout';

/** Opening frame of both sides of a handshake. */
export interface HelloBody {
  /** Channel protocol version; peers on different versions refuse each other (4003). */
  readonly protocol: number;
  readonly cluster: string;
  readonly spec: NodeSpec;
  /** A fresh random nonce (16..64 bytes) the peer's proof must cover. */
  readonly nonce: Uint8Array;
  readonly auth: AuthMode;
  /** Which connection of the channel (named by the envelope's `ch`) this socket serves. */
  readonly lane: number;
  /** The name the dialler expects to reach; set by the dialler only. */
  readonly expect?: string;
}

/** Each side's answer to the other's hello: an HMAC-SHA256 over the transcript. */
export interface ProofBody {
  readonly mac: Uint8Array;
}

/** Liveness probe on an idle connection, answered by a pong with the same `seq`. */
export interface PingBody {
  readonly seq: number;
}

/**
 * Failure detection through a third node: `probe_req` asks the receiver to probe
 * `target` on the sender's behalf, `probe_ack` reports that `target` answered it.
 */
export interface ProbeBody {
  readonly target: string;
}

/** An application message on a channel. */
export interface DataBody {
  readonly msg: unknown;
  readonly partitionKey?: MessageKey;
  readonly monotonicKey?: MessageKey;
}

/** A fire-and-forget message to a process registered under `to` on the receiving node. */
export interface CastBody {
  readonly to: string;
  readonly msg: unknown;
}

/** A request to a registered process; answered by a reply or a call error with `ref`. */
export interface CallBody {
  readonly to: string;
  /** Caller-chosen id, unique among the caller's pending calls to this peer. */
  readonly ref: number;
  readonly msg: unknown;
  /** How long the caller waits; the callee may give up on the request after it. */
  readonly timeoutMs: number;
}

/** The answer to a call. */
export interface ReplyBody {
  readonly ref: number;
  readonly msg: unknown;
}

/** A call that could not be answered. */
export interface CallErrorBody {
  readonly ref: number;
  readonly error: RemoteCallErrorKind;
  readonly message: string;
}

/** Sent just before closing, to give a reason longer than a close frame allows. */
export interface CloseBody {
  readonly code: number;
  readonly reason: string;
}

interface Frame<K extends string, B> {
  readonly v: typeof ENVELOPE_VERSION;
  /** The channel this frame belongs to; an unknown name falls back to the default one. */
  readonly ch: string;
  readonly k: K;
  readonly b: B;
}

/** Handshake opening. */
export type HelloFrame = Frame<'hello', HelloBody>;
/** Handshake proof. */
export type ProofFrame = Frame<'proof', ProofBody>;
/** Liveness probe. */
export type PingFrame = Frame<'ping', PingBody>;
/** Liveness answer. */
export type PongFrame = Frame<'pong', PingBody>;
/** Indirect probe request. */
export type ProbeReqFrame = Frame<'probe_req', ProbeBody>;
/** Indirect probe answer. */
export type ProbeAckFrame = Frame<'probe_ack', ProbeBody>;
/** Application message. */
export type DataFrame = Frame<'data', DataBody>;
/** Remote cast. */
export type CastFrame = Frame<'cast', CastBody>;
/** Remote call. */
export type CallFrame = Frame<'call', CallBody>;
/** Remote call answer. */
export type ReplyFrame = Frame<'reply', ReplyBody>;
/** Remote call failure. */
export type CallErrorFrame = Frame<'call_error', CallErrorBody>;
/** Announced close. */
export type CloseFrame = Frame<'close', CloseBody>;

/** Every frame that may cross the wire, discriminated by `k`. */
export type Envelope =
  | HelloFrame
  | ProofFrame
  | PingFrame
  | PongFrame
  | ProbeReqFrame
  | ProbeAckFrame
  | DataFrame
  | CastFrame
  | CallFrame
  | ReplyFrame
  | CallErrorFrame
  | CloseFrame;

/** The kind tag of a frame. */
export type FrameKind = Envelope['k'];

/** Every kind, for validation and tests. */
export const FRAME_KINDS: readonly FrameKind[] = [
  'hello',
  'proof',
  'ping',
  'pong',
  'probe_req',
  'probe_ack',
  'data',
  'cast',
  'call',
  'reply',
  'call_error',
  'close',
];

/** The body type of a frame kind. */
export type BodyOf<K extends FrameKind> = Extract<Envelope, { k: K }>['b'];

/** Builds an envelope of the given kind; the compiler checks the body against the kind. */
export function frame<K extends FrameKind>(
  ch: string,
  k: K,
  b: BodyOf<K>,
): Extract<Envelope, { k: K }> {
  return { v: ENVELOPE_VERSION, ch, k, b } as Extract<Envelope, { k: K }>;
}
