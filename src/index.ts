/**
 * plumtree-ts: Plumtree epidemic broadcast trees for Node.js, on an OTP-style actor
 * runtime over nact.
 */
export * from './actors/index.js';
export * from './admin/index.js';
export * from './broadcast/index.js';
export {
  type Channels,
  type ChannelsOptions,
  channelsChildSpec,
  type NodeSpec,
  QueueFullError,
  startChannels,
  validateNodeSpec,
} from './channels/index.js';
export * from './handlers/heartbeat/index.js';
export * from './handlers/metadata/index.js';
export * from './log/index.js';
export * from './metrics/index.js';
export * from './node/index.js';
export {
  InvalidAddressError,
  NotAMemberError,
  NotReachableError,
  type PeerService,
  type PeerServiceOptions,
  peerServiceChildSpec,
  SelfJoinError,
  startPeerService,
} from './peer-service/index.js';
export * from './supervisor/index.js';
