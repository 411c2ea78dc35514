import type { Rng } from '../util/rng.js';

/** Reconnect delays: exponential growth with full jitter. */
export interface BackoffOptions {
  /** Ceiling of the first delay, in ms (default 100). */
  readonly baseMs?: number;
  /** Largest ceiling, in ms (default 10 000). */
  readonly capMs?: number;
}

/** First delay ceiling. */
export const DEFAULT_BACKOFF_BASE_MS = 100;
/** Largest delay ceiling. */
export const DEFAULT_BACKOFF_CAP_MS = 10_000;

/**
 * Doubling stops mattering once the ceiling reaches the cap; stopping the exponent here
 * keeps `2 ** attempt` from ever overflowing to Infinity after a long outage.
 */
const MAX_EXPONENT = 52;

/** The upper bound of the delay before retry number `attempt` (0-based): base doubled, capped. */
export function backoffCeiling(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs, capMs } = checkedOptions(options);
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), MAX_EXPONENT);
  return Math.min(capMs, baseMs * 2 ** exponent);
}

/**
 * The delay before retry number `attempt`: uniform in [0, ceiling) ("full jitter").
 * Spreading retries over the whole interval keeps nodes that lost a peer at the same
 * moment from reconnecting in lockstep.
 */
export function backoffDelay(attempt: number, rng: Rng, options: BackoffOptions = {}): number {
  return Math.floor(rng.next() * backoffCeiling(attempt, options));
}

/** Reconnect delays for one peer: each failure lengthens the next wait, a success resets it. */
export class Backoff {
  private attempts = 0;
  private readonly options: Required<BackoffOptions>;

  constructor(
    private readonly rng: Rng,
    options: BackoffOptions = {},
  ) {
    this.options = checkedOptions(options);
  }

  /** Failed attempts since the last reset. */
  get attempt(): number {
    return this.attempts;
  }

  /** The delay before the next attempt; counts one more failure. */
  next(): number {
    const delay = backoffDelay(this.attempts, this.rng, this.options);
    this.attempts++;
    return delay;
  }

  /** Call on a successful (re)connect: the next failure starts from the base again. */
  reset(): void {
    this.attempts = 0;
  }
}

function checkedOptions(options: BackoffOptions): Required<BackoffOptions> {
  const baseMs = options.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const capMs = options.capMs ?? DEFAULT_BACKOFF_CAP_MS;
  if (!Number.isFinite(baseMs) || baseMs <= 0) {
    throw new RangeError(`backoff baseMs must be a positive number (got ${baseMs})`);
  }
  if (!Number.isFinite(capMs) || capMs < baseMs) {
    throw new RangeError(`backoff capMs must be a number >= baseMs (got ${capMs})`);
  }
  return { baseMs, capMs };
}
