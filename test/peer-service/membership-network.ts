import {
  type FullMembershipEffect,
  type FullMembershipEvent,
  type FullMembershipOptions,
  type FullMembershipState,
  initFullMembership,
  type MembershipMessage,
  type MembershipStateData,
  type NodeSpec,
  stepFullMembership,
} from '../../src/peer-service/core/index.js';
import { type Rng, randomInt } from '../../src/util/rng.js';

/** A spec for tests: one address, the default channel. */
export function spec(name: string, port = 9000): NodeSpec {
  return {
    name,
    listenAddrs: [{ host: '127.0.0.1', port }],
    channels: { default: { parallelism: 1, monotonic: false } },
  };
}

interface Envelope {
  from: string;
  to: string;
  msg: MembershipMessage;
}

/**
 * A synchronous network for full-membership cores. Delivery is FIFO, or in a random
 * order when given an Rng. Nodes in `unreachable` neither send nor receive (a
 * partition or a stopped process); their messages are dropped.
 */
export class MembershipNetwork {
  readonly nodes = new Map<string, FullMembershipState>();
  readonly effects = new Map<string, FullMembershipEffect[]>();
  readonly unreachable = new Set<string>();
  /** A partition: messages for which this answers true are dropped. */
  cut: (from: string, to: string) => boolean = () => false;
  /** Options every added node gets. */
  options: Partial<FullMembershipOptions> = {};
  /** Every state that was put on the wire, for replaying in other orders. */
  readonly wire: MembershipStateData[] = [];
  queue: Envelope[] = [];
  now = 1_000;

  add(name: string, port = 9000, restored?: MembershipStateData): FullMembershipState {
    const { state, effects } = initFullMembership({
      spec: spec(name, port),
      now: this.now++,
      restored,
      options: this.options,
    });
    this.nodes.set(name, state);
    this.record(name, effects);
    return state;
  }

  node(name: string): FullMembershipState {
    const state = this.nodes.get(name);
    if (state === undefined) throw new Error(`no node ${name}`);
    return state;
  }

  /** Steps `name` with `event` and queues its sends; returns its effects. */
  step(name: string, event: FullMembershipEvent): FullMembershipEffect[] {
    const effects = stepFullMembership(this.node(name), event, { now: this.now++ });
    this.record(name, effects);
    return effects;
  }

  private record(name: string, effects: FullMembershipEffect[]): void {
    this.effects.set(name, [...(this.effects.get(name) ?? []), ...effects]);
    for (const effect of effects) {
      if (effect.type === 'probe') {
        this.queue.push({ from: name, to: effect.spec.name, msg: effect.msg });
        continue;
      }
      if (effect.type !== 'send') continue;
      if (effect.msg.type !== 'joinRequest') this.wire.push(effect.msg.state);
      this.queue.push({ from: name, to: effect.to, msg: effect.msg });
    }
  }

  /** Delivers until nothing is in flight. */
  run(order?: Rng, limit = 100_000): void {
    let steps = 0;
    while (this.queue.length > 0) {
      if (++steps > limit) throw new Error('membership did not quiesce');
      const index = order === undefined ? 0 : randomInt(order, this.queue.length);
      const [env] = this.queue.splice(index, 1) as [Envelope];
      if (this.unreachable.has(env.from) || this.unreachable.has(env.to)) continue;
      if (this.cut(env.from, env.to)) continue;
      if (!this.nodes.has(env.to)) continue;
      this.step(env.to, { type: 'receive', from: env.from, msg: env.msg });
    }
  }

  /** Joins `name` through `contact` and delivers everything. */
  join(name: string, contact: string): void {
    this.step(name, { type: 'join', peer: contact });
    this.run();
  }

  /** The periodic timer fires on every reachable node, then delivery. */
  tickAll(): void {
    for (const name of this.nodes.keys()) {
      if (!this.unreachable.has(name))
        this.step(name, { type: 'timer', key: { type: 'periodic' } });
    }
    this.run();
  }

  /** Effects of `name` so far, of one type, and forget them. */
  take<T extends FullMembershipEffect['type']>(
    name: string,
    type: T,
  ): Extract<FullMembershipEffect, { type: T }>[] {
    const all = this.effects.get(name) ?? [];
    this.effects.set(name, []);
    return all.filter((e): e is Extract<FullMembershipEffect, { type: T }> => e.type === type);
  }
}
