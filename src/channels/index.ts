/**
 * The channel layer: `startChannels` runs a node's listener and one channel actor per
 * peer under a supervisor, with sends, remote cast/call and peer events on top. Below
 * it, the pure parts: node specs, the frame codec, the handshake, the connection
 * tie-break, reconnect backoff, failure detection, the outgoing queue and counters.
 */
export { Backoff, type BackoffOptions, backoffCeiling, backoffDelay } from './backoff.js';
export {
  ChannelCounters,
  type ChannelTotals,
  type CountersSnapshot,
} from './channel-counters.js';
export { type ChannelTable, negotiateChannels, resolveChannel } from './channel-table.js';
export {
  Channels,
  type ChannelsOptions,
  type ConnectTarget,
  channelsChildSpec,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_HIGH_WATER_BYTES,
  DEFAULT_REMOTE_CALL_TIMEOUT_MS,
  startChannels,
} from './channels.js';
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
  ChannelsStoppedError,
  FrameError,
  HandshakeError,
  InvalidNodeSpecError,
  MissingSecretError,
  type NodeSpecIssue,
  NotReachableError,
  PeerBlockedError,
  PeerDownError,
  QueueFullError,
  RemoteCallTimeoutError,
  RemoteExitError,
  RemoteNoProcError,
  UnknownPeerError,
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
export type { DataHandler, PeerEvent, PeerEventHandler } from './hub.js';
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
export { ChannelMetricNames } from './metrics.js';
export { scopedName } from './names.js';
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
export type { ConnectionInfo, SendOptions } from './peer-link.js';
export type { RemoteTarget } from './remote.js';
export {
  type ConnectionDirection,
  preferredDialer,
  resolveDuplicate,
  type TieBreakDecision,
} from './tie-break.js';
export type { ChannelsTlsOptions } from './tls.js';
