import {
  InvalidOptionsError,
  JoinSelfError,
  SpecNameMismatchError,
  UnknownMemberError,
} from './errors.js';
import type {
  FullMembershipEffect,
  FullMembershipEvent,
  MembershipMessage,
} from './full-membership-messages.js';
import { takeDecoded } from './full-membership-wire.js';
import {
  type AliveEntry,
  aliveEntry,
  compareEntries,
  emptyCrdt,
  entriesLeq,
  fromData,
  liveNames,
  liveViewDigest,
  type MembershipCrdt,
  type MembershipEntry,
  type MembershipStateData,
  mergeEntryInto,
  mergeIntoTelling,
  removedEntry,
  toData,
} from './membership-crdt.js';
import type { NodeSpec } from './node-spec.js';

/** Settings of the full-membership strategy. */
export interface FullMembershipOptions {
  /** Milliseconds between `periodic` timers, which the core arms itself. */
  readonly periodicInterval: number;
  /**
   * A member whose every channel has been down this long is removed cluster-wide (and
   * probed afterwards, so that a partitioned node comes back). 0 never removes, as
   * Partisan. It also decides whether gossip from a sender we hold nothing for is
   * merged: with reaping on, two halves of a healed partition may have collected each
   * other's tombstones, and must still meet.
   */
  readonly downAfterMs: number;
  /**
   * Members the `periodic` timer gossips the whole state to, taken in turn (name
   * order, continuing where the last period stopped), so that a node's idle cost does
   * not grow with the cluster; changes are still gossiped to every member at once.
   * Infinity (Partisan's behaviour) gossips to every member each period.
   */
  readonly periodicFanout: number;
}

/**
 * Partisan's defaults (no reaping, periodic gossip to every member; a node enables
 * reaping and bounds the fanout, see `downAfterMs` of `startNode`).
 */
export const defaultFullMembershipOptions: FullMembershipOptions = {
  periodicInterval: 10_000,
  downAfterMs: 0,
  periodicFanout: Number.POSITIVE_INFINITY,
};

/** How many removed-but-maybe-alive peers are remembered and probed (oldest forgotten). */
export const MAX_LOST_PEERS = 64;

/** Fills in and checks full-membership options. */
export function fullMembershipOptions(
  overrides: Partial<FullMembershipOptions> = {},
): FullMembershipOptions {
  const options = { ...defaultFullMembershipOptions, ...overrides };
  if (!(options.periodicInterval > 0)) {
    throw new InvalidOptionsError('periodicInterval must be positive');
  }
  if (!Number.isSafeInteger(options.downAfterMs) || options.downAfterMs < 0) {
    throw new InvalidOptionsError('downAfterMs must be a non-negative integer');
  }
  const fanout = options.periodicFanout;
  if (!(fanout === Number.POSITIVE_INFINITY || (Number.isSafeInteger(fanout) && fanout >= 1))) {
    throw new InvalidOptionsError('periodicFanout must be a positive integer or Infinity');
  }
  return options;
}

/** What the core needs from the outside world on every step. */
export interface MembershipContext {
  /**
   * Wall-clock milliseconds. Used to issue incarnations (`max(now, last + 1)`), so a
   * restarted node that lost its data dir still outranks its former self, and to time
   * how long a member has been down.
   */
  readonly now: number;
}

/**
 * One node's full-membership state. Owned by a single shell; steps mutate it in
 * place. Read it through {@link membersOf}, {@link specOf} and {@link snapshotOf}.
 */
