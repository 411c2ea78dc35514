/**
 * The timers a broadcast core arms for itself. The shell keeps at most one timer
 * per key (compare keys with {@link timerId}): `setTimer` with a key already armed
 * replaces it, and a timer fires by feeding `{ type: 'timer', key }` back.
 */
export type TimerKey =
  /** Flush outstanding announcements as `i_have`s; armed only while some are owed. */
  | { readonly type: 'lazyTick' }
  /** Maybe start an anti-entropy exchange; periodic once started. */
  | { readonly type: 'exchangeTick' }
  /** The delayed graft of the missing message with message key `key`. */
  | { readonly type: 'graft'; readonly key: string };

/** The kinds of core timer, e.g. for per-kind bookkeeping in a shell. */
export type TimerType = TimerKey['type'];

const LAZY_TICK: TimerKey = Object.freeze({ type: 'lazyTick' });
const EXCHANGE_TICK: TimerKey = Object.freeze({ type: 'exchangeTick' });

/** The lazy tick's key. */
export function lazyTickTimer(): TimerKey {
  return LAZY_TICK;
}

/** The exchange tick's key. */
export function exchangeTickTimer(): TimerKey {
  return EXCHANGE_TICK;
}

/** The delayed-graft timer of the message with key `key`. */
export function graftTimer(key: string): TimerKey {
  return { type: 'graft', key };
}

/**
 * A string naming `key` uniquely, so a shell can keep its timers in a `Map`:
 * two keys get the same id exactly when they name the same timer.
 */
export function timerId(key: TimerKey): string {
  switch (key.type) {
    case 'lazyTick':
      return 'lazyTick';
    case 'exchangeTick':
      return 'exchangeTick';
    case 'graft':
      return `graft:${key.key}`;
    default: {
      const never: never = key;
      throw new Error(`unknown timer ${JSON.stringify(never)}`);
    }
  }
}
