import {
  createHyParView,
  type HyParViewEvent,
  type HyParViewMessage,
  type HyParViewOptions,
  type HyParViewState,
  type PeerRef,
  stepHyParView,
} from '../../src/peer-service/core/index.js';
import { type Rng, seededRng } from '../../src/util/rng.js';

type Item =
  | { kind: 'message'; from: string; to: string; msg: HyParViewMessage }
  | { kind: 'event'; to: string; event: HyParViewEvent };

/**
 * A tiny synchronous network for HyParView cores: one FIFO queue (so per-pair FIFO
 * holds), one seeded Rng, crash-stop nodes. A send to a crashed node, or a connect
 * to one, is answered by a `peerDown` to the sender, as a shell's channel would.
 */
export class HyParViewNetwork {
  readonly nodes = new Map<string, HyParViewState>();
  readonly crashed = new Set<string>();
  readonly rng: Rng;
  private queue: Item[] = [];
  private head = 0;
  delivered = 0;

  constructor(
    seed: number,
    private readonly options: Partial<HyParViewOptions> = {},
  ) {
    this.rng = seededRng(seed);
  }

  add(name: string): HyParViewState {
    const state = createHyParView({ name }, this.options);
    this.nodes.set(name, state);
    return state;
  }

  node(name: string): HyParViewState {
    const state = this.nodes.get(name);
    if (state === undefined) throw new Error(`no node ${name}`);
    return state;
  }

  live(): string[] {
    return [...this.nodes.keys()].filter((n) => !this.crashed.has(n));
  }

  /** Queues an event for `to`. */
  post(to: string, event: HyParViewEvent): void {
    this.queue.push({ kind: 'event', to, event });
  }

  /** Delivers until the queue is empty; throws when it does not quiesce within `limit`. */
  run(limit = 5_000_000): void {
    let steps = 0;
    while (this.head < this.queue.length) {
      if (++steps > limit) throw new Error('network did not quiesce');
      const item = this.queue[this.head++] as Item;
      if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (this.crashed.has(item.to)) {
        if (item.kind === 'message') this.post(item.from, { type: 'peerDown', peer: item.to });
        continue;
      }
      const event: HyParViewEvent =
        item.kind === 'message' ? { type: 'receive', from: item.from, msg: item.msg } : item.event;
      this.apply(item.to, event);
    }
  }

  private apply(name: string, event: HyParViewEvent): void {
    this.delivered++;
    const effects = stepHyParView(this.node(name), event, { rng: this.rng });
    for (const effect of effects) {
      switch (effect.type) {
        case 'send':
          this.queue.push({ kind: 'message', from: name, to: effect.to.name, msg: effect.msg });
          break;
        case 'connect':
          if (this.crashed.has(effect.peer.name)) {
            this.post(name, { type: 'peerDown', peer: effect.peer.name });
          }
          break;
        case 'disconnect':
        case 'activeViewChanged':
        case 'setTimer':
        case 'cancelTimer':
          // Rounds, not time: tickAll fires the periodic timers; rejoins are fired by tests.
          break;
        default: {
          const unknown: never = effect;
          throw new Error(`unexpected effect ${JSON.stringify(unknown)}`);
        }
      }
    }
  }

  /** Crash-stop: every live node holding a connection or request to it sees it go down. */
  crash(name: string): void {
    this.crashed.add(name);
    for (const other of this.live()) {
      const state = this.node(other);
      if (state.active.has(name) || state.pending.has(name)) {
        this.post(other, { type: 'peerDown', peer: name });
      }
    }
  }

  /** One round of both periodic timers on every live node. */
  tickAll(): void {
    for (const name of this.live()) this.post(name, { type: 'timer', key: { type: 'promotion' } });
    for (const name of this.live()) this.post(name, { type: 'timer', key: { type: 'shuffle' } });
    this.run();
  }
}

/** Violations of the overlay invariants among live nodes; empty when all hold. */
export function overlayViolations(net: HyParViewNetwork): string[] {
  const problems: string[] = [];
  const live = net.live();
  const liveSet = new Set(live);
  for (const name of live) {
    const state = net.node(name);
    const { activeMaxSize, passiveMaxSize } = state.options;
    if (state.active.size === 0) problems.push(`${name} isolated`);
    if (state.active.size > activeMaxSize) problems.push(`${name} active too large`);
    if (state.passive.size > passiveMaxSize) problems.push(`${name} passive too large`);
    if (state.active.has(name) || state.passive.has(name)) problems.push(`${name} lists itself`);
    for (const peer of state.active.keys()) {
      if (state.passive.has(peer)) problems.push(`${name} has ${peer} in both views`);
      if (!liveSet.has(peer)) problems.push(`${name} keeps crashed ${peer} active`);
      else if (!net.node(peer).active.has(name)) problems.push(`${name}->${peer} not symmetric`);
    }
  }
  const start = live[0];
  if (start !== undefined) {
    const seen = new Set([start]);
    const stack = [start];
    while (stack.length > 0) {
      for (const peer of net.node(stack.pop() as string).active.keys()) {
        if (liveSet.has(peer) && !seen.has(peer)) {
          seen.add(peer);
          stack.push(peer);
        }
      }
    }
    if (seen.size !== live.length) problems.push(`overlay split: ${seen.size}/${live.length}`);
  }
  return problems;
}

/** Builds a network where nodes n1..n{count-1} each join n0, draining after each join. */
export function joinAll(seed: number, count: number, options: Partial<HyParViewOptions> = {}) {
  const net = new HyParViewNetwork(seed, options);
  const bootstrap: PeerRef = { name: 'n0' };
  net.add('n0');
  for (let i = 1; i < count; i++) {
    net.add(`n${i}`);
    net.post(`n${i}`, { type: 'join', contact: bootstrap });
    net.run();
  }
  return net;
}
