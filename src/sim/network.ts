import type { Rng } from '../util/rng.js';
import { EventQueue } from './event-queue.js';

/**
 * One simulated process. The network calls it when a message or one of its timers
 * is due; it reacts by calling back into the network (send, setTimer, ...). Any
 * pure core can be driven this way through a small adapter (see `PlumtreeSimNode`).
 */
export interface SimNode<M> {
  readonly name: string;
  /** A message from `from` arrives. */
  receive(from: string, msg: M): void;
  /** Timer `key` set by this node fired. */
  timer(key: string): void;
}

/** One message put on the wire, as fault models and observers see it. */
export interface SendInfo<M> {
  /** Position among all sends of this network, from 0: stable across replays. */
  readonly seq: number;
  /** Simulated time of the send, in ms. */
  readonly time: number;
  readonly from: string;
  readonly to: string;
  readonly msg: M;
}

/** What happens to one send; omitted fields mean "nothing special". */
export interface FaultDecision {
  /** Lose the message. */
  readonly drop?: boolean;
  /** Deliver a second copy (after its own extra delay, if any). */
  readonly duplicate?: boolean;
  /** Added to the link latency; different delays on one link reorder messages. */
  readonly extraDelayMs?: number;
}

/** Decides the fate of each send; see `randomFaults` and `scriptedFaults`. */
export interface FaultModel<M> {
  decide(send: SendInfo<M>): FaultDecision | undefined;
}

/** Link latency bounds in ms; each pair of nodes draws one value, uniform in [min, max]. */
export interface LatencyRange {
  readonly min: number;
  readonly max: number;
}

/** Configuration of a {@link SimNetwork}. */
export interface SimNetworkOptions<M> {
  /** Source of link latencies (and nothing else). */
  readonly rng: Rng;
  /** Default 1..10 ms. */
  readonly latency?: LatencyRange;
  readonly faults?: FaultModel<M>;
  /**
   * How a pair's latency is fixed: `table` (default) draws it from `rng` on first
   * use and stores it; `hash` derives it from a seed drawn once and the pair's
   * ids, uniform in the range all the same, with no storage: large runs touch
   * millions of pairs (shuffle replies go to random nodes) and the table then
   * costs more memory and time than the messages.
   */
  readonly pairLatency?: 'table' | 'hash';
  /** Sees every send before faults apply (for counting messages). */
  readonly onSend?: (send: SendInfo<M>) => void;
  /**
   * ms a link takes to transmit `msg` (its size over the bandwidth). When given,
   * each directed link is a FIFO queue: a message leaves once the ones sent
   * before it on that link have been transmitted, then travels for the link's
   * latency, so a burst queues up like on a real connection. Default: none (every
   * message leaves at once).
   */
  readonly transmissionMs?: (msg: M) => number;
}

/** Counters kept by the network. */
export interface NetworkStats {
  sent: number;
  delivered: number;
  /** Dropped by the fault model. */
  dropped: number;
  duplicated: number;
  /** Dropped because the receiver was down, or restarted since the send. */
  lostToCrash: number;
}

/** Thrown when a live node's name is added again. */
export class DuplicateNodeError extends Error {
  override readonly name = 'DuplicateNodeError';
  constructor(readonly node: string) {
    super(`node ${node} is already running`);
  }
}

// A message's queue item is its `SendInfo` too: one object per message in flight
// (a 1,000-node burst keeps millions queued), not a send wrapped in an item.
interface MsgItem<M> extends SendInfo<M> {
  readonly kind: 'msg';
  readonly incarnation: number;
  /**
   * The receiver's slot, looked up once at the send (slots are never removed, a
   * restart reuses its name's): not again by name at delivery, among 100,000 names.
   */
  readonly slot: Slot<M> | undefined;
}

type Item<M> =
  | MsgItem<M>
  | {
      readonly kind: 'timer';
      readonly slot: Slot<M>;
      readonly key: string;
      readonly token: number;
      readonly incarnation: number;
    }
  | { readonly kind: 'action'; readonly run: () => void };

interface Slot<M> {
  /** Dense index of the name, for the latency table. */
  readonly id: number;
  node: SimNode<M>;
  alive: boolean;
  incarnation: number;
  readonly timers: Map<string, number>;
}

