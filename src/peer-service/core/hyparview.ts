import { pickOne, type Rng, sample } from '../../util/rng.js';
import { JoinSelfError } from './errors.js';
import type {
  HyParViewEffect,
  HyParViewEvent,
  HyParViewMessage,
  HyParViewTimer,
  NeighborPriority,
  PeerRef,
} from './hyparview-messages.js';
import { type HyParViewOptions, hyParViewOptions } from './hyparview-options.js';

/** How many of our own shuffles we remember, to know what to evict on their replies. */
const SHUFFLE_MEMORY = 8;
/** Longest gap between two retries of a lost peer, in promotion rounds (the gaps double up to it). */
const LOST_BACKOFF_CAP = 64;
/** Longest rejoin backoff, in promotion intervals. */
const REJOIN_BACKOFF_CAP = 32;
/**
 * Promotion rounds a node must stay below the maximum, refused by every passive peer,
 * before it insists (a high-priority request) once; then again after as many rounds.
 * Slow on purpose: insisting displaces one of the receiver's links.
 */
const INSIST_AFTER_ROUNDS = 6;
/** Promotion rounds a refusal is remembered for. */
const REFUSAL_MEMORY_ROUNDS = 4;

/** A peer that was active (or remembered from an earlier run) and went down: retried with backoff. */
export interface LostPeer<P extends PeerRef = PeerRef> {
  readonly peer: P;
  /** Retries so far. */
  attempts: number;
  /** Promotion round of the next retry. */
  due: number;
}

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
  /**
   * Peers that rejected us, by the promotion round of the refusal: not asked with low
   * priority again for {@link REFUSAL_MEMORY_ROUNDS} rounds, so a node refilling its
   * view works through its passive peers instead of asking the same full ones.
   */
  readonly rejected: Map<string, number>;
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
  /**
   * Former active peers that went down, retried on promotion rounds with doubling
   * gaps (up to {@link LOST_BACKOFF_CAP} rounds, for as long as they stay among the
   * most recently lost) by a request that cannot be refused:
   * when a crashed peer restarts or a partition heals, the two sides link again even
   * if both are full, so the overlay does not stay split in islands.
   */
  readonly lost: Map<string, LostPeer<P>>;
  /** Who to join through when the node ends up with no peer: seeds joined through and peers known at start. */
  readonly contacts: Map<string, P>;
  /**
   * Peers found down, to the promotion round until which they stay out of the passive
   * view (see `quarantineRounds`); hearing from one directly lifts it.
   */
  readonly quarantined: Map<string, number>;
  /** Whether the `rejoin` timer is armed. */
  rejoinArmed: boolean;
  /** Rejoins tried since the node last had an active peer: the backoff exponent. */
  rejoinAttempts: number;
  /** Promotion round since which the active view is below its maximum (undefined when full). */
  belowMaxSince: number | undefined;
  /** Promotion round of the last high-priority request sent to fill a free slot. */
  lastInsist: number;
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
    rejected: new Map(),
    round: 0,
    nextShuffleId: 0,
    shuffles: new Map(),
    left: false,
    lost: new Map(),
    contacts: new Map(),
    quarantined: new Map(),
    rejoinArmed: false,
    rejoinAttempts: 0,
    belowMaxSince: 0,
    lastInsist: Number.NEGATIVE_INFINITY,
  };
}

/** Active peers, sorted, self excluded. */
export function activeOf<P extends PeerRef>(state: HyParViewState<P>): string[] {
  return [...state.active.keys()].sort();
}

/**
 * Every peer this node knows (active, passive, lost, contacts), active first, no
 * duplicates, self excluded: what a shell saves in the data dir and hands back as
 * `start.known` after a restart. Empty after `leave`.
 */