export interface FullMembershipState {
  readonly self: string;
  readonly options: FullMembershipOptions;
  /** This node's current spec. */
  spec: NodeSpec;
  /** This node's membership epoch: grows each time it comes back after a removal. */
  epoch: number;
  /** This node's incarnation within its epoch; strictly increases over its lifetime. */
  incarnation: number;
  crdt: MembershipCrdt;
  /** The contact of a `join` awaiting its reply. */
  joining: string | undefined;
  /**
   * Nodes that joined through this one while its own join awaited the reply: adopting
   * the contact's view must keep them, or they believe they are members while no one
   * else lists them, and their gossip is ignored for good.
   */
  readonly admittedWhileJoining: Map<string, AliveEntry>;
  /** Bumped on every change of `crdt` or `incarnation`: persist when it moves. */
  version: number;
  /** The live members last reported in `membersChanged` (self included). */
  reported: Map<string, AliveEntry>;
  /** Peers with a live channel, as the shell reported them (members or not). */
  readonly up: Set<string>;
  /** Members (self excluded) that are not up, with the time since when. */
  readonly down: Map<string, number>;
  /**
   * Members removed while perhaps alive (reaped, or removed by someone), with their
   * last spec: probed on every `periodic` timer until they are members again, so a
   * healed partition merges. Not those that announced their own leave.
   */
  readonly lost: Map<string, NodeSpec>;
  /** Set by `leave` until the next `join`: a node that left ignores membership messages. */
  left: boolean;
  /** The last member the `periodic` gossip went to, when its fanout is bounded. */
  gossipCursor: string;
}

/** Arguments of {@link initFullMembership}. */
export interface FullMembershipInit {
  /** This node's spec now (it may differ from the restored one: new port...). */
  readonly spec: NodeSpec;
  readonly now: number;
  /** State saved by a previous run, from {@link snapshotOf}. */
  readonly restored?: MembershipStateData | undefined;
  readonly options?: Partial<FullMembershipOptions>;
}

/**
 * Starts a node: a singleton, or the restored view with this node at a new
 * incarnation (which replaces a stale spec of its former self everywhere). The
 * returned effects announce it to restored members and arm the `periodic` timer.
 *
 * @throws {MembershipDecodeError} when `restored` is malformed.
 * @throws {InvalidOptionsError} when `options` are out of range.
 */
export function initFullMembership(init: FullMembershipInit): {
  state: FullMembershipState;
  effects: FullMembershipEffect[];
} {
  const self = init.spec.name;
  const options = fullMembershipOptions(init.options);
  let crdt = init.restored === undefined ? emptyCrdt() : fromData(init.restored);
  const prior = crdt.entries.get(self);
  // Whole milliseconds: the wire accepts integers only, and a clock may carry a fraction.
  const incarnation = Math.max(
    Math.floor(init.now),
    prior === undefined ? 0 : prior.incarnation + 1,
  );
  let epoch = prior?.epoch ?? 0;
  // Removed while down: the old view is no longer ours, and the next life starts.
  if (prior?.kind === 'removed') {
    crdt = emptyCrdt();
    epoch++;
  }
  crdt.entries.set(self, aliveEntry(init.spec, epoch, incarnation));
  const state: FullMembershipState = {
    self,
    options,
    spec: init.spec,
    epoch,
    incarnation,
    crdt,
    joining: undefined,
    admittedWhileJoining: new Map(),
    version: 0,
    reported: new Map(),
    up: new Set(),
    down: new Map(),
    lost: new Map(),
    left: false,
    gossipCursor: '',
  };
  const effects: FullMembershipEffect[] = [];
  maintainAcks(state);
  reportMembers(state, effects, init.now);
  gossipToMembers(state, effects, undefined);
  effects.push({ type: 'setTimer', key: { type: 'periodic' }, delayMs: options.periodicInterval });
  return { state, effects };
}

/** Live members, sorted, self included. */
export function membersOf(state: FullMembershipState): string[] {
  return liveNames(state.crdt);
}

/** The spec of a live member, or undefined. */
export function specOf(state: FullMembershipState, name: string): NodeSpec | undefined {
  const entry = state.crdt.entries.get(name);
  return entry?.kind === 'alive' ? entry.spec : undefined;
}

/** The state as plain data, for the data dir. */
export function snapshotOf(state: FullMembershipState): MembershipStateData {
  return toData(state.crdt);
}

/**
 * Applies one event and returns the effects to carry out, in order.
 *
 * @throws {JoinSelfError} on `join` of this node itself.
 * @throws {UnknownMemberError} on `remove` of a name that is not a live member.
 * @throws {SpecNameMismatchError} on `updateSpec` with another node's name.
 * @throws {MembershipDecodeError} when a received state is malformed; the state is
 *   left untouched, and the shell should count it and close that connection.
 */
