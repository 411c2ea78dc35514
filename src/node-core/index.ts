/**
 * The composed node core: a peer service (full membership or HyParView) and a
 * Plumtree broadcast server behind one pure `step`. See docs/dst.md.
 */
export type { HandlerCall, NodeCoreEffect } from './effects.js';
export type {
  HandlerAnswerEvent,
  MembershipWireMessage,
  NodeCoreEvent,
  NodeEnvelope,
} from './events.js';
export type {
  MembershipLayer,
  NodeCoreConfig,
  NodeCoreState,
  Overlay,
} from './node-core-state.js';
export { viewOf } from './queries.js';
export { createNodeCore, step } from './step.js';
export { fullMembershipStep, hyParViewStep, plumtreeStep } from './sub-cores.js';
export type { MembershipTimer, NodeTimer, PlumtreeTimer } from './timers.js';
export { timerId } from './timers.js';
