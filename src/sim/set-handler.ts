import type { BroadcastHandler, ExchangeAnswer, GraftAnswer } from '../broadcast/handler.js';

/**
 * The simplest broadcast handler, for tests and simulations: a set of ids with
 * their payloads. `merge` is new iff the id is unseen; `isStale` iff seen; `graft`
 * answers the payload if held. It also counts how often `merge` said "new" per id,
 * which must never exceed one.
 */
export class SetHandler implements BroadcastHandler<unknown, string, unknown> {
  /** Payloads held, by id (including those broadcast from here). */
  readonly store = new Map<string, unknown>();
  /** How many times `merge` returned true, by id. */
  readonly newMerges = new Map<string, number>();
  private nextSeq = 0;

  constructor(
    readonly name: string,
    /** Prefix of the ids this node mints, so they are unique cluster-wide. */
    readonly node: string,
    /** What `exchange` answers; a function also runs the exchange (e.g. a simulated pull). */
    private readonly exchangeAnswer: ExchangeAnswer | ((peer: string) => ExchangeAnswer) = 'ignore',
  ) {}

  broadcastData(message: unknown): { id: string; payload: unknown } {
    const id = `${this.node}:${this.nextSeq++}`;
    this.store.set(id, message);
    return { id, payload: message };
  }

  merge(id: string, payload: unknown): boolean {
    if (this.store.has(id)) return false;
    this.store.set(id, payload);
    this.newMerges.set(id, (this.newMerges.get(id) ?? 0) + 1);
    return true;
  }

  isStale(id: string): boolean {
    return this.store.has(id);
  }

  graft(id: string): GraftAnswer {
    return this.store.has(id) ? { ok: this.store.get(id) } : { error: `unknown id ${id}` };
  }

  exchange(peer: string): ExchangeAnswer {
    return typeof this.exchangeAnswer === 'function'
      ? this.exchangeAnswer(peer)
      : this.exchangeAnswer;
  }

  /** Whether the payload of `id` is held here. */
  has(id: string): boolean {
    return this.store.has(id);
  }
}