export function stepFullMembership(
  state: FullMembershipState,
  event: FullMembershipEvent,
  ctx: MembershipContext,
): FullMembershipEffect[] {
  const out: FullMembershipEffect[] = [];
  switch (event.type) {
    case 'join':
      if (event.peer === state.self) throw new JoinSelfError(state.self);
      state.joining = event.peer;
      state.admittedWhileJoining.clear();
      state.left = false;
      out.push({ type: 'send', to: event.peer, msg: joinRequest(state) });
      return out;
    case 'leave':
      leave(state, ctx, out);
      return out;
    case 'remove':
      remove(state, event.name, ctx, out);
      return out;
    case 'updateSpec':
      if (event.spec.name !== state.self) {
        throw new SpecNameMismatchError(state.self, event.spec.name);
      }
      state.spec = event.spec;
      reincarnate(state, state.epoch, state.incarnation, ctx);
      maintainAcks(state);
      reportMembers(state, out, ctx.now);
      gossipToMembers(state, out, undefined);
      return out;
    case 'receive':
      receive(state, event.from, event.msg, ctx, out);
      return out;
    case 'timer':
      switch (event.key.type) {
        case 'periodic':
          out.push({ type: 'setTimer', key: event.key, delayMs: state.options.periodicInterval });
          tick(state, out);
          return out;
        case 'reap':
          reap(state, ctx, out);
          return out;
        default: {
          const unknown: never = event.key;
          throw new TypeError(`unknown membership timer ${JSON.stringify(unknown)}`);
        }
      }
    case 'peerDown':
      state.up.delete(event.name);
      if (state.reported.has(event.name) && event.name !== state.self) {
        if (!state.down.has(event.name)) state.down.set(event.name, ctx.now);
        armReap(state, ctx, out);
      }
      return out;
    case 'peerUp':
      state.up.add(event.name);
      state.down.delete(event.name);
      return out;
    default: {
      const unknown: never = event;
      throw new TypeError(`unknown membership event ${JSON.stringify(unknown)}`);
    }
  }
}

function receive(
  state: FullMembershipState,
  from: string,
  msg: MembershipMessage,
  ctx: MembershipContext,
  out: FullMembershipEffect[],
): void {
  if (from === state.self || state.left) return;
  switch (msg.type) {
    case 'joinRequest':
      onJoinRequest(state, from, aliveEntry(msg.spec, msg.epoch, msg.incarnation), ctx, out);
      return;
    case 'joinReply':
      onJoinReply(state, from, msg.state, ctx, out);
      return;
    case 'gossip':
      onGossip(state, from, msg.state, ctx, out);
      return;
    default: {
      const unknown: never = msg;
      throw new TypeError(`unknown membership message ${JSON.stringify(unknown)}`);
    }
  }
}

function onJoinRequest(
  state: FullMembershipState,
  from: string,
  entry: AliveEntry,
  ctx: MembershipContext,
  out: FullMembershipEffect[],
): void {
  // The sender is authenticated by the channel; a spec under another name is a lie.
  if (entry.spec.name !== from) return;
  if (state.joining !== undefined) state.admittedWhileJoining.set(from, entry);
  const changed = mergeEntryInto(state.crdt, from, entry);
  if (maintainAcks(state) || changed) state.version++;
  reportMembers(state, out, ctx.now);
  // Even when the joiner lost to a tombstone, the reply tells it so and it retries
  // with a higher incarnation.
  out.push({ type: 'send', to: from, msg: { type: 'joinReply', state: toData(state.crdt) } });
  if (changed) gossipToMembers(state, out, from);
}

