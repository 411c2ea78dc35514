/** The peer service: membership over channels, as a supervised manager. */
export { parseHostPort } from './address.js';
export * from './core/index.js';
export {
  InvalidAddressError,
  NotAMemberError,
  NotReachableError,
  SelfJoinError,
} from './errors.js';
export type { PeerServiceEvent } from './events.js';
export {
  type JoinTarget,
  type PeerService,
  type PeerServiceOptions,
  peerServiceChildSpec,
  startPeerService,
} from './peer-service.js';
export type { MembershipListener, PeerListener } from './subscribers.js';
export type { HostPort, PeerEvent, PeerTransport } from './transport.js';
