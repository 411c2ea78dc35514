import { pickOne, type Rng, sample } from '../../util/rng.js';
import { JoinSelfError } from './errors.js';
import type {
  HyParViewEffect,
  HyParViewEvent,
  HyParViewMessage,
  NeighborPriority,
  PeerRef,
} from './hyparview-messages.js';
import { type HyParViewOptions, hyParViewOptions } from './hyparview-options.js';

/** How many of our own shuffles we remember, to know what to evict on their replies. */
const SHUFFLE_MEMORY = 8;

/**
 * One node's HyParView state. Owned by a single shell (or the simulator); steps
 * mutate it in place. Views are insertion-ordered maps by name, so iteration, and
 * therefore a run under a seeded {@link Rng}, is deterministic.
 */
export interface HyParViewState<P extends PeerRef = PeerRef> {
  readonly self: P;
  readonly options: HyParViewOptions;
  /** Peers we keep connections to; symmetric at quiescence. */
  readonly active: Map<string, P>;
  /** Known peers without connections: candidates for promotion and shuffles. */
  readonly passive: Map<string, P>;
  /** Outstanding `neighbor` requests: name to the promotion round they were sent in. */
  readonly pending: Map<string, number>;
  /** Peers that rejected us since the last promotion tick: not asked again until then. */
  readonly rejected: Set<string>;
  /** Count of promotion ticks seen; ages pending requests without a clock. */
  round: number;
  nextShuffleId: number;
  /** Our recent shuffles: id to the names we sent, evicted first when the reply lands. */
  readonly shuffles: Map<number, readonly string[]>;
  /**
   * Set by `leave`, cleared by `join`: a node that left refuses to be pulled back in.
   * Its former peers keep it as passive and would otherwise promote it at once.
   */
  left: boolean;
}

/** What the core needs from the outside world on every step. */
export interface HyParViewContext {
  readonly rng: Rng;
}

/**
 * A fresh node with empty views.
 *
 * @throws {InvalidOptionsError} when `options` are inconsistent.
 */
export function createHyParView<P extends PeerRef>(
  self: P,
  options: Partial<HyParViewOptions> = {},
): HyParViewState<P> {
  return {
    self,
    options: hyParViewOptions(options),
    active: new Map(),
    passive: new Map(),
    pending: new Map(),
    rejected: new Set(),
    round: 0,
    nextShuffleId: 0,
    shuffles: new Map(),
    left: false,
  };
}

/** Active peers, sorted, self excluded. */
export function activeOf<P extends PeerRef>(state: HyParViewState<P>): string[] {
  return [...state.active.keys()].sort();
}

/**
 * Applies one event and returns the effects to carry out, in order.
 *
 * @throws {JoinSelfError} on `join` through this node itself.
 */
export function stepHyParView<P extends PeerRef>(
  state: HyParViewState<P>,
  event: HyParViewEvent<P>,
  ctx: HyParViewContext,
): HyParViewEffect<P>[] {
  const before = [...state.active.keys()];
  const s = new Step(state, ctx.rng);
  switch (event.type) {
    case 'join':
      if (event.contact.name === state.self.name) throw new JoinSelfError(state.self.name);
      state.left = false;
      s.addActive(event.contact);
      s.send(event.contact, { type: 'join', peer: state.self });
      break;
    case 'receive':
      if (event.from !== state.self.name) s.receive(event.from, event.msg);
      break;
    case 'peerDown':
      s.peerDown(event.peer);
      break;
    case 'shuffleTick':
      s.shuffle();
      break;
    case 'promotionTick':
      s.promotionTick();
      break;
    case 'leave':
      s.leave();
      break;
    default: {
      const unknown: never = event;
      throw new TypeError(`unknown HyParView event ${JSON.stringify(unknown)}`);
    }
  }
  if (before.length !== state.active.size || before.some((name) => !state.active.has(name))) {
    s.out.push({ type: 'activeViewChanged', active: activeOf(state) });
  }
  if (
    event.type !== 'leave' &&
    state.active.size === 0 &&
    state.pending.size === 0 &&
    state.passive.size === 0 &&
    before.length + state.pending.size > 0
  ) {
    s.out.push({ type: 'isolated' });
  }
  return s.out;
}

