import type { ExchangeAnswer } from '../broadcast/handler.js';
import { SetHandler } from './set-handler.js';

/**
 * A {@link SetHandler} whose anti-entropy exchange is a push-pull of its set:
 * `exchange(peer)` asks the node to send `peer` the ids held here; `peer` answers
 * with the payloads this node lacks and the ids it lacks itself, which this node
 * then sends (see `OverlayNode`). That is the whole of a set's exchange, made
 * explicit so that it costs messages and latency like any other traffic. Without a
 * `pull` function it answers `ignore`, as a handler without anti-entropy would.
 */
export class PullSetHandler extends SetHandler {
  private exchanges = 0;

  constructor(
    name: string,
    node: string,
    private readonly pull: ((peer: string) => void) | undefined,
  ) {
    super(name, node, 'ignore');
  }

  // No per-id merge counter here: scenarios track deliveries themselves, and at
  // 1,000 nodes x 5,000 messages the counter alone would hold five million entries.
  override merge(id: string, payload: unknown): boolean {
    if (this.store.has(id)) return false;
    this.store.set(id, payload);
    return true;
  }

  override exchange(peer: string): ExchangeAnswer {
    if (this.pull === undefined) return 'ignore';
    this.pull(peer);
    return { ok: `${this.node}/pull${this.exchanges++}` };
  }

  /** Every id held here: the request half of a pull. */
  ids(): string[] {
    return [...this.store.keys()];
  }

  /** The ids of `have` not held here. */
  lacking(have: readonly string[]): string[] {
    return have.filter((id) => !this.store.has(id));
  }

  /** The entries held here for `ids` (unknown ids skipped). */
  entriesFor(ids: readonly string[]): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const id of ids) if (this.store.has(id)) out.push([id, this.store.get(id)]);
    return out;
  }

  /** The entries held here that are not in `have`: the reply half of a pull. */
  missingFrom(have: readonly string[]): [string, unknown][] {
    const known = new Set(have);
    const out: [string, unknown][] = [];
    for (const [id, payload] of this.store) if (!known.has(id)) out.push([id, payload]);
    return out;
  }
}
