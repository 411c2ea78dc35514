/**
 * Timers, as `erlang:send_after/3`: the message arrives as an info message. A timer
 * belongs to the process it is sent to and dies with it, so a restarted actor never
 * receives its predecessor's ticks.
 */

import { sharedTickGrid } from '../util/tick-grid.js';
import { NoProcError } from './errors.js';
import { deliverInfo, freshId } from './process-table.js';
import { describeTarget, resolveTarget, type Target } from './target.js';

/** Identifies one timer; pass it to {@link cancelTimer}. */
export interface TimerRef {
  readonly id: number;
  readonly owner: Target;
}

const MAX_DELAY = 2_147_483_647;

/**
 * Timers of this many ms or more (periodic gossip, exchange ticks, join timeouts) fire
 * at the next whole wall-clock second at or after their time, on the process's shared
 * tick grid (`util/tick-grid.ts`): an idle node then wakes once for all of them and
 * for its failure detector, and at the same instants as the other nodes. Shorter
 * timers (graft timeouts, lazy ticks, backoff) are exact.
 */
export const COALESCED_FROM_MS = 5_000;

/**
 * Delivers `msg` to `dest`'s `handleInfo` after `ms` milliseconds (up to a second
 * later from {@link COALESCED_FROM_MS} on).
 */
export function sendAfter(dest: Target, msg: unknown, ms: number): TimerRef {
  const proc = resolveTarget(dest);
  if (!proc) throw new NoProcError(describeTarget(dest));
  if (!(ms >= 0)) throw new RangeError(`sendAfter: delay must be >= 0, got ${ms}`);
  const id = freshId();
  const fire = () => {
    proc.timers.delete(id);
    if (proc.status !== 'dead') deliverInfo(proc, msg);
  };
  if (ms >= COALESCED_FROM_MS && ms <= MAX_DELAY) {
    const grid = sharedTickGrid(1000);
    const entry = grid.after(ms, fire, true);
    proc.timers.set(id, () => grid.cancel(entry));
  } else {
    const handle = setTimeout(fire, Math.min(ms, MAX_DELAY));
    proc.timers.set(id, () => clearTimeout(handle));
  }
  return { id, owner: proc.ref };
}

/** Cancels a timer. Returns false if it had already fired or been cancelled. */
export function cancelTimer(timer: TimerRef): boolean {
  const proc = resolveTarget(timer.owner);
  const cancel = proc?.timers.get(timer.id);
  if (!proc || cancel === undefined) return false;
  cancel();
  proc.timers.delete(timer.id);
  return true;
}