/** One step's working set: the state, the randomness and the effects so far. */
class Step<P extends PeerRef> {
  readonly out: HyParViewEffect<P>[] = [];
  private readonly o: HyParViewOptions;

  constructor(
    private readonly st: HyParViewState<P>,
    private readonly rng: Rng,
  ) {
    this.o = st.options;
  }

  send(to: P, msg: HyParViewMessage<P>): void {
    this.out.push({ type: 'send', to, msg });
  }

  receive(from: string, msg: HyParViewMessage<P>): void {
    if (this.st.left) {
      // Out of the overlay until it joins again: refuse requests, ignore the rest.
      if (msg.type === 'neighbor' && msg.peer.name === from) {
        this.send(msg.peer, { type: 'neighborRejected', peer: this.st.self });
      }
      return;
    }
    switch (msg.type) {
      case 'join':
        if (msg.peer.name === from) this.onJoin(msg.peer);
        return;
      case 'forwardJoin':
        this.onForwardJoin(from, msg.peer, msg.ttl);
        return;
      case 'neighbor':
        if (msg.peer.name === from) this.onNeighbor(msg.peer, msg.priority);
        return;
      case 'neighborAccepted':
        if (msg.peer.name === from) this.onNeighborAccepted(msg.peer);
        return;
      case 'neighborRejected':
        if (msg.peer.name === from) this.onNeighborRejected(msg.peer);
        return;
      case 'disconnect':
        if (msg.peer.name === from) this.onDisconnect(msg.peer);
        return;
      case 'shuffle':
        this.onShuffle(from, msg.origin, msg.ttl, msg.id, msg.entries);
        return;
      case 'shuffleReply':
        if (msg.peer.name === from) this.onShuffleReply(msg.id, msg.entries);
        return;
      default: {
        const unknown: never = msg;
        throw new TypeError(`unknown HyParView message ${JSON.stringify(unknown)}`);
      }
    }
  }

  private onJoin(peer: P): void {
    // The joiner already counts us as active: accepting unconditionally keeps the
    // views symmetric, at the price of dropping a random peer when full.
    this.addActive(peer);
    for (const other of this.st.active.values()) {
      if (other.name !== peer.name)
        this.send(other, { type: 'forwardJoin', peer, ttl: this.o.arwl });
    }
  }

  private onForwardJoin(from: string, peer: P, ttl: number): void {
    const st = this.st;
    if (peer.name === st.self.name) return;
    // A walk passing a node already linked to the joiner goes on: most walks cross
    // the contact, and ending them there left joiners with the contact as their
    // only link, so the contact's drops later cut whole groups off the overlay.
    if (ttl > 0 && st.active.size > 1) {
      if (ttl === this.o.prwl) this.addPassive(peer, undefined);
      const next = this.randomActive([from, peer.name]);
      if (next !== undefined) {
        this.send(next, { type: 'forwardJoin', peer, ttl: ttl - 1 });
        return;
      }
    }
    if (st.active.has(peer.name)) return;
    // The walk ends here. Rather than adding the joiner outright (which the joiner
    // might not mirror), ask it; it adds us if it has room and we add it on acceptance.
    this.requestNeighbor(peer, 'low');
  }

  private onNeighbor(peer: P, priority: NeighborPriority): void {
    const st = this.st;
    if (st.active.has(peer.name) || priority === 'high' || st.active.size < this.o.activeMaxSize) {
      this.addActive(peer);
      this.send(peer, { type: 'neighborAccepted', peer: st.self });
    } else {
      this.addPassive(peer, undefined);
      this.send(peer, { type: 'neighborRejected', peer: st.self });
    }
  }

