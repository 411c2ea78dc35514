/**
 * The channel layer's pure parts: node specs, the frame codec, the handshake, the
 * connection tie-break, reconnect backoff, failure detection, the outgoing queue and
 * counters. The listener and channel actors build on these.
 */
export { Backoff, type BackoffOptions, backoffCeiling, backoffDelay } from './backoff.js';
export {
  ChannelCounters,
  type ChannelTotals,
  type CountersSnapshot,
} from './channel-counters.js';
export { type ChannelTable, negotiateChannels, resolveChannel } from './channel-table.js';
export {
  CloseCode,
  describeCloseCode,
  type FrameCloseCode,
  type HandshakeCloseCode,
  MAX_CLOSE_REASON_BYTES,
  truncateCloseReason,
} from './close-codes.js';
export { type CodecOptions, DEFAULT_MAX_FRAME_BYTES, decodeFrame, encodeFrame } from './codec.js';
export {
  type AuthMode,
  type BodyOf,
  ENVELOPE_VERSION,
  type Envelope,
  FRAME_KINDS,
  type FrameKind,
  frame,
  type MessageKey,
  type RemoteCallErrorKind,
} from './envelope.js';
export {
  FrameError,
  HandshakeError,
  InvalidNodeSpecError,
  type NodeSpecIssue,
  PeerDownError,
  QueueFullError,
  RemoteCallTimeoutError,
  RemoteExitError,
  RemoteNoProcError,
} from './errors.js';
export { type FrameResult, validateEnvelope } from './frame-schema.js';
export {
  type AcceptorConfig,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  type DialerConfig,
  type HandshakeAuth,
  type HandshakeConfig,
  type HandshakeEvent,
  type HandshakeOutcome,
  type HandshakeState,
  type HandshakeStep,
  PROTOCOL_VERSION,
  startHandshake,
  stepHandshake,
} from './handshake.js';
export type { HandshakeRole } from './handshake-proof.js';
export {
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PING_TIMEOUT_MS,
  type LivenessAction,
  type LivenessOptions,
  type LivenessState,
  livenessDeadline,
  livenessReceived,
  livenessTick,
  startLiveness,
} from './liveness.js';
export {
  type ChannelInput,
  type ChannelSpec,
  DEFAULT_CHANNEL,
  DEFAULT_HOST,
  type ListenAddr,
  MEMBERSHIP_CHANNEL,
  type NamedChannelInput,
  type NodeSpec,
  type NodeSpecInput,
  validateNodeSpec,
} from './node-spec.js';
export {
  DEFAULT_MAX_QUEUE_BYTES,
  type EnqueueReceipt,
  type EnqueueRequest,
  type LaneRef,
  OutgoingQueue,
  type OutgoingQueueOptions,
  type QueuedFrame,
  type QueueStats,
} from './outgoing-queue.js';
export { laneForKey, stableHash } from './partition.js';
export {
  type ConnectionDirection,
  preferredDialer,
  resolveDuplicate,
  type TieBreakDecision,
} from './tie-break.js';
