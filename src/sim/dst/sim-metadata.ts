/**
 * The metadata store in the simulator, built from the store's pure parts: the replica
 * and its hash trees (`ReplicaStore`), local writes (`applyWrite`), the anti-entropy
 * protocol (`startInitiator` / `nextRequest` / `answer` / `onResponse`) and the log
 * record format, over a {@link SimDisk}. What is simulated instead of run: the
 * `MetadataStore` class itself (its log is bound to `node:fs` and its calls are
 * promises), so this file plays its glue synchronously:
 * - a write is applied in memory, appended, and acknowledged and broadcast once the
 *   next group-commit sync completes (production: `put` resolves after the fsync);
 * - a merge from a peer is answered at once and becomes durable at the next sync
 *   (production waits for the fsync before answering);
 * - an exchange runs all its request/response rounds synchronously with a reachable
 *   peer inside one simulated instant.
 */
import type { BroadcastHandler, ExchangeAnswer, GraftAnswer } from '../../broadcast/handler.js';
import {
  type MetadataBroadcast,
  type MetadataId,
  parseMetadataBroadcast,
  parseMetadataId,
} from '../../handlers/metadata/broadcast-messages.js';
import type { ExchangeEffect } from '../../handlers/metadata/exchange.js';
import {
  answer,
  nextRequest,
  onResponse,
  startInitiator,
} from '../../handlers/metadata/exchange.js';
import { applyWrite, type MetadataObject, type Write } from '../../handlers/metadata/object.js';
import type { FullPrefix, MetadataKey } from '../../handlers/metadata/prefix.js';
import { ReplicaStore } from '../../handlers/metadata/replica.js';
import { counterOf, type Dot, descends } from '../../handlers/metadata/version-vector.js';
import type { SimDisk } from './sim-disk.js';

/** The metadata handler's name, as in production. */
export const METADATA_HANDLER = 'metadata';

/** A local write waiting for its sync. */
export interface PendingWrite {
  readonly prefix: FullPrefix;
  readonly key: MetadataKey;
  readonly object: MetadataObject;
  readonly dot: Dot;
  /** Dots of siblings this write superseded: they must never come back. */
  readonly superseded: readonly Dot[];
  readonly value: unknown;
}

/** What the replica needs of the world. */
export interface MetadataWorld {
  /** The replica of `peer` if it can be reached from `from` now. */
  peerReplica(from: string, peer: string): SimMetadataReplica | undefined;
}

/** One node incarnation's metadata replica. */
export class SimMetadataReplica {
  readonly replica = new ReplicaStore();
  private floor = 0;
  private readonly pending: PendingWrite[] = [];

  constructor(
    readonly node: string,
    private readonly disk: SimDisk,
    private readonly world: MetadataWorld,
    private readonly now: () => number,
  ) {
    const at = now();
    for (const record of disk.records()) {
      switch (record.type) {
        case 'put':
          this.replica.set(record.prefix, record.key, record.object, at);
          this.floor = Math.max(this.floor, counterOf(record.object.clock, node));
          break;
        case 'forget':
          this.replica.forget(record.prefix, record.key, record.clock, at);
          break;
        case 'floor':
          if (record.actor === node) this.floor = Math.max(this.floor, record.counter);
          break;
        case 'header':
          break;
        default: {
          const never: never = record;
          throw new Error(`unknown record ${JSON.stringify(never)}`);
        }
      }
    }
  }

  /** A local put or delete: in memory at once, acknowledged by {@link sync}. */
  write(prefix: FullPrefix, key: MetadataKey, write: Write): PendingWrite {
    const current = this.replica.get(prefix, key)?.object;
    const { object, dot } = applyWrite(
      current,
      this.node,
      write,
      this.now(),
      undefined,
      this.floor,
    );
    this.floor = dot[1];
    const kept = new Set(object.siblings.map((s) => `${s.dot[0]}/${s.dot[1]}`));
    const superseded = (current?.siblings ?? [])
      .map((s) => s.dot)
      .filter((d) => !kept.has(`${d[0]}/${d[1]}`));
    this.replica.set(prefix, key, object, this.now());
    this.disk.append({ type: 'put', prefix, key, object });
    const pending: PendingWrite = {
      prefix,
      key,
      object,
      dot,
      superseded,
      value: write.kind === 'value' ? write.value : undefined,
    };
    this.pending.push(pending);
    return pending;
  }

  /** Completes a group-commit sync: returns the writes it acknowledges. */
  sync(): PendingWrite[] {
    this.disk.sync();
    return this.pending.splice(0);
  }

  /** Whether a sync has anything to do. */
  get dirty(): boolean {
    return this.disk.unsynced > 0;
  }

  mergeRemote(prefix: FullPrefix, key: MetadataKey, object: MetadataObject): boolean {
    const outcome = this.replica.merge(prefix, key, object, this.now());
    if (!outcome.changed || outcome.entry === undefined) return false;
    this.disk.append({ type: 'put', prefix, key, object: outcome.entry.object });
    return true;
  }

  isStale(id: MetadataId): boolean {
    const clock =
      this.replica.get(id.prefix, id.key)?.object.clock ??
      this.replica.forgottenClock(id.prefix, id.key);
    return clock !== undefined && descends(clock, id.clock);
  }

  graft(id: MetadataId): GraftAnswer<MetadataBroadcast> {
    const entry = this.replica.get(id.prefix, id.key);
    if (entry === undefined) return 'stale';
    if (!descends(entry.object.clock, id.clock)) return { error: 'never held that version' };
    // Production awaits the log flush before handing state out; here the flush is immediate.
    this.disk.sync();
    return { ok: { prefix: id.prefix, key: id.key, object: entry.object } };
  }

  /** Runs a whole exchange with `peer` now; false when it cannot be reached. */
  exchange(peer: string): boolean {
    let state = startInitiator(this.node, peer);
    for (;;) {
      const other = this.world.peerReplica(this.node, peer);
      if (other === undefined) return false;
      const next = nextRequest(state, this.replica);
      if (next === undefined) return true;
      state = next.state;
      this.disk.sync();
      const answered = answer(other.replica, next.request);
      other.apply(answered.effects);
      other.disk.sync();
      const folded = onResponse(state, this.replica, next.task, answered.response);
      state = folded.state;
      this.apply(folded.effects);
    }
  }

  private apply(effects: readonly ExchangeEffect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'merge':
          for (const [key, object] of effect.objects) this.mergeRemote(effect.prefix, key, object);
          break;
        case 'confirm':
          this.replica.confirm(effect.prefix, effect.peer, effect.scope);
          break;
        default: {
          const never: never = effect;
          throw new Error(`unknown exchange effect ${JSON.stringify(never)}`);
        }
      }
    }
  }

  /** The broadcast handler over this replica, answering as production's metadata handler. */
  handler(): BroadcastHandler<MetadataBroadcast, MetadataId, MetadataBroadcast> {
    return {
      name: METADATA_HANDLER,
      broadcastData: (message) => ({
        id: { prefix: message.prefix, key: message.key, clock: message.object.clock },
        payload: message,
      }),
      merge: (_id, payload) => {
        const m = parseMetadataBroadcast(payload);
        return this.mergeRemote(m.prefix, m.key, m.object);
      },
      isStale: (id) => this.isStale(parseMetadataId(id)),
      graft: (id) => this.graft(parseMetadataId(id)),
      exchange: (peer): ExchangeAnswer =>
        this.exchange(peer) ? { ok: { peer } } : { error: `cannot reach ${peer}` },
    };
  }
}