  private onNeighborAccepted(peer: P): void {
    const st = this.st;
    const asked = st.pending.delete(peer.name);
    if (st.active.has(peer.name)) return;
    if (asked || st.active.size < this.o.activeMaxSize) {
      this.addActive(peer);
    } else {
      // A late acceptance of a request we gave up on, and no room: undo it on its side.
      this.addPassive(peer, undefined);
      this.send(peer, { type: 'disconnect', peer: st.self });
    }
  }

  private onNeighborRejected(peer: P): void {
    const st = this.st;
    st.pending.delete(peer.name);
    st.rejected.add(peer.name);
    if (!st.active.has(peer.name)) this.addPassive(peer, undefined);
    if (this.belowMinimum()) this.promote();
  }

  private onDisconnect(peer: P): void {
    const st = this.st;
    if (!st.active.has(peer.name)) return;
    this.removeActive(peer.name);
    this.addPassive(peer, undefined);
    // Refill the freed slot: left alone, nodes whose links to a busy contact are
    // dropped one by one end up as a closed clique cut off from the rest.
    if (this.hasFreeSlot()) this.promote();
  }

  private onShuffle(from: string, origin: P, ttl: number, id: number, entries: readonly P[]): void {
    const st = this.st;
    if (origin.name === st.self.name) return;
    if (ttl > 1 && st.active.size > 1) {
      const next = this.randomActive([from, origin.name]);
      if (next !== undefined) {
        this.send(next, { type: 'shuffle', origin, ttl: ttl - 1, id, entries });
        return;
      }
    }
    // A random sample, not the first entries, and straight to the originator.
    const reply = sample(
      this.rng,
      [...st.passive.values()].filter((p) => p.name !== origin.name),
      entries.length,
    );
    this.send(origin, { type: 'shuffleReply', peer: st.self, id, entries: reply });
    this.integrate(
      entries,
      reply.map((p) => p.name),
    );
  }

  private onShuffleReply(id: number, entries: readonly P[]): void {
    const sent = this.st.shuffles.get(id) ?? [];
    this.st.shuffles.delete(id);
    this.integrate(entries, sent);
  }

  peerDown(name: string): void {
    const st = this.st;
    st.passive.delete(name);
    if (st.active.has(name)) {
      this.removeActive(name);
      // Replace the lost link, as the protocol asks, unless requests already cover it.
      if (this.hasFreeSlot()) this.promote();
    } else if (st.pending.delete(name)) {
      if (this.belowMinimum()) this.promote();
    }
  }

  shuffle(): void {
    const st = this.st;
    const target = this.randomActive([]);
    if (target === undefined) return;
    const actives = [...st.active.values()].filter((p) => p.name !== target.name);
    const entries = [
      st.self,
      ...sample(this.rng, actives, this.o.shuffleActiveCount),
      ...sample(this.rng, [...st.passive.values()], this.o.shufflePassiveCount),
    ];
    const id = st.nextShuffleId++;
    st.shuffles.set(
      id,
      entries.slice(1).map((p) => p.name),
    );
    if (st.shuffles.size > SHUFFLE_MEMORY) {
      const oldest = st.shuffles.keys().next().value;
      if (oldest !== undefined) st.shuffles.delete(oldest);
    }
    this.send(target, { type: 'shuffle', origin: st.self, ttl: this.o.shuffleTtl, id, entries });
  }

  promotionTick(): void {
    const st = this.st;
    st.round++;
    // A request unanswered for a whole interval is treated as failed: the peer is
    // likely gone, so it leaves the passive view too.
    for (const [name, round] of st.pending) {
      if (round < st.round - 1) {
        st.pending.delete(name);
        st.passive.delete(name);
      }
    }
    st.rejected.clear();
    if (this.belowMinimum()) this.promote();
  }

  addActive(peer: P): void {
    const st = this.st;
    if (peer.name === st.self.name) return;
    st.pending.delete(peer.name);
    st.passive.delete(peer.name);
    if (st.active.has(peer.name)) {
      st.active.set(peer.name, peer);
      return;
    }
    if (st.active.size >= this.o.activeMaxSize) this.dropRandomActive();
    st.active.set(peer.name, peer);
    this.out.push({ type: 'connect', peer });
  }

