export {
  InvalidOptionsError,
  JoinSelfError,
  MembershipDecodeError,
  SpecNameMismatchError,
  UnknownMemberError,
} from './errors.js';
export {
  defaultFullMembershipOptions,
  type FullMembershipInit,
  type FullMembershipOptions,
  type FullMembershipState,
  fullMembershipOptions,
  initFullMembership,
  type MembershipContext,
  membersOf,
  snapshotOf,
  specOf,
  stepFullMembership,
} from './full-membership.js';
export type {
  FullMembershipEffect,
  FullMembershipEvent,
  FullMembershipTimer,
  MembershipMessage,
} from './full-membership-messages.js';
export { parseMembershipMessage } from './full-membership-wire.js';
export {
  activeOf,
  createHyParView,
  type HyParViewContext,
  type HyParViewState,
  knownPeersOf,
  type LostPeer,
  stepHyParView,
} from './hyparview.js';
export type {
  HyParViewEffect,
  HyParViewEvent,
  HyParViewMessage,
  HyParViewTimer,
  NeighborPriority,
  PeerRef,
} from './hyparview-messages.js';
export {
  defaultHyParViewOptions,
  type HyParViewOptions,
  hyParViewOptions,
} from './hyparview-options.js';
export {
  MAX_SHUFFLE_ENTRIES,
  MAX_WIRE_TTL,
  parseHyParViewMessage,
} from './hyparview-wire.js';
export {
  type AliveEntry,
  aliveEntry,
  cloneCrdt,
  compareEntries,
  crdtEquals,
  emptyCrdt,
  fromData,
  leq,
  liveNames,
  liveViewDigest,
  type MembershipCrdt,
  type MembershipEntry,
  type MembershipEntryData,
  type MembershipStateData,
  mergeEntryInto,
  mergeInto,
  type RemovedEntry,
  removedEntry,
  type TombstoneAck,
  type TombstoneAckData,
  toData,
} from './membership-crdt.js';
export { type ChannelSpec, canonicalSpec, type ListenAddr, type NodeSpec } from './node-spec.js';
export { type WireParse, WireRejection } from './wire-spec.js';
