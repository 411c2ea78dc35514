/**
 * Timers, as `erlang:send_after/3`: the message arrives as an info message. A timer
 * belongs to the process it is sent to and dies with it, so a restarted actor never
 * receives its predecessor's ticks.
 */
import { NoProcError } from './errors.js';
import { deliverInfo, freshId } from './process-table.js';
import { describeTarget, resolveTarget, type Target } from './target.js';

/** Identifies one timer; pass it to {@link cancelTimer}. */
export interface TimerRef {
  readonly id: number;
  readonly owner: Target;
}

const MAX_DELAY = 2_147_483_647;

/** Delivers `msg` to `dest`'s `handleInfo` after `ms` milliseconds. */
export function sendAfter(dest: Target, msg: unknown, ms: number): TimerRef {
  const proc = resolveTarget(dest);
  if (!proc) throw new NoProcError(describeTarget(dest));
  if (!(ms >= 0)) throw new RangeError(`sendAfter: delay must be >= 0, got ${ms}`);
  const id = freshId();
  const handle = setTimeout(
    () => {
      proc.timers.delete(id);
      if (proc.status !== 'dead') deliverInfo(proc, msg);
    },
    Math.min(ms, MAX_DELAY),
  );
  proc.timers.set(id, handle);
  return { id, owner: proc.ref };
}

/** Cancels a timer. Returns false if it had already fired or been cancelled. */
export function cancelTimer(timer: TimerRef): boolean {
  const proc = resolveTarget(timer.owner);
  const handle = proc?.timers.get(timer.id);
  if (!proc || handle === undefined) return false;
  clearTimeout(handle);
  proc.timers.delete(timer.id);
  return true;
}
