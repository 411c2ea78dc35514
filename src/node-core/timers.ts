/**
 * The composed core's timers: one typed union over the timers its sub-cores arm
 * themselves, so a host keeps a single timer table and routes every firing back
 * through one `step`. The composed core adds no timers of its own: every periodic
 * tick, graft timer, shuffle, promotion and rejoin is owned by the core it belongs to.
 */
import { timerId as plumtreeTimerId, type TimerKey } from '../broadcast/core/index.js';
import type { FullMembershipTimer, HyParViewTimer } from '../peer-service/core/index.js';

/** Timers owned by the membership layer: full membership's periodic gossip, or HyParView's. */
export type MembershipTimer = FullMembershipTimer | HyParViewTimer;

/** Timers owned by the Plumtree layer (ticks and delayed grafts), under the core's own keys. */
export type PlumtreeTimer = TimerKey;

/** Every timer of a composed node, namespaced by the layer that owns it. */
export type NodeTimer =
  | { readonly layer: 'membership'; readonly key: MembershipTimer }
  | { readonly layer: 'plumtree'; readonly key: PlumtreeTimer };

/**
 * A stable string for a timer, for hosts that keep timers in a map: two timers are the
 * same timer exactly when their ids are equal (arming one replaces the other).
 */
export function timerId(timer: NodeTimer): string {
  if (timer.layer === 'plumtree') return `plumtree/${plumtreeTimerId(timer.key)}`;
  return `membership/${timer.key.type}`;
}