  /** Tells every active peer this node is gone, and forgets every peer. */
  leave(): void {
    const st = this.st;
    for (const peer of [...st.active.values()]) {
      this.send(peer, { type: 'disconnect', peer: st.self });
      this.removeActive(peer.name);
    }
    st.passive.clear();
    st.pending.clear();
    st.rejected.clear();
    st.shuffles.clear();
    st.left = true;
  }

  private dropRandomActive(): void {
    const victim = this.randomActive([]);
    if (victim === undefined) return;
    this.send(victim, { type: 'disconnect', peer: this.st.self });
    this.removeActive(victim.name);
    this.addPassive(victim, undefined);
  }

  private removeActive(name: string): void {
    this.st.active.delete(name);
    this.out.push({ type: 'disconnect', peer: name });
  }

  /** Adds to the passive view, evicting first from `preferEvict`, else at random. */
  private addPassive(peer: P, preferEvict: string[] | undefined): void {
    const st = this.st;
    if (peer.name === st.self.name || st.active.has(peer.name)) return;
    if (st.passive.has(peer.name)) {
      st.passive.set(peer.name, peer);
      return;
    }
    if (this.o.passiveMaxSize === 0) return;
    if (st.passive.size >= this.o.passiveMaxSize) {
      let evicted = false;
      while (!evicted && preferEvict !== undefined && preferEvict.length > 0) {
        evicted = st.passive.delete(preferEvict.pop() as string);
      }
      if (!evicted) {
        const victim = pickOne(this.rng, [...st.passive.keys()]);
        if (victim !== undefined) st.passive.delete(victim);
      }
    }
    st.passive.set(peer.name, peer);
  }

  private integrate(entries: readonly P[], sent: readonly string[]): void {
    const preferEvict = sent.slice();
    for (const peer of entries) this.addPassive(peer, preferEvict);
  }

  private hasFreeSlot(): boolean {
    return this.st.active.size + this.st.pending.size < this.o.activeMaxSize;
  }

  private belowMinimum(): boolean {
    const st = this.st;
    return st.active.size + st.pending.size < this.o.activeMinSize || st.active.size === 0;
  }

  /**
   * Asks one random passive peer to become active: low priority while we have an
   * active peer and someone who has not refused us yet, else high priority.
   */
  private promote(): void {
    const st = this.st;
    const fresh: P[] = [];
    const refused: P[] = [];
    for (const [name, peer] of st.passive) {
      if (!st.pending.has(name)) (st.rejected.has(name) ? refused : fresh).push(peer);
    }
    if (st.active.size === 0) {
      // High priority cannot be refused, so earlier refusals do not matter.
      const peer = pickOne(this.rng, [...fresh, ...refused]);
      if (peer !== undefined) this.requestNeighbor(peer, 'high');
      return;
    }
    const peer = pickOne(this.rng, fresh);
    if (peer !== undefined) {
      this.requestNeighbor(peer, 'low');
    } else if (this.belowMinimum()) {
      // Everyone we know is full. Low-priority requests would be refused at every
      // tick forever, and a small group of such nodes (two nodes linked only to each
      // other) would stay cut off from the overlay: below the minimum, insist.
      const insist = pickOne(this.rng, refused);
      if (insist !== undefined) this.requestNeighbor(insist, 'high');
    }
  }

  private requestNeighbor(peer: P, priority: NeighborPriority): void {
    const st = this.st;
    if (st.pending.has(peer.name)) return;
    st.pending.set(peer.name, st.round);
    this.send(peer, { type: 'neighbor', peer: st.self, priority });
  }

  private randomActive(exclude: readonly string[]): P | undefined {
    const candidates: P[] = [];
    for (const [name, peer] of this.st.active) if (!exclude.includes(name)) candidates.push(peer);
    return pickOne(this.rng, candidates);
  }
}
