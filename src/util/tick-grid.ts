/**
 * Coalesced timers for periodic housekeeping (failure-detector periods, keepalives).
 *
 * An idle node's CPU goes to waking up, not to the little work each timer does, so
 * timers that can wait a little are rounded up to a grid of wall-clock instants
 * (multiples of `gridMs` since the epoch) and share one process timer per instant:
 * a node's prober and the keepalives of all its connections wake it once per grid
 * step at most, whatever the number of connections. The grid is wall-clock time so
 * that every process on a host (and every host whose clock is synchronised) wakes at
 * the same instants: the frames those wake-ups send then arrive while their receivers
 * are awake anyway, and a host running many nodes pays one burst per step instead of
 * one wake-up per frame. Nothing depends on the alignment for correctness.
 */

/** A callback waiting for its grid instant; pass it to {@link TickGrid.cancel}. */
export interface GridEntry {
  readonly slot: number;
  readonly fn: () => void;
  /** Whether this entry keeps the process alive, as a plain timer does. */
  readonly ref: boolean;
}

/** How far before a grid instant a deadline still counts as on it. */
const SLACK_MS = 0.01;

/** Wall-clock ms with sub-ms resolution. */
const wallNow = (): number => performance.timeOrigin + performance.now();

/** One process-wide timer per grid step; see the module comment. */
export class TickGrid {
  /** Entries by grid instant (wall-clock ms). */
  private readonly slots = new Map<number, Set<GridEntry>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerSlot = Number.POSITIVE_INFINITY;
  /** Entries that keep the process alive. */
  private refs = 0;

  constructor(
    /** Spacing of the grid instants, ms. */
    readonly gridMs: number,
    private readonly now: () => number = wallNow,
  ) {
    if (!(gridMs > 0) || !Number.isFinite(gridMs)) {
      throw new RangeError(`gridMs must be a positive number (got ${gridMs})`);
    }
  }

  /** The first grid instant at least `delayMs` from now, as a delay from now (ms). */
  delayTo(delayMs: number): number {
    const now = this.now();
    return this.slotAfter(now, delayMs) - now;
  }

  /**
   * Runs `fn` at the first grid instant at least `delayMs` from now. With `ref`, the
   * entry keeps the process alive until it runs (housekeeping does not, by default).
   */
  after(delayMs: number, fn: () => void, ref = false): GridEntry {
    const entry: GridEntry = { slot: this.slotAfter(this.now(), delayMs), fn, ref };
    if (ref && this.refs++ === 0) this.timer?.ref();
    let set = this.slots.get(entry.slot);
    if (set === undefined) {
      set = new Set();
      this.slots.set(entry.slot, set);
    }
    set.add(entry);
    if (entry.slot < this.timerSlot) this.arm(entry.slot);
    return entry;
  }

  /** Forgets `entry`; its callback will not run. */
  cancel(entry: GridEntry): void {
    const set = this.slots.get(entry.slot);
    if (set === undefined || !set.delete(entry)) return;
    if (entry.ref) this.unrefOne();
    if (set.size === 0) this.slots.delete(entry.slot);
    // the timer of an emptied instant is left to fire: it costs less than re-arming
  }

  private slotAfter(now: number, delayMs: number): number {
    // an instant computed from another clock's offset may miss a grid point by an ulp
    const at = now + Math.max(0, delayMs) - SLACK_MS;
    return Math.ceil(at / this.gridMs) * this.gridMs;
  }

  private unrefOne(): void {
    if (--this.refs === 0) this.timer?.unref();
  }

  private arm(slot: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerSlot = slot;
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(slot - this.now())));
    if (this.refs === 0) this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.timerSlot = Number.POSITIVE_INFINITY;
    // a timer may fire a fraction of a millisecond before the instant by this clock
    const now = this.now() + 1;
    const due = [...this.slots.keys()].filter((slot) => slot <= now).sort((a, b) => a - b);
    for (const slot of due) {
      const set = this.slots.get(slot);
      this.slots.delete(slot);
      for (const entry of set ?? []) {
        if (entry.ref) this.unrefOne();
        entry.fn();
      }
    }
    let next = Number.POSITIVE_INFINITY;
    for (const slot of this.slots.keys()) if (slot < next) next = slot;
    if (next < this.timerSlot) this.arm(next);
  };
}

const grids = new Map<number, TickGrid>();

/** The process's shared grid of step `gridMs` (one per step, created on first use). */
export function sharedTickGrid(gridMs: number): TickGrid {
  let grid = grids.get(gridMs);
  if (grid === undefined) {
    grid = new TickGrid(gridMs);
    grids.set(gridMs, grid);
  }
  return grid;
}
