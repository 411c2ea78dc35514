/**
 * Every WebSocket close code the channel layer uses, in one place, so that both ends
 * and the counters agree on what a close meant. Codes below 4000 are the standard ones
 * from RFC 6455; 4000-4999 is the range the RFC leaves to applications.
 */
export const CloseCode = {
  /** Orderly close: the connection is no longer wanted (for example the peer left). */
  Normal: 1000,
  /** This node is stopping. */
  GoingAway: 1001,
  /** The frame's bytes are not a MessagePack value msgpackr can decode. */
  InvalidPayload: 1007,
  /** The frame decoded but does not match the envelope schema. */
  PolicyViolation: 1008,
  /** The frame is larger than `maxFrameBytes`. */
  MessageTooBig: 1009,
  /** This node hit an unexpected fault while handling the connection. */
  InternalError: 1011,
  /** Both nodes dialled at once; the tie-break kept the other connection of the pair. */
  DuplicateConnection: 4000,
  /** The peer could not prove it holds the cluster secret (or one side runs without one). */
  AuthFailed: 4001,
  /** The answering node is not the node that was dialled, or a node reached itself. */
  WrongName: 4002,
  /** The peer speaks another protocol version or belongs to another cluster. */
  Mismatch: 4003,
  /** The handshake did not finish within its timeout. */
  HandshakeTimeout: 4004,
  /** The peer sent a frame the handshake did not expect at that point. */
  HandshakeProtocol: 4005,
  /** The peer answered no ping within the failure-detection timeout. */
  PingTimeout: 4006,
  /** This node blocks the peer (an operator's quarantine, or a test's partition). */
  Blocked: 4007,
} as const;

/** One of the codes in {@link CloseCode}. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** The close codes a failed handshake may carry. */
export type HandshakeCloseCode =
  | typeof CloseCode.AuthFailed
  | typeof CloseCode.WrongName
  | typeof CloseCode.Mismatch
  | typeof CloseCode.HandshakeTimeout
  | typeof CloseCode.HandshakeProtocol
  | typeof CloseCode.Blocked;

/** The close codes a rejected frame may carry. */
export type FrameCloseCode =
  | typeof CloseCode.InvalidPayload
  | typeof CloseCode.PolicyViolation
  | typeof CloseCode.MessageTooBig;

const meanings: Readonly<Record<CloseCode, string>> = {
  1000: 'normal close',
  1001: 'node going away',
  1007: 'undecodable frame',
  1008: 'frame violates the envelope schema',
  1009: 'frame too big',
  1011: 'internal error',
  4000: 'duplicate connection closed by tie-break',
  4001: 'authentication failed',
  4002: 'wrong node name',
  4003: 'protocol version or cluster mismatch',
  4004: 'handshake timeout',
  4005: 'handshake protocol violation',
  4006: 'ping timeout',
  4007: 'blocked by this node',
};

/** A short human label for a close code, including codes this layer does not define. */
export function describeCloseCode(code: number): string {
  if (Object.hasOwn(meanings, code)) return meanings[code as CloseCode];
  if (code >= 4000 && code <= 4999) return `application close code ${code}`;
  return `close code ${code}`;
}

/**
 * RFC 6455 caps a close frame's reason at 123 bytes of UTF-8; `ws` throws on a longer
 * one, which would turn a clean close into a crash.
 */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Cuts a reason to fit a WebSocket close frame without splitting a UTF-8 character. */
export function truncateCloseReason(reason: string): string {
  if (Buffer.byteLength(reason, 'utf8') <= MAX_CLOSE_REASON_BYTES) return reason;
  let out = '';
  let used = 0;
  const ellipsis = '...';
  const budget = MAX_CLOSE_REASON_BYTES - ellipsis.length;
  for (const char of reason) {
    const size = Buffer.byteLength(char, 'utf8');
    if (used + size > budget) break;
    out += char;
    used += size;
  }
  return out + ellipsis;
}