export function knownPeersOf<P extends PeerRef>(state: HyParViewState<P>): P[] {
  const out = new Map<string, P>();
  for (const p of state.active.values()) out.set(p.name, p);
  for (const p of state.passive.values()) if (!out.has(p.name)) out.set(p.name, p);
  for (const l of state.lost.values()) if (!out.has(l.peer.name)) out.set(l.peer.name, l.peer);
  for (const p of state.contacts.values()) if (!out.has(p.name)) out.set(p.name, p);
  out.delete(state.self.name);
  return [...out.values()];
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
    case 'start':
      s.start(event.known ?? []);
      break;
    case 'join':
      if (event.contact.name === state.self.name) throw new JoinSelfError(state.self.name);
      state.left = false;
      s.remember(event.contact);
      s.join(event.contact);
      break;
    case 'receive':
      if (event.from !== state.self.name) s.receive(event.from, event.msg);
      break;
    case 'peerDown':
      s.peerDown(event.peer);
      break;
    case 'timer':
      s.timer(event.key);
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
  s.watchIsolation();
  if (state.active.size >= state.options.activeMaxSize) state.belowMaxSince = undefined;
  else state.belowMaxSince ??= state.round;
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

  private setTimer(key: HyParViewTimer, delayMs: number): void {
    this.out.push({ type: 'setTimer', key, delayMs });
  }

  start(known: readonly P[]): void {
    // A random first phase: nodes started together must not tick in lockstep.
    this.setTimer({ type: 'shuffle' }, Math.max(1, this.rng.next() * this.o.shuffleInterval));
    this.setTimer({ type: 'promotion' }, Math.max(1, this.rng.next() * this.o.promotionInterval));
    for (const peer of known) {
      if (peer.name === this.st.self.name) continue;
      this.remember(peer);
      this.addPassive(peer, undefined);
    }
    // Restarted with remembered peers: join through one now rather than wait to be found.
    if (this.st.contacts.size > 0 && this.st.active.size === 0) this.rejoin();
  }

  /** Keeps `peer` as a contact to rejoin through, within the passive view's bound. */
  remember(peer: P): void {
    const contacts = this.st.contacts;
    if (peer.name === this.st.self.name) return;
    contacts.delete(peer.name);
    contacts.set(peer.name, peer);
    const bound = Math.max(1, this.o.passiveMaxSize);
    while (contacts.size > bound) {
      const oldest = contacts.keys().next().value;
      if (oldest === undefined) break;
      contacts.delete(oldest);
    }
  }

  join(contact: P): void {
    this.addActive(contact);
    this.send(contact, { type: 'join', peer: this.st.self });
  }

  timer(key: HyParViewTimer): void {
    switch (key.type) {
      case 'shuffle':
        this.setTimer(key, this.o.shuffleInterval);
        this.shuffle();
        return;
      case 'promotion':
        this.setTimer(key, this.o.promotionInterval);
        this.promotionTick();
        return;
      case 'rejoin':
        this.st.rejoinArmed = false;
        if (this.st.active.size === 0 && this.st.pending.size === 0) this.rejoin();
        return;
      default: {
        const unknown: never = key;
        throw new TypeError(`unknown HyParView timer ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * Arms the rejoin timer while the node has no active peer and no request out (and
   * someone to try), with a backoff doubling per failed attempt; disarms it once a
   * peer is active (the backoff resets when one is still active at a promotion round).
   */
  watchIsolation(): void {
    const st = this.st;
    if (st.active.size > 0) {
      // The backoff is reset by the promotion round, not here: a join makes its
      // contact active before the contact answers, and a dead contact must not
      // reset the backoff it is the cause of.
      if (st.rejoinArmed) {
        st.rejoinArmed = false;
        this.out.push({ type: 'cancelTimer', key: { type: 'rejoin' } });
      }
      return;
    }
    if (st.left || st.rejoinArmed || st.pending.size > 0) return;
    if (st.contacts.size + st.lost.size + st.passive.size === 0) return;
    const factor = Math.min(2 ** st.rejoinAttempts, REJOIN_BACKOFF_CAP);
    // Jitter in [0.5, 1) of the gap: isolated nodes of one crash do not retry together.
    const delay = this.o.promotionInterval * factor * (0.5 + this.rng.next() / 2);
    st.rejoinArmed = true;
    this.setTimer({ type: 'rejoin' }, Math.max(1, delay));
  }

  /** Joins through a random contact, lost peer or passive peer (the first that answers wins). */
  private rejoin(): void {
    const st = this.st;
    const candidates = new Map<string, P>();
    for (const p of st.contacts.values()) candidates.set(p.name, p);
    for (const l of st.lost.values()) candidates.set(l.peer.name, l.peer);
    for (const p of st.passive.values()) candidates.set(p.name, p);
    candidates.delete(st.self.name);
    const contact = pickOne(this.rng, [...candidates.values()]);
    if (contact === undefined) return;
    st.rejoinAttempts++;
    this.join(contact);
  }

  receive(from: string, msg: HyParViewMessage<P>): void {
    // Direct evidence that it is alive.
    this.st.quarantined.delete(from);
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
    st.rejected.set(peer.name, st.round);
    if (!st.active.has(peer.name)) this.addPassive(peer, undefined);
    // Only peers not refused yet: answering a refusal by insisting at once loops at
    // message speed with a peer that refuses even high priority (one that left);
    // insisting is left to the promotion tick.
    if (this.belowMinimum()) this.promote(false);
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
    const peer = st.active.get(name);
    if (peer !== undefined) this.removeActive(name);
    this.quarantine(name);
    if (peer !== undefined) {
      this.addLost(peer);
      // Replace the lost link, as the protocol asks, unless requests already cover it.
      if (this.hasFreeSlot()) this.promote();
    } else if (st.pending.delete(name)) {
      this.lostRetryFailed(name);
      if (this.belowMinimum()) this.promote();
    }
  }

  private addLost(peer: P): void {
    const lost = this.st.lost;
    lost.delete(peer.name);
    lost.set(peer.name, { peer, attempts: 0, due: this.st.round + 1 });
    const bound = Math.max(1, this.o.passiveMaxSize);
    while (lost.size > bound) {
      const oldest = lost.keys().next().value;
      if (oldest === undefined) break;
      lost.delete(oldest);
    }
  }

  /** A retry of a lost peer went unanswered or failed: back off. */
  private lostRetryFailed(name: string): void {
    const entry = this.st.lost.get(name);
    if (entry === undefined) return;
    entry.attempts++;
    entry.due = this.st.round + Math.min(2 ** entry.attempts, LOST_BACKOFF_CAP);
  }

  /** Asks every lost peer whose retry is due to link again; it cannot refuse. */
  private retryLost(): void {
    const st = this.st;
    for (const [name, entry] of st.lost) {
      if (entry.due > st.round || st.pending.has(name)) continue;
      if (st.active.has(name)) {
        st.lost.delete(name);
        continue;
      }
      this.requestNeighbor(entry.peer, 'high');
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
        if (st.lost.has(name)) this.lostRetryFailed(name);
        else st.passive.delete(name);
        this.quarantine(name);
      }
    }
    for (const [name, until] of st.quarantined) if (until <= st.round) st.quarantined.delete(name);
    for (const [name, round] of st.rejected) {
      if (round <= st.round - REFUSAL_MEMORY_ROUNDS) st.rejected.delete(name);
    }
    if (st.left) return;
    if (st.active.size > 0) st.rejoinAttempts = 0;
    this.retryLost();
    // Refill up to the maximum, not just the minimum: a node left below it by
    // failures keeps asking, and an island of nodes that all have room meets the rest
    // of the overlay through its passive entries.
    if (this.hasFreeSlot()) {
      if (!(this.longBelowMaximum() && this.insist())) this.promote();
    } else if (this.exploring()) {
      this.insist();
    }
  }

  /** A full node's rare random exploration (see `explorationRounds`). */
  private exploring(): boolean {
    const every = this.o.explorationRounds;
    return every > 0 && this.st.active.size >= this.o.activeMaxSize && this.rng.next() * every < 1;
  }

  addActive(peer: P): void {
    const st = this.st;
    if (peer.name === st.self.name) return;
    st.pending.delete(peer.name);
    st.passive.delete(peer.name);
    st.lost.delete(peer.name);
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
    st.lost.clear();
    st.contacts.clear();
    st.left = true;
    if (st.rejoinArmed) {
      st.rejoinArmed = false;
      this.out.push({ type: 'cancelTimer', key: { type: 'rejoin' } });
    }
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

  /** Keeps a peer found down out of the passive view for `quarantineRounds`. */
  private quarantine(name: string): void {
    if (this.o.quarantineRounds === 0 || this.st.active.has(name)) return;
    this.st.quarantined.set(name, this.st.round + this.o.quarantineRounds);
  }

  /** Adds to the passive view, evicting first from `preferEvict`, else at random. */
  private addPassive(peer: P, preferEvict: string[] | undefined): void {
    const st = this.st;
    if (peer.name === st.self.name || st.active.has(peer.name)) return;
    if (st.quarantined.has(peer.name)) return;
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
  private promote(insist = true): void {
    const st = this.st;
    const fresh: P[] = [];
    const refused: P[] = [];
    for (const [name, peer] of st.passive) {
      if (!st.pending.has(name)) (st.rejected.has(name) ? refused : fresh).push(peer);
    }
    if (st.active.size === 0) {
      // High priority cannot be refused, so earlier refusals do not matter.
      const peer = pickOne(this.rng, insist ? [...fresh, ...refused] : fresh);
      if (peer !== undefined) this.requestNeighbor(peer, 'high');
      return;
    }
    const peer = pickOne(this.rng, fresh);
    if (peer !== undefined) {
      this.requestNeighbor(peer, 'low');
    } else if (insist && this.belowMinimum()) {
      // Everyone we know is full. Low-priority requests would be refused at every
      // tick forever, and a small group of such nodes (two nodes linked only to each
      // other) would stay cut off from the overlay: below the minimum, insist.
      const insist = pickOne(this.rng, refused);
      if (insist !== undefined) this.requestNeighbor(insist, 'high');
    }
  }

  /**
   * A high-priority request to a random passive peer, for a node long below the
   * maximum: an island whose nodes all have room (restarted nodes linked only to
   * each other) is refused by a full overlay forever otherwise. The receiver drops
   * one of its links for it, so this happens at most once per
   * {@link INSIST_AFTER_ROUNDS} rounds.
   */
  private insist(): boolean {
    const st = this.st;
    const candidates = [...st.passive.values()].filter((p) => !st.pending.has(p.name));
    const peer = pickOne(this.rng, candidates);
    if (peer === undefined) return false;
    st.lastInsist = st.round;
    this.requestNeighbor(peer, 'high');
    return true;
  }

  /** Below the maximum for {@link INSIST_AFTER_ROUNDS} rounds and not insisted for as long. */
  private longBelowMaximum(): boolean {
    const st = this.st;
    return (
      st.belowMaxSince !== undefined &&
      st.round - st.belowMaxSince >= INSIST_AFTER_ROUNDS &&
      st.round - st.lastInsist >= INSIST_AFTER_ROUNDS
    );
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