function onJoinReply(
  state: FullMembershipState,
  from: string,
  data: MembershipStateData,
  ctx: MembershipContext,
  out: FullMembershipEffect[],
): void {
  // Only an awaited reply may replace the view; anything else could smuggle state in.
  if (state.joining !== from) return;
  const remote = takeDecoded(data) ?? fromData(data);
  const known = remote.entries.get(state.self);
  if (known !== undefined && outranksSelf(state, known)) {
    // The contact knows a removal or a newer life of this name: come back above it.
    if (known.kind === 'removed') reincarnate(state, known.epoch + 1, 0, ctx);
    else reincarnate(state, known.epoch, known.incarnation, ctx);
    out.push({ type: 'send', to: from, msg: joinRequest(state) });
    return;
  }
  // Adopting the contact's view (rather than merging ours into it) keeps a node that
  // was partitioned away and removed from carrying stale members back in.
  // Those who joined through us meanwhile were told they are members: keep them.
  for (const [name, entry] of state.admittedWhileJoining) mergeEntryInto(remote, name, entry);
  state.admittedWhileJoining.clear();
  remote.entries.set(state.self, ownEntry(state));
  state.crdt = remote;
  state.joining = undefined;
  maintainAcks(state);
  state.version++;
  reportMembers(state, out, ctx.now);
  out.push({ type: 'joined', peer: from });
  gossipToMembers(state, out, undefined);
}

function onGossip(
  state: FullMembershipState,
  from: string,
  data: MembershipStateData,
  ctx: MembershipContext,
  out: FullMembershipEffect[],
): void {
  // Gossip is accepted from members only: a node we never heard of, or whose
  // tombstone we collected, must come back through an explicit join. With reaping on,
  // though, a sender we hold nothing for may be the other half of a healed partition
  // that collected our tombstones as we collected its: merging is what heals it, and
  // anything stale it brings is either a tombstone (an alive node refutes it) or a
  // dead member (reaped again).
  const sender = state.crdt.entries.get(from);
  if (sender === undefined && state.options.downAfterMs === 0) return;
  const remote = takeDecoded(data) ?? fromData(data);
  const claimed = remote.entries.get(from);
  if (sender === undefined && claimed?.kind !== 'alive') return;
  if (sender?.kind === 'removed') {
    if (claimed === undefined || compareEntries(claimed, sender) <= 0) {
      // A removed node still gossiping: tell it, so that it refutes (or resets).
      out.push({ type: 'send', to: from, msg: { type: 'gossip', state: toData(state.crdt) } });
      return;
    }
    // Otherwise it is a newer life of that node (it refuted, or joined elsewhere).
  }
  // A node announcing its own removal left: it is not probed afterwards.
  const departed = claimed?.kind === 'removed' ? from : undefined;
  const before = [...state.reported.keys()];
  const merged = mergeIntoTelling(state.crdt, remote);
  if (merged.entries) {
    const own = state.crdt.entries.get(state.self);
    if (own?.kind === 'removed') {
      refute(state, own.epoch, before, from, ctx, out);
      return;
    }
    if (own !== undefined && outranksSelf(state, own)) {
      reincarnate(state, own.epoch, own.incarnation, ctx);
    }
  }
  const acked = maintainAcks(state);
  if (merged.entries || merged.acks || acked) state.version++;
  // Only a membership change is pushed to everyone at once. Acknowledgements of
  // tombstones change on every node at every view change; pushing each to everyone,
  // who pushed it on in turn, made a storm of whole-state messages under churn that
  // backed up every manager's mailbox (reaps and join replies waited behind it). Acks
  // travel with the next membership change, the periodic gossip, or the reply below.
  if (merged.entries) {
    reportMembers(state, out, ctx.now, departed);
    gossipToMembers(state, out, undefined);
    // A member removed elsewhere that is up from here is alive: tell it, so it refutes
    // now rather than at its next periodic gossip.
    let msg: MembershipMessage | undefined;
    for (const name of before) {
      if (name === state.self || name === from || name === departed || !state.up.has(name))
        continue;
      if (state.crdt.entries.get(name)?.kind !== 'removed') continue;
      msg ??= { type: 'gossip', state: toData(state.crdt) };
      out.push({ type: 'send', to: name, msg });
    }
  } else if (!entriesLeq(state.crdt, remote)) {
    // The sender lags behind us in membership: answer it alone so that states meet.
    // (Lagging acks alone are not answered: every pair would talk until equal after
    // every view change; the periodic gossip carries them.)
    out.push({ type: 'send', to: from, msg: { type: 'gossip', state: toData(state.crdt) } });
  }
}

