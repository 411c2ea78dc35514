/**
 * The seams between the composed core and its sub-cores: every call into a sub-core
 * goes through exactly one function here, so a sub-core whose API changes (a `now`
 * argument, core-owned timers) is swapped in by editing one adapter.
 */
import {
  type PlumtreeEffect,
  type PlumtreeEvent,
  type PlumtreeState,
  step as stepPlumtree,
} from '../broadcast/core/index.js';
import {
  type FullMembershipEffect,
  type FullMembershipEvent,
  type FullMembershipState,
  type HyParViewEffect,
  type HyParViewEvent,
  type HyParViewState,
  type NodeSpec,
  stepFullMembership,
  stepHyParView,
} from '../peer-service/core/index.js';
import type { Rng } from '../util/rng.js';

/** Advances the Plumtree core. */
export function plumtreeStep(
  state: PlumtreeState,
  event: PlumtreeEvent,
  now: number,
): PlumtreeEffect[] {
  return stepPlumtree(state, event, now);
}

/** Advances the full-membership core (it stamps incarnations with `now`). */
export function fullMembershipStep(
  state: FullMembershipState,
  event: FullMembershipEvent,
  now: number,
): FullMembershipEffect[] {
  return stepFullMembership(state, event, { now });
}

/** Advances the HyParView core. The current core takes no clock; `now` is for its successor. */
export function hyParViewStep(
  state: HyParViewState<NodeSpec>,
  event: HyParViewEvent<NodeSpec>,
  rng: Rng,
  _now: number,
): HyParViewEffect<NodeSpec>[] {
  return stepHyParView(state, event, { rng });
}