/**
 * A deterministic in-memory network with simulated time: messages arrive after
 * their link's latency (plus any fault-model delay), timers fire at their time,
 * and ties resolve in scheduling order, so a seed replays a run exactly.
 *
 * Crashing a node silences it: nothing more is delivered to it, its timers die and
 * it cannot send; messages it sent before crashing still arrive. Adding a node
 * under a crashed node's name restarts it as a new incarnation; messages and
 * timers addressed to the old one are dropped.
 */
export class SimNetwork<M> {
  readonly stats: NetworkStats = {
    sent: 0,
    delivered: 0,
    dropped: 0,
    duplicated: 0,
    lostToCrash: 0,
  };
  private readonly queue = new EventQueue<Item<M>>();
  private readonly slots = new Map<string, Slot<M>>();
  // Names get dense ids; links[lo] maps hi to the latency of the pair (lo < hi).
  // Small-integer keys and one lookup per send, no key string built: at 10,000
  // nodes the latency lookup is on the path of millions of sends.
  private readonly ids = new Map<string, number>();
  private readonly links: (Map<number, number> | undefined)[] = [];
  private readonly latency: LatencyRange;
  private readonly latencySeed: number | undefined;
  private clock = 0;
  // Per directed link (from id, to id), when its queue is free again: only with `transmissionMs`.
  private readonly linkFreeAt = new Map<number, Map<number, number>>();
  private sendSeq = 0;
  private timerSeq = 0;

  constructor(private readonly options: SimNetworkOptions<M>) {
    this.latency = options.latency ?? { min: 1, max: 10 };
    if (!(this.latency.min >= 0 && this.latency.max >= this.latency.min)) {
      throw new RangeError(`bad latency range ${this.latency.min}..${this.latency.max}`);
    }
    this.latencySeed =
      options.pairLatency === 'hash' ? Math.floor(options.rng.next() * 2 ** 32) | 0 : undefined;
  }

  /** Simulated time in ms. */
  get now(): number {
    return this.clock;
  }

  /** Events (messages, timers, actions) still queued. */
  get pending(): number {
    return this.queue.size;
  }

  /**
   * Adds a node, or restarts a crashed one under the same name.
   * @throws {DuplicateNodeError} if a live node has that name.
   */
  add(node: SimNode<M>): void {
    const slot = this.slots.get(node.name);
    if (slot === undefined) {
      this.slots.set(node.name, {
        id: this.idOf(node.name),
        node,
        alive: true,
        incarnation: 0,
        timers: new Map(),
      });
      return;
    }
    if (slot.alive) throw new DuplicateNodeError(node.name);
    slot.node = node;
    slot.alive = true;
    slot.incarnation++;
    slot.timers.clear();
  }

  /** The node registered under `name` (live or crashed). */
  get(name: string): SimNode<M> | undefined {
    return this.slots.get(name)?.node;
  }

  /** Whether `name` is registered and not crashed. */
  isAlive(name: string): boolean {
    return this.slots.get(name)?.alive ?? false;
  }

  /** Whether `node` is the live incarnation of its name: one lookup, not `isAlive` and `get`. */
  isCurrent(node: SimNode<M>): boolean {
    const slot = this.slots.get(node.name);
    return slot?.alive === true && slot.node === node;
  }

  /** Names of all live nodes, in the order they were first added. */
  aliveNames(): string[] {
    const names: string[] = [];
    for (const [name, slot] of this.slots) if (slot.alive) names.push(name);
    return names;
  }

  /** Stops `name`: no more deliveries, timers or sends. */
  crash(name: string): void {
    const slot = this.slots.get(name);
    if (slot === undefined || !slot.alive) return;
    slot.alive = false;
    slot.timers.clear();
  }

  /** The latency of the link between `a` and `b`, drawn on first use and fixed after. */
  latencyBetween(a: string, b: string): number {
    return this.linkLatency(this.idOf(a), this.idOf(b));
  }