/**
 * This node is alive but its life was removed (reaped during a partition, or by an
 * operator): come back above the tombstone, keeping the view, as SWIM refutes. Its
 * former members are told too, also those the merged state removed: they may be
 * alive on the other side of a healed partition, and learn so that they refute too.
 */
function refute(
  state: FullMembershipState,
  removedEpoch: number,
  formerMembers: readonly string[],
  from: string,
  ctx: MembershipContext,
  out: FullMembershipEffect[],
): void {
  reincarnate(state, removedEpoch + 1, state.incarnation, ctx);
  maintainAcks(state);
  state.version++;
  out.push({ type: 'refuted', epoch: state.epoch, incarnation: state.incarnation });
  reportMembers(state, out, ctx.now);
  const msg: MembershipMessage = { type: 'gossip', state: toData(state.crdt) };
  const told = new Set<string>([state.self]);
  for (const [name, entry] of state.crdt.entries) {
    if (entry.kind !== 'alive' || told.has(name)) continue;
    told.add(name);
    out.push({ type: 'send', to: name, msg });
  }
  for (const name of [...formerMembers, from]) {
    if (told.has(name)) continue;
    told.add(name);
    out.push({ type: 'send', to: name, msg });
  }
}

/** Re-arms the `reap` timer for the earliest deadline of a down member, if any. */
function armReap(state: FullMembershipState, ctx: MembershipContext, out: FullMembershipEffect[]) {
  const after = state.options.downAfterMs;
  if (after === 0 || state.down.size === 0) return;
  let earliest = Number.POSITIVE_INFINITY;
  for (const since of state.down.values()) earliest = Math.min(earliest, since + after);
  out.push({ type: 'setTimer', key: { type: 'reap' }, delayMs: Math.max(0, earliest - ctx.now) });
}

