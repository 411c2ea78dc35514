/**
 * The composed core's timers: one typed union over the timers of its sub-cores, so a
 * host keeps a single timer table and routes every firing back through one `step`.
 */
import type { TimerKey } from '../broadcast/core/index.js';

/** Timers owned by the membership layer (full membership or HyParView). */
export type MembershipTimer =
  /** Full membership: periodic gossip, join retry and tombstone collection. */
  | { readonly kind: 'gossipTick' }
  /** HyParView: periodic shuffle. */
  | { readonly kind: 'shuffleTick' }
  /** HyParView: periodic promotion of passive peers. */
  | { readonly kind: 'promotionTick' }
  /** HyParView: join again through a seed after the core reported isolation. */
  | { readonly kind: 'rejoin' };

/** Timers owned by the Plumtree layer. */
export type PlumtreeTimer =
  /** Every `lazyTickPeriod`: flush outstanding announcements. */
  | { readonly kind: 'lazyTick' }
  /** Every `exchangeTickPeriod`: maybe start an anti-entropy exchange. */
  | { readonly kind: 'exchangeTick' }
  /** A timer the Plumtree core armed itself (delayed grafts), under the core's own key. */
  | { readonly kind: 'core'; readonly key: TimerKey };

/** Every timer of a composed node, namespaced by the layer that owns it. */
export type NodeTimer =
  | { readonly layer: 'membership'; readonly key: MembershipTimer }
  | { readonly layer: 'plumtree'; readonly key: PlumtreeTimer };

/**
 * A stable string for a timer, for hosts that keep timers in a map: two timers are the
 * same timer exactly when their ids are equal (arming one replaces the other).
 */
export function timerId(timer: NodeTimer): string {
  const { key } = timer;
  if (timer.layer === 'plumtree' && key.kind === 'core') return `plumtree/core/${key.key}`;
  return `${timer.layer}/${key.kind}`;
}