  private idOf(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(name, id);
      // Filled in id order, so the array stays dense (a sparse one degrades to a dictionary).
      this.links.push(undefined);
    }
    return id;
  }

  private linkLatency(a: number, b: number): number {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const { min, max } = this.latency;
    if (this.latencySeed !== undefined)
      return min + pairHash(this.latencySeed, lo, hi) * (max - min);
    let m = this.links[lo];
    if (m === undefined) {
      m = new Map();
      this.links[lo] = m;
    }
    const known = m.get(hi);
    if (known !== undefined) return known;
    const l = min + this.options.rng.next() * (max - min);
    m.set(hi, l);
    return l;
  }

  /** Puts `msg` on the wire from `from` to `to`. A crashed sender sends nothing. */
  send(from: string, to: string, msg: M): void {
    const fromSlot = this.slots.get(from);
    if (fromSlot === undefined || !fromSlot.alive) return;
    const slot = this.slots.get(to);
    const send: MsgItem<M> = {
      kind: 'msg',
      seq: this.sendSeq++,
      time: this.clock,
      from,
      to,
      msg,
      incarnation: slot?.incarnation ?? 0,
      slot,
    };
    this.stats.sent++;
    this.options.onSend?.(send);
    const decision = this.options.faults?.decide(send);
    if (decision?.drop === true) {
      this.stats.dropped++;
      return;
    }
    const toId = slot?.id ?? this.idOf(to);
    const latency = this.linkLatency(fromSlot.id, toId);
    const departure = this.departure(fromSlot.id, toId, msg);
    const at = departure + latency + (decision?.extraDelayMs ?? 0);
    this.queue.push(at, send);
    if (decision?.duplicate === true) {
      this.stats.duplicated++;
      this.queue.push(at, send);
    }
  }

  private departure(from: number, to: number, msg: M): number {
    const transmission = this.options.transmissionMs;
    if (transmission === undefined) return this.clock;
    let free = this.linkFreeAt.get(from);
    if (free === undefined) {
      free = new Map();
      this.linkFreeAt.set(from, free);
    }
    const done = Math.max(this.clock, free.get(to) ?? 0) + Math.max(0, transmission(msg));
    free.set(to, done);
    return done;
  }

  /** Arms (or re-arms) `node`'s timer `key` to fire in `delayMs`. */
  setTimer(node: string, key: string, delayMs: number): void {
    const slot = this.slots.get(node);
    if (slot === undefined || !slot.alive) return;
    const token = this.timerSeq++;
    slot.timers.set(key, token);
    this.queue.push(this.clock + Math.max(0, delayMs), {
      kind: 'timer',
      slot,
      key,
      token,
      incarnation: slot.incarnation,
    });
  }

  /** Disarms `node`'s timer `key`. */
  cancelTimer(node: string, key: string): void {
    this.slots.get(node)?.timers.delete(key);
  }

  /** Runs `action` at simulated time `time` (now if in the past): scenario scripting. */
  at(time: number, action: () => void): void {
    this.queue.push(Math.max(time, this.clock), { kind: 'action', run: action });
  }

  /** Runs `action` in `delayMs`. */
  after(delayMs: number, action: () => void): void {
    this.at(this.clock + delayMs, action);
  }

  /** Processes the next event; false when nothing is queued. */
  stepOne(): boolean {
    const time = this.queue.peekTime();
    const item = this.queue.pop();
    if (time === undefined || item === undefined) return false;
    this.clock = time;
    this.dispatch(item);
    return true;
  }

  /** Processes every event due up to `time`, then sets the clock to `time`. */
  runUntil(time: number): void {
    for (;;) {
      const next = this.queue.peekTime();
      if (next === undefined || next > time) break;
      this.stepOne();
    }
    if (time > this.clock) this.clock = time;
  }

  /** {@link runUntil} `now + ms`. */
  runFor(ms: number): void {
    this.runUntil(this.clock + ms);
  }

  private dispatch(item: Item<M>): void {
    switch (item.kind) {
      case 'action':
        item.run();
        return;
      case 'timer': {
        const slot = item.slot;
        if (!slot.alive || slot.incarnation !== item.incarnation) return;
        if (slot.timers.get(item.key) !== item.token) return;
        slot.timers.delete(item.key);
        slot.node.timer(item.key);
        return;
      }
      case 'msg': {
        // A name unknown at the send may have been added since.
        const slot = item.slot ?? this.slots.get(item.to);
        if (slot === undefined || !slot.alive || slot.incarnation !== item.incarnation) {
          this.stats.lostToCrash++;
          return;
        }
        this.stats.delivered++;
        slot.node.receive(item.from, item.msg);
        return;
      }
      default: {
        const never: never = item;
        throw new Error(`unknown queue item ${String(never)}`);
      }
    }
  }
}

/** A float in [0, 1) fixed by (seed, lo, hi): a 32-bit avalanche mix of the three. */
function pairHash(seed: number, lo: number, hi: number): number {
  let h = Math.imul(lo ^ seed, 0x9e3779b1) ^ Math.imul(hi + 0x7f4a7c15, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