/** Removes every member that has been down for `downAfterMs`, then re-arms. */
function reap(state: FullMembershipState, ctx: MembershipContext, out: FullMembershipEffect[]) {
  const after = state.options.downAfterMs;
  if (after === 0) return;
  const due = [...state.down]
    .filter(([name, since]) => since + after <= ctx.now && state.reported.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (due.length > 0) {
    for (const [name, since] of due) {
      const entry = state.crdt.entries.get(name);
      state.down.delete(name);
      if (entry?.kind !== 'alive') continue;
      state.crdt.entries.set(name, removedEntry(entry.epoch, entry.incarnation));
      out.push({ type: 'reaped', name, downForMs: ctx.now - since });
    }
    maintainAcks(state);
    state.version++;
    reportMembers(state, out, ctx.now);
    gossipToMembers(state, out, undefined);
    // A reaped node that is in fact alive (only our channels to it failed) learns at
    // once, if the message gets through, and refutes.
    const msg: MembershipMessage = { type: 'gossip', state: toData(state.crdt) };
    for (const [name] of due) out.push({ type: 'send', to: name, msg });
  }
  armReap(state, ctx, out);
}

function tick(state: FullMembershipState, out: FullMembershipEffect[]): void {
  if (state.joining !== undefined) {
    out.push({ type: 'send', to: state.joining, msg: joinRequest(state) });
  }
  const acked = maintainAcks(state);
  const collected = collectTombstones(state);
  if (acked || collected) state.version++;
  periodicGossip(state, out);
  if (state.lost.size > 0 && !state.left) {
    const msg: MembershipMessage = { type: 'gossip', state: toData(state.crdt) };
    for (const spec of state.lost.values()) out.push({ type: 'probe', spec, msg });
  }
}

function leave(
  state: FullMembershipState,
  ctx: MembershipContext,
  out: FullMembershipEffect[],
): void {
  state.crdt.entries.set(state.self, removedEntry(state.epoch, state.incarnation));
  // Tell everyone before resetting, so the shell flushes these sends and then closes.
  gossipToMembers(state, out, undefined);
  resetToSingleton(state, 'left', state.epoch, ctx, out);
  state.left = true;
  state.lost.clear();
  state.down.clear();
}

function remove(
  state: FullMembershipState,
  name: string,
  ctx: MembershipContext,
  out: FullMembershipEffect[],
): void {
  if (name === state.self) {
    leave(state, ctx, out);
    return;
  }
  const entry = state.crdt.entries.get(name);
  if (entry?.kind !== 'alive') throw new UnknownMemberError(name);
  state.crdt.entries.set(name, removedEntry(entry.epoch, entry.incarnation));
  maintainAcks(state);
  state.version++;
  gossipToMembers(state, out, undefined);
  // The removed node is told too: if it is alive it refutes and comes back.
  out.push({ type: 'send', to: name, msg: { type: 'gossip', state: toData(state.crdt) } });
  reportMembers(state, out, ctx.now);
}

function joinRequest(state: FullMembershipState): MembershipMessage {
  const { epoch, incarnation, spec } = state;
  return { type: 'joinRequest', epoch, incarnation, spec };
}

function ownEntry(state: FullMembershipState): AliveEntry {
  return aliveEntry(state.spec, state.epoch, state.incarnation);
}

/** True when the lattice holds something for our name that beats our own entry. */
function outranksSelf(state: FullMembershipState, entry: MembershipEntry): boolean {
  return compareEntries(entry, ownEntry(state)) > 0;
}

/**
 * Moves this node to epoch `epoch` (never back) with an incarnation above `floor`
 * and above its own, and records its entry.
 */
function reincarnate(
  state: FullMembershipState,
  epoch: number,
  floor: number,
  ctx: MembershipContext,
): void {
  state.epoch = Math.max(state.epoch, epoch);
  state.incarnation = Math.max(Math.floor(ctx.now), floor + 1, state.incarnation + 1);
  state.crdt.entries.set(state.self, ownEntry(state));
  state.version++;
}

function resetToSingleton(
  state: FullMembershipState,
  reason: 'left' | 'removed',
  removedEpoch: number,
  ctx: MembershipContext,
  out: FullMembershipEffect[],
): void {
  const disconnect = [...state.reported.keys()].filter((name) => name !== state.self).sort();
  state.crdt = emptyCrdt();
  state.joining = undefined;
  state.admittedWhileJoining.clear();
  reincarnate(state, removedEpoch + 1, state.incarnation, ctx);
  reportMembers(state, out, ctx.now);
  out.push({ type: 'reset', reason, disconnect });
}

/**
 * Keeps this node's acknowledgement of every tombstone it holds current: it must
 * name our incarnation and the digest of our live view. True when anything changed.
 */
function maintainAcks(state: FullMembershipState): boolean {
  let digest: string | undefined;
  let changed = false;
  for (const entry of state.crdt.entries.values()) {
    if (entry.kind !== 'removed') continue;
    digest ??= liveViewDigest(state.crdt);
    const mine = entry.acks.get(state.self);
    if (
      mine !== undefined &&
      mine.epoch === state.epoch &&
      mine.incarnation === state.incarnation &&
      mine.view === digest
    ) {
      continue;
    }
    const version = mine === undefined ? 1 : mine.version + 1;
    const { epoch, incarnation } = state;
    entry.acks.set(state.self, { epoch, incarnation, version, view: digest });
    changed = true;
  }
  return changed;
}

/**
 * Drops every tombstone that each live member (at its current incarnation) has
 * acknowledged while agreeing with us on the live view. Why that is safe is argued
 * in docs/membership.md. True when anything was dropped.
 */
function collectTombstones(state: FullMembershipState): boolean {
  let digest: string | undefined;
  let live: [string, AliveEntry][] | undefined;
  let changed = false;
  for (const [name, entry] of state.crdt.entries) {
    if (entry.kind !== 'removed') continue;
    digest ??= liveViewDigest(state.crdt);
    live ??= liveNames(state.crdt).map((n) => [n, state.crdt.entries.get(n) as AliveEntry]);
    const stable = live.every(([member, life]) => {
      const ack = entry.acks.get(member);
      return (
        ack !== undefined &&
        ack.epoch === life.epoch &&
        ack.incarnation === life.incarnation &&
        ack.view === digest
      );
    });
    if (stable) {
      state.crdt.entries.delete(name);
      changed = true;
    }
  }
  return changed;
}

function gossipToMembers(
  state: FullMembershipState,
  out: FullMembershipEffect[],
  except: string | undefined,
): void {
  let msg: MembershipMessage | undefined;
  for (const [name, entry] of state.crdt.entries) {
    if (entry.kind !== 'alive' || name === state.self || name === except) continue;
    msg ??= { type: 'gossip', state: toData(state.crdt) };
    out.push({ type: 'send', to: name, msg });
  }
}

/** The `periodic` gossip: to every member, or to the next `periodicFanout` of them in turn. */
function periodicGossip(state: FullMembershipState, out: FullMembershipEffect[]): void {
  const fanout = state.options.periodicFanout;
  const members: string[] = [];
  for (const [name, entry] of state.crdt.entries) {
    if (entry.kind === 'alive' && name !== state.self) members.push(name);
  }
  if (members.length <= fanout) {
    gossipToMembers(state, out, undefined);
    return;
  }
  members.sort(compareCodeUnits);
  const after = members.findIndex((name) => compareCodeUnits(name, state.gossipCursor) > 0);
  const start = Math.max(0, after);
  const msg: MembershipMessage = { type: 'gossip', state: toData(state.crdt) };
  for (let i = 0; i < fanout; i++) {
    const to = members[(start + i) % members.length] as string;
    out.push({ type: 'send', to, msg });
    state.gossipCursor = to;
  }
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Emits `membersChanged` when the live membership differs from the last report, and
 * keeps the failure bookkeeping in step: a new life that is not up is down from `now`
 * (a fresh window, so a member that just refuted is not reaped on its old deadline),
 * and a member that disappeared is remembered as lost unless it is `departed`.
 */
function reportMembers(
  state: FullMembershipState,
  out: FullMembershipEffect[],
  at: number,
  departed?: string,
): void {
  const added: NodeSpec[] = [];
  const updated: NodeSpec[] = [];
  const removed: string[] = [];
  const now = new Map<string, AliveEntry>();
  for (const [name, entry] of state.crdt.entries) {
    if (entry.kind !== 'alive') continue;
    now.set(name, entry);
    const before = state.reported.get(name);
    if (before === undefined) {
      if (name !== state.self) added.push(entry.spec);
    } else if (compareEntries(before, entry) !== 0) {
      if (name !== state.self) updated.push(entry.spec);
    }
  }
  for (const name of state.reported.keys()) {
    if (!now.has(name) && name !== state.self) removed.push(name);
  }
  let fresh = false;
  for (const spec of [...added, ...updated]) {
    state.lost.delete(spec.name);
    if (!state.up.has(spec.name)) {
      state.down.set(spec.name, at);
      fresh = true;
    }
  }
  for (const name of removed) {
    state.down.delete(name);
    const before = state.reported.get(name);
    if (before === undefined || name === departed || state.left) continue;
    state.lost.delete(name);
    state.lost.set(name, before.spec);
    if (state.lost.size > MAX_LOST_PEERS) {
      const oldest = state.lost.keys().next().value;
      if (oldest !== undefined) state.lost.delete(oldest);
    }
  }
  const selfNew = !state.reported.has(state.self);
  state.reported = now;
  if (fresh) armReap(state, { now: at }, out);
  if (added.length === 0 && updated.length === 0 && removed.length === 0 && !selfNew) return;
  const byName = (a: NodeSpec, b: NodeSpec) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  out.push({
    type: 'membersChanged',
    members: [...now.keys()].sort(),
    added: added.sort(byName),
    updated: updated.sort(byName),
    removed: removed.sort(),
  });
}
