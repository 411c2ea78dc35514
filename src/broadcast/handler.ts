/**
 * What a broadcast handler implements (public contract). The core never calls it:
 * the shell (actor server or simulator) does, on the core's handler-call effects.
 */
export interface BroadcastHandler<M = unknown, Id = unknown, P = unknown> {
  /** The same on every node; messages name their handler by it. */
  readonly name: string;
  /** Turns a message to broadcast into its id and payload (and usually stores it). */
  broadcastData(message: M): { id: Id; payload: P };
  /** Stores a received payload; true when it was new and is delivered. */
  merge(id: Id, payload: P): boolean | Promise<boolean>;
  /** Whether `id` is known or superseded, i.e. no graft is needed. */
  isStale(id: Id): boolean | Promise<boolean>;
  /** The payload of `id` for a peer that is missing it. */
  graft(id: Id): GraftAnswer<P> | Promise<GraftAnswer<P>>;
  /** Starts an anti-entropy exchange with `peer`. */
  exchange(peer: string): ExchangeAnswer | Promise<ExchangeAnswer>;
  /** The channel to broadcast on; the default channel when absent. */
  broadcastChannel?(): string;
}

/** `handler.graft`'s answer. */
export type GraftAnswer<P = unknown> = 'stale' | { ok: P } | { error: unknown };

/** `handler.exchange`'s answer; `{ ok: handle }` is tracked until it ends. */
export type ExchangeAnswer = 'ok' | 'ignore' | { ok: unknown } | { error: unknown };
