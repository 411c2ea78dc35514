import { pickOne } from '../../util/rng.js';
import { duplicateIsTreePath } from './duplicate-path.js';
import type {
  GraftToken,
  IsStaleToken,
  LogEffect,
  MergeToken,
  MetricEvent,
  PlumtreeEffect,
} from './effects.js';
import type { ExchangeOutcome, GraftOutcome, PlumtreeEvent } from './events.js';
import { successor } from './initial-sets.js';
import { UnsupportedMessageIdError } from './message-key.js';
import type {
  Announcement,
  BroadcastMessage,
  HandlerName,
  MessageId,
  NodeName,
  WireMessage,
} from './messages.js';
import type { MissingMessage } from './missing-messages.js';
import { nearestSeed } from './nearest-seed.js';
import { offTreeLinkTarget } from './off-tree-links.js';
import {
  latestDelivery,
  type PendingAcks,
  type PlumtreeState,
  type TreeActivity,
} from './state.js';
import { exchangeTickTimer, lazyTickTimer, type TimerKey } from './timers.js';

/**
 * Advances the broadcast server by one event at time `now`: mutates `state` in
 * place and returns what the shell must do, in order. Never throws for any event
 * and never reads a clock or a global random source, so the same state, events and
 * times always give the same effects. An event whose message id cannot be keyed is
 * dropped with a log.
 *
 * `now` is the shell's monotonic clock in ms (`performance.now()` in a server, the
 * network time in a simulator); a time earlier than the previous one, or not a
 * finite number, counts as the previous one.
 *
 * The core arms its own timers (`setTimer` with a {@link TimerKey}): feed `start`
 * once the shell is ready, and `{ type: 'timer', key }` whenever one fires.
 *
 * Handler calls are effects whose results come back as events carrying the
 * effect's token (`merge` → `mergeResult`/`mergeFailed`, `isStale` →
 * `isStaleResult`/`isStaleFailed`, `graft` → `graftResult`, `exchangeStart` →
 * `exchangeResult`); results may come back in any order and interleaved with other
 * events.
 */
export function step(state: PlumtreeState, event: PlumtreeEvent, now: number): PlumtreeEffect[] {
  const out: PlumtreeEffect[] = [];
  if (Number.isFinite(now) && now > state.now) state.now = now;
  try {
    dispatch(state, event, out);
  } catch (error) {
    // Ids off the wire are keyed before anything is changed, so dropping the event is safe.
    if (!(error instanceof UnsupportedMessageIdError)) throw error;
    out.push(log('warn', `${event.type} with an unusable message id dropped`, undefined, error));
  }
  return out;
}

function dispatch(state: PlumtreeState, event: PlumtreeEvent, out: PlumtreeEffect[]): void {
  switch (event.type) {
    case 'start':
      start(state, event.lazyPhaseMs, event.exchangePhaseMs, out);
      break;
    case 'localBroadcast':
      localBroadcast(state, event.handler, event.id, event.payload, out);
      break;
    case 'broadcastDataFailed':
      out.push(
        log('error', 'broadcastData threw; broadcast cancelled', event.handler, event.error),
      );
      break;
    case 'receive':
      receive(state, event.from, event.msg, out);
      break;
    case 'mergeResult':
      merged(state, event.token, event.isNew, out);
      break;
    case 'mergeFailed':
      out.push(log('error', 'merge threw; counted as not new', event.token.handler, event.error));
      merged(state, event.token, false, out);
      break;
    case 'isStaleResult':
      staleChecked(state, event.token, event.stale, out);
      break;
    case 'isStaleFailed':
      out.push(
        log(
          'error',
          'isStale threw; counted as not stale',
          event.token.purpose === 'iHave' ? event.token.entry.handler : undefined,
          event.error,
        ),
      );
      staleChecked(state, event.token, false, out);
      break;
    case 'graftResult':
      grafted(state, event.token, event.result, out);
      break;
    case 'exchangeResult':
      exchangeAnswered(state, event.token.ref, event.token.handler, event.result, out);
      break;
    case 'exchangeEnded':
      state.exchanges.delete(event.ref);
      state.pendingExchanges.delete(event.ref);
      break;
    case 'timer':
      timerFired(state, event.key, out);
      break;
    case 'update':
      update(state, event.members, out);
      break;
    case 'peerUp':
      state.down.delete(event.peer);
      // A fresh connection gets a fresh chance to answer before it counts as far behind.
      state.unansweredSince.delete(event.peer);
      break;
    case 'peerDown':
      // Only members: `update` is what clears the set, so strangers would stay forever.
      if (event.peer !== state.node && state.allMembers.has(event.peer)) {
        const fresh = !state.down.has(event.peer);
        state.down.add(event.peer);
        relink(state);
        if (fresh && state.options.fastRepair) repairAround(state, event.peer, out);
      }
      break;
    default:
      assertNever(event);
  }
}

function localBroadcast(
  state: PlumtreeState,
  handler: HandlerName,
  id: MessageId,
  payload: unknown,
  out: PlumtreeEffect[],
): void {
  if (!knownHandler(state, handler, null, out)) {
    out.push(log('warn', 'broadcast for an unregistered handler dropped', handler));
    return;
  }
  let key: string;
  try {
    key = keyOf(state, handler, id);
  } catch (error) {
    out.push(log('error', 'message id cannot be keyed; broadcast cancelled', handler, error));
    return;
  }
  // Remembered like a delivery, so a peer re-parented here after a failure can catch up.
  const entry: Announcement = { id, handler, round: 0, root: state.node };
  state.recent.set(key, { round: 0, from: state.node, entry });
  const seed = ownSeed(state);
  push(state, key, handler, id, payload, 0, state.node, state.node, out, seed);
}

/**
 * With the `nearest` new-root seed, the tree this node's own tree was copied from,
 * chosen at its first broadcast only; its messages name it so that every node copies
 * the same one.
 */
function ownSeed(state: PlumtreeState): NodeName | undefined {
  if (state.options.newRootSeed !== 'nearest') return undefined;
  if (state.sets.chooseOwnSeed() && !state.sets.hasTree(state.node)) {
    const source = nearestSeed(state);
    if (source !== undefined) state.sets.seedFrom(state.node, source);
  }
  return state.sets.seedOf(state.node);
}

function activityEntry(msg: BroadcastMessage): Announcement {
  return { id: msg.id, handler: msg.handler, round: msg.round, root: msg.root };
}

/**
 * `from` made us its parent in `graft.root`'s tree with a link-only graft naming the
 * last payload it got there. After a failure it may have missed what followed, so
 * every later message of that tree remembered here is announced to it (it grafts
 * what it lacks); after a tree optimisation that is nothing or a few entries of the
 * next batch, acknowledged as usual.
 */
function catchUp(state: PlumtreeState, from: NodeName, graft: Announcement, out: PlumtreeEffect[]) {
  const key = keyOf(state, graft.handler, graft.id);
  const later = state.recent.since(key, graft.root);
  let entries: Announcement[] = [];
  for (const { key: k, entry } of later) {
    // Owed as usual (repeated until acknowledged), and sent now rather than at the tick.
    addOutstanding(state, from, k, entry, out);
    entries.push(entry);
    if (entries.length === state.options.maxIHaveEntries) {
      send(out, from, { type: 'i_have', entries, from: state.node });
      entries = [];
    }
  }
  if (entries.length > 0) send(out, from, { type: 'i_have', entries, from: state.node });
}

function receive(state: PlumtreeState, from: NodeName, msg: WireMessage, out: PlumtreeEffect[]) {
  if (msg.from !== from) {
    out.push(log('warn', `${msg.type} claiming to come from ${msg.from} arrived from ${from}`));
    return;
  }
  if (from === state.node) return;
  switch (msg.type) {
    case 'broadcast':
      if (!knownHandler(state, msg.handler, from, out)) return;
      out.push({
        type: 'merge',
        handler: msg.handler,
        id: msg.id,
        payload: msg.payload,
        token: msg,
      });
      return;
    case 'prune':
      addLazy(state, msg.root, from);
      reattachAfterFeederPrune(state, msg.root, from, out);
      return;
    case 'i_have':
      for (const entry of msg.entries) {
        if (!knownHandler(state, entry.handler, from, out)) continue;
        const token: IsStaleToken = { purpose: 'iHave', entry, from };
        pendingAcks(state, from).inFlight++;
        out.push({ type: 'isStale', handler: entry.handler, id: entry.id, token });
      }
      return;
    case 'ignored_i_have': {
      // Keyed first: an unusable id drops the whole message before anything changes.
      const keys = msg.entries.map((e) => keyOf(state, e.handler, e.id));
      for (const key of keys) state.outstanding.delete(from, key);
      state.unansweredSince.delete(from);
      return;
    }
    case 'graft':
      state.unansweredSince.delete(from);
      if (msg.linkOnly) {
        addEager(state, msg.root, from);
        if (state.options.fastRepair && state.allMembers.has(from)) catchUp(state, from, msg, out);
        return;
      }
      if (!knownHandler(state, msg.handler, from, out)) return;
      out.push({
        type: 'graft',
        handler: msg.handler,
        id: msg.id,
        token: { entry: announcement(msg), from },
      });
      return;
    default:
      assertNever(msg);
  }
}

function merged(state: PlumtreeState, msg: MergeToken, isNew: boolean, out: PlumtreeEffect[]) {
  const key = keyOf(state, msg.handler, msg.id);
  const missing = state.missing.drop(key);
  if (missing !== undefined) out.push({ type: 'cancelTimer', key: missing.timerKey });
  if (!isNew) {
    metric(out, { kind: 'duplicate', handler: msg.handler });
    // A duplicate tells how far its sender is from the root, like an announcement.
    if (state.options.repairOnLeave) noteAlternate(state, key, msg, msg.from);
    // While re-parenting, the catch-up races the new parent's pushes: a duplicate then
    // says nothing about the link, and pruning it could cut the node off again.
    if (repairing(state)) return;
    if (duplicateIsTreePath(state, key, msg.root, msg.from)) {
      keepAsTreePath(state, key, msg);
      return;
    }
    addLazy(state, msg.root, msg.from);
    sendPrune(state, msg.from, msg.root, out);
    return;
  }
  metric(out, { kind: 'delivered', handler: msg.handler });
  if (state.options.graftTimeouts === 'fitted')
    state.graftTiming.received(key, msg.from, state.now);
  // Before any link of the root's tree is learned here, so the tree starts as the copy its root chose.
  const seed = state.options.newRootSeed === 'nearest' ? msg.seed : undefined;
  if (seed !== undefined) state.sets.seedFrom(msg.root, seed);
  addEager(state, msg.root, msg.from);
  relinkAfterCrossedPrune(state, msg, out);
  // One (read-only) entry for both records: one allocation per delivery fewer.
  const entry = activityEntry(msg);
  noteTreeActivity(state, msg.root, msg.from, entry, key);
  state.recent.set(key, { round: msg.round, from: msg.from, entry });
  push(state, key, msg.handler, msg.id, msg.payload, msg.round + 1, msg.root, msg.from, out, seed);
  if (!state.options.treeOptimization || missing === undefined) return;
  // The paper's place for the optimisation: announcements that beat the eager copy.
  let best: (typeof missing.announcers)[number] | undefined;
  for (const a of missing.announcers) {
    if (a.peer !== msg.from && (best === undefined || a.round < best.round)) best = a;
  }
  if (best !== undefined && msg.round - best.round > state.options.optimizationThreshold) {
    const shorter = { id: msg.id, handler: msg.handler, round: best.round, root: msg.root };
    optimize(state, key, shorter, best.peer, msg.from, out);
  }
}

function sendPrune(state: PlumtreeState, to: NodeName, root: NodeName, out: PlumtreeEffect[]) {
  send(out, to, { type: 'prune', root, from: state.node });
  state.sentPrunes.record(root, to, state.now);
}

/**
 * A new payload from a peer this node pruned in that tree: it was sent before the
 * prune arrived, and the peer is dropping this node as we make it eager again. A
 * link-only graft makes the link eager on its side too (see {@link SentPrunes}).
 */
function relinkAfterCrossedPrune(state: PlumtreeState, msg: MergeToken, out: PlumtreeEffect[]) {
  if (!state.sentPrunes.take(msg.root, msg.from, state.now) || !state.allMembers.has(msg.from))
    return;
  sendLinkGraft(state, msg.from, activityEntry(msg), out);
}

/**
 * The duplicate's sender stays eager and becomes the delivery later copies of this
 * message are judged against (see {@link duplicateIsTreePath}).
 */
function keepAsTreePath(state: PlumtreeState, key: string, msg: MergeToken): void {
  addEager(state, msg.root, msg.from);
  const entry = state.recent.get(key)?.entry ?? activityEntry(msg);
  state.recent.set(key, { round: msg.round, from: msg.from, entry });
}

/** Eager push to the tree's eager peers, lazy announcements to its lazy peers; never back to `from`. */
function push(
  state: PlumtreeState,
  key: string,
  handler: HandlerName,
  id: MessageId,
  payload: unknown,
  round: number,
  root: NodeName,
  from: NodeName,
  out: PlumtreeEffect[],
  seed?: NodeName,
): void {
  const peers = state.sets.peers(root);
  // One message object serves every eager peer: it is identical for all of them.
  const msg: BroadcastMessage = {
    type: 'broadcast',
    id,
    payload,
    handler,
    round,
    root,
    from: state.node,
    ...(seed === undefined ? {} : { seed }),
  };
  // While re-parented to the root (a repair, a swap: a link-only graft to it), a copy
  // we got another way (a graft answered by an announcer, a catch-up) would reach the
  // root as a duplicate, and its prune would cut the link that now feeds us: the
  // root has its own message anyway. Otherwise the copy goes, as it teaches a root
  // whose sparse initial sets lack us that the link exists.
  // Asked only when the root is an eager peer: two lookups saved on every other push.
  const toRoot = root !== from && peers.eagers.has(root);
  const skip =
    toRoot && (repairing(state) || state.linkGrafts.recent(root, root, state.now)) ? root : from;
  for (const p of peers.eagers)
    if (p !== from && p !== skip) out.push({ type: 'send', to: p, msg });
  const entry: Announcement = { id, handler, round, root };
  for (const p of peers.lazys) if (p !== from) addOutstanding(state, p, key, entry, out);
}

function addOutstanding(
  state: PlumtreeState,
  peer: NodeName,
  key: string,
  entry: Announcement,
  out: PlumtreeEffect[],
): void {
  if (!state.outstanding.add(peer, key, entry)) return;
  armLazyTick(state, out);
  trimOutstanding(state, peer, out);
}

/**
 * Applies the per-peer cap, but only to a peer that is down or far behind: a
 * connected peer that answers gets every announcement, because dropping one whose
 * eager copy was lost would lose the message for that peer for good.
 */
function trimOutstanding(state: PlumtreeState, peer: NodeName, out: PlumtreeEffect[]): void {
  const { outstanding } = state;
  const cap = state.options.maxOutstandingPerPeer;
  if (outstanding.countFor(peer) <= cap) return;
  const reason = state.down.has(peer) ? 'down' : farBehind(state, peer) ? 'farBehind' : undefined;
  if (reason === undefined) return;
  while (outstanding.countFor(peer) > cap) {
    const evicted = outstanding.evictOldest(peer);
    if (evicted === undefined) return;
    metric(out, { kind: 'outstandingEvicted', peer, handler: evicted.handler, reason });
  }
}

function farBehind(state: PlumtreeState, peer: NodeName): boolean {
  const since = state.unansweredSince.get(peer);
  if (since === undefined) return false;
  return state.now - since >= state.options.farBehindTicks * state.options.lazyTickPeriod;
}

function noteTreeActivity(
  state: PlumtreeState,
  root: NodeName,
  peer: NodeName,
  entry: Announcement,
  key: string,
): void {
  const { treeActivity } = state;
  treeActivity.delete(root);
  treeActivity.set(root, { peer, at: state.now, entry, key });
  if (treeActivity.size <= state.options.maxTrees) return;
  for (const oldest of treeActivity.keys()) {
    treeActivity.delete(oldest);
    return;
  }
}

function staleChecked(
  state: PlumtreeState,
  token: IsStaleToken,
  stale: boolean,
  out: PlumtreeEffect[],
): void {
  if (token.purpose === 'graftTimer') {
    graftTimerChecked(state, token.key, stale, out);
    return;
  }
  const { entry, from } = token;
  const key = keyOf(state, entry.handler, entry.id);
  const acks = pendingAcks(state, token.from);
  acks.inFlight = Math.max(0, acks.inFlight - 1);
  if (stale) acks.entries.push(announcement(entry));
  if (acks.inFlight === 0) flushAcks(state, from, out);
  else if (acks.entries.length > 0) armLazyTick(state, out);
  if (stale) {
    if (state.options.repairOnLeave) noteAlternate(state, key, entry, from);
    if (!state.recent.has(key)) {
      state.offTree.set(key, { round: entry.round, from });
      // The tree may still bring it (a duplicate then keeps its sender); if not, the
      // graft timer re-attaches this node to the tree (`offTreeLinkTarget`). One
      // message per tree is judged at a time, and none while a link is not allowed.
      if (state.options.delayedGraft && judgesTree(state, entry.root)) {
        trackMissing(state, key, entry, from, out);
        state.offTreeLinks.awaitCheck(entry.root, key);
      }
    }
    if (!state.options.treeOptimization) return;
    const delivery = state.recent.get(key);
    if (delivery === undefined) return;
    if (delivery.from !== from) {
      if (delivery.round - entry.round > state.options.optimizationThreshold) {
        optimize(state, key, entry, from, delivery.from, out);
      }
    } else if (entry.round < delivery.round && state.options.announceShorterPaths) {
      parentPathShortened(state, key, entry, from, delivery.entry, out);
    }
    return;
  }
  if (!state.options.delayedGraft) {
    send(out, from, graftMessage(state, entry, false));
    addEager(state, entry.root, from);
    return;
  }
  // Delivered while the check was in flight: the announcer's next i_have gets ignored.
  if (state.recent.has(key)) return;
  trackMissing(state, key, entry, from, out);
}

/**
 * `from` announced the latest message of `entry.root`'s tree, which this node
 * holds: the peer announcing it with the smallest round is where the tree is
 * re-attached if its parent leaves (`repairOnLeave`).
 */
function noteAlternate(state: PlumtreeState, key: string, entry: Announcement, from: NodeName) {
  const activity = state.treeActivity.get(entry.root);
  if (activity === undefined || activity.key !== key) return;
  if (from === (state.recent.get(key)?.from ?? activity.peer)) return;
  const best = activity.alternate;
  if (best === undefined || entry.round < best.round) {
    activity.alternate = { peer: from, round: entry.round };
  }
}

/** Whether a held message of `root`'s tree should be tracked to judge whether the tree reaches us. */
function judgesTree(state: PlumtreeState, root: NodeName): boolean {
  if (!state.offTreeLinks.mayLink(root, state.now)) return false;
  const pending = state.offTreeLinks.pendingCheck(root);
  return pending === undefined || state.missing.get(pending) === undefined;
}

/** Records `from` as an announcer of `key` and arms the first graft timer if it is new. */
function trackMissing(
  state: PlumtreeState,
  key: string,
  entry: Announcement,
  from: NodeName,
  out: PlumtreeEffect[],
): void {
  const announcer = { peer: from, round: entry.round, root: entry.root };
  const { first, evicted } = state.missing.announce(
    key,
    entry.handler,
    entry.id,
    announcer,
    state.now,
  );
  if (evicted !== undefined) {
    out.push({ type: 'cancelTimer', key: evicted.timerKey });
    metric(out, { kind: 'missingEvicted', handler: evicted.handler });
  }
  const hurry = announcedByNewParent(state, entry.root, from);
  if (!first && !hurry) return;
  const timerKey = state.missing.get(key)?.timerKey;
  if (timerKey === undefined) return;
  // A message first announced lazily and now by an eager peer is hurried too.
  const delayMs = hurry
    ? Math.min(graftDelay(state, 1), state.options.repairGraftTimeout)
    : graftDelay(state, 1);
  out.push({ type: 'setTimer', key: timerKey, delayMs });
}

/**
 * Whether `from`, announcing a message of `root`'s tree, is the peer this node
 * just link-only grafted there and still holds eager: it held this node lazy when it
 * had the message, so no eager copy will come from it (see {@link LinkGrafts}), and
 * the graft is a repair timeout away rather than `graftTimeout1`.
 */
function announcedByNewParent(state: PlumtreeState, root: NodeName, from: NodeName): boolean {
  return (
    state.linkGrafts.recent(root, from, state.now) && state.sets.peersView(root).eagers.has(from)
  );
}

/**
 * Paper §3.8: the lazy link from `grafted` offers a path shorter than the eager one
 * from `pruned` by more than the threshold, so swap them. The graft is link-only:
 * asking for the payload again would bring a duplicate that prunes the new link.
 */
function optimize(
  state: PlumtreeState,
  key: string,
  entry: Announcement,
  grafted: NodeName,
  pruned: NodeName,
  out: PlumtreeEffect[],
): void {
  const { root } = entry;
  if (!state.allMembers.has(grafted) || !state.sets.peers(root).eagers.has(pruned)) return;
  if (!state.sets.mayShape(root)) return;
  sendLinkGraft(state, grafted, entry, out);
  addEager(state, root, grafted);
  sendPrune(state, pruned, root, out);
  addLazy(state, root, pruned);
  // Compare later announcements of this message against the new, shorter path.
  state.recent.set(key, { round: entry.round, from: grafted });
  metric(out, { kind: 'treeOptimized', root, grafted, pruned });
  if (state.options.announceShorterPaths) announceShorterPath(state, entry, grafted, out);
}

/**
 * The eager parent `parent` announced a message this node got from it with a
 * smaller round than it came with: the parent's own path got shorter, so this
 * node's did too. Nothing to swap; record the round and pass it on, so the
 * nodes below (and lazy neighbours that a shorter path now beats) learn it.
 */
function parentPathShortened(
  state: PlumtreeState,
  key: string,
  entry: Announcement,
  parent: NodeName,
  remembered: Announcement | undefined,
  out: PlumtreeEffect[],
): void {
  if (!state.sets.peersView(entry.root).eagers.has(parent)) return;
  // The remembered entry stays: a peer catching up after a repair is announced it.
  state.recent.set(key, {
    round: entry.round,
    from: parent,
    ...(remembered === undefined ? {} : { entry: remembered }),
  });
  announceShorterPath(state, entry, parent, out);
}

/**
 * This node now holds `entry`'s message `entry.round` hops from its root, fewer
 * than it announced or pushed: tells every other link of the tree at once (not at
 * the lazy tick, so the update crosses the tree within the message's lifetime).
 * A peer further away swaps to this node (the optimisation), a child passes it
 * on; the acknowledgements are the usual `ignored_i_have`. Nothing is owed: a lost
 * update only leaves a longer path, which the next message may shorten again.
 */
function announceShorterPath(
  state: PlumtreeState,
  entry: Announcement,
  parent: NodeName,
  out: PlumtreeEffect[],
): void {
  const { root } = entry;
  const peers = state.sets.peersView(root);
  const entries: Announcement[] = [
    { id: entry.id, handler: entry.handler, round: entry.round + 1, root },
  ];
  for (const set of [peers.eagers, peers.lazys]) {
    for (const p of set) {
      // The root and the new parent are nearer already; a down peer would not answer.
      if (p === parent || p === root || state.down.has(p)) continue;
      send(out, p, { type: 'i_have', entries, from: state.node });
    }
  }
}

function timerFired(state: PlumtreeState, timer: TimerKey, out: PlumtreeEffect[]): void {
  switch (timer.type) {
    case 'lazyTick':
      lazyTick(state, out);
      return;
    case 'exchangeTick':
      exchangeTick(state, out);
      if (state.started) {
        out.push({
          type: 'setTimer',
          key: exchangeTickTimer(),
          delayMs: state.options.exchangeTickPeriod,
        });
      }
      return;
    case 'graft':
      graftTimerFired(state, timer, out);
      return;
    default:
      assertNever(timer);
  }
}

function start(
  state: PlumtreeState,
  lazyPhaseMs: number | undefined,
  exchangePhaseMs: number | undefined,
  out: PlumtreeEffect[],
): void {
  const { options } = state;
  state.started = true;
  state.lazyArmed = false;
  state.lazyDue = state.now + phase(lazyPhaseMs, options.lazyTickPeriod);
  out.push({
    type: 'setTimer',
    key: exchangeTickTimer(),
    delayMs: phase(exchangePhaseMs, options.exchangeTickPeriod),
  });
  // A restarted server may inherit announcements owed by its predecessor.
  if (state.outstanding.size > 0) armLazyTick(state, out);
}

function phase(ms: number | undefined, period: number): number {
  return ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : period;
}

/**
 * Arms the lazy tick for its next slot on the grid, unless armed: with nothing
 * owed there is no tick at all, and the first announcement owed arms one, at the
 * time a periodic tick would have come.
 */
function armLazyTick(state: PlumtreeState, out: PlumtreeEffect[]): void {
  if (!state.started || state.lazyArmed) return;
  const period = state.options.lazyTickPeriod;
  if (state.lazyDue < state.now) {
    state.lazyDue =
      period > 0
        ? state.lazyDue + Math.ceil((state.now - state.lazyDue) / period) * period
        : state.now;
  }
  state.lazyArmed = true;
  out.push({ type: 'setTimer', key: lazyTickTimer(), delayMs: state.lazyDue - state.now });
}

function repairing(state: PlumtreeState): boolean {
  return state.now < state.repairUntil;
}

/** The wait before the first (`1`) or a further (`2`) graft, shorter while repairing. */
function graftDelay(state: PlumtreeState, which: 1 | 2): number {
  const { options } = state;
  const fixed = which === 1 ? options.graftTimeout1 : options.graftTimeout2;
  const normal =
    options.graftTimeouts === 'fitted'
      ? state.graftTiming.timeout(which, fixed, options.minGraftTimeout)
      : fixed;
  return repairing(state) ? Math.min(normal, options.repairGraftTimeout) : normal;
}

/**
 * `peer` just went down. Every tree it was this node's eager parent in gets a new
 * parent at once: a link-only graft to the root when it is a live member (it has
 * every message and is one hop away), otherwise to the first live lazy peer of that
 * tree in name order, so the next payloads come that way, and the new parent
 * announces what followed the last payload named in the graft (`catchUp`). Missing messages are grafted from their live
 * announcers now, and the announcements this node owes go out now (once: flushing
 * every few ms at every node for a while overloaded an 8-node cluster under 250
 * broadcasts/s). A node that re-parented grafts on `repairGraftTimeout` for
 * `repairWindowMs`, so what the dead peer swallowed reaches its subtree within a
 * few round trips rather than a lazy tick plus `graftTimeout1`.
 */
/**
 * A new parent for `root`'s tree when its own is gone: the root when it is a live
 * member (it has every message of its tree and is one hop from everyone it
 * links), else the first live lazy peer of that tree in name order.
 */
function substituteParent(state: PlumtreeState, root: NodeName): NodeName | undefined {
  if (root !== state.node && state.allMembers.has(root) && !state.down.has(root)) return root;
  return [...state.sets.peersView(root).lazys].filter((p) => !state.down.has(p)).sort()[0];
}

function repairAround(state: PlumtreeState, peer: NodeName, out: PlumtreeEffect[]): void {
  for (const [root, activity] of state.treeActivity) {
    // Its last payload may have come another way (a graft): any tree in which the
    // dead peer was eager here may have lost its feed.
    if (activity.entry === undefined) continue;
    if (activity.peer !== peer && !state.sets.peersView(root).eagers.has(peer)) continue;
    // Even when another eager link of this tree is live, a second parent costs one
    // prune later while a missing one costs every payload until the next tick.
    const next = substituteParent(state, root);
    if (next === undefined) continue;
    sendLinkGraft(state, next, { ...activity.entry, root }, out);
    addEager(state, root, next);
    // What the new parent announces to catch up is grafted on short timeouts.
    state.repairUntil = state.now + state.options.repairWindowMs;
  }
  for (const m of state.missing.values()) {
    if (m.announcers.some((a) => !state.down.has(a.peer))) {
      out.push({ type: 'setTimer', key: m.timerKey, delayMs: 0 });
    }
  }
  if (state.started && state.outstanding.size > 0) lazyTick(state, out);
}

function graftTimerFired(
  state: PlumtreeState,
  timer: Extract<TimerKey, { type: 'graft' }>,
  out: PlumtreeEffect[],
): void {
  const { key } = timer;
  const missing = state.missing.get(key);
  if (missing === undefined) return;
  if (state.recent.has(key)) {
    state.missing.drop(key);
    return;
  }
  if (!repairing(state) && parentBusy(state, missing)) {
    out.push({ type: 'setTimer', key: timer, delayMs: graftDelay(state, 2) });
    return;
  }
  // The payload may have come another way (an exchange): ask before grafting.
  out.push({
    type: 'isStale',
    handler: missing.handler,
    id: missing.id,
    token: { purpose: 'graftTimer', key },
  });
}

/**
 * Whether the eager copy of a missing message is most likely queued behind others
 * rather than lost: the tree's eager parent is connected and pushed a payload of
 * that tree within `graftTimeout1`, and the announcement is younger than
 * `maxGraftPostpone`. A parent that died or went silent stops pushing, so it is
 * grafted around as soon as its last push is `graftTimeout1` old. A parent that
 * announced the message itself will never push it (it held this node lazy when it
 * had it): a link-only graft that reached it just after the message did left the
 * node waiting out the whole postponement while the parent pushed everything
 * after it (`npm run sim -- repair`: 10 of 200 seeds at 8 nodes, a lazy tick plus
 * `graftTimeout1` late).
 */
function parentBusy(state: PlumtreeState, missing: MissingMessage) {
  const root = missing.announcers[0]?.root;
  if (root === undefined) return false;
  const { options } = state;
  if (state.now - missing.announcedAt >= options.maxGraftPostpone) return false;
  const activity = state.treeActivity.get(root);
  if (activity === undefined || state.now - activity.at >= options.graftTimeout1) return false;
  if (state.down.has(activity.peer)) return false;
  if (missing.announcers.some((a) => a.peer === activity.peer)) return false;
  return state.sets.peersView(root).eagers.has(activity.peer);
}

function graftTimerChecked(
  state: PlumtreeState,
  key: string,
  stale: boolean,
  out: PlumtreeEffect[],
): void {
  const missing = state.missing.get(key);
  if (missing === undefined) return;
  // A graft to a peer known to be down would only wait for nothing: live announcers first.
  const live = missing.announcers.findIndex((a) => !state.down.has(a.peer));
  if (live > 0) missing.announcers.unshift(...missing.announcers.splice(live, 1));
  if (stale) {
    state.missing.drop(key);
    const link = offTreeLinkTarget(state, missing);
    if (link === undefined) return;
    const entry = { id: missing.id, handler: missing.handler, round: link.round, root: link.root };
    sendLinkGraft(state, link.peer, entry, out);
    addEager(state, link.root, link.peer);
    state.offTreeLinks.linked(link.root, state.now);
    return;
  }
  const next = missing.announcers.shift();
  if (next === undefined) {
    state.missing.drop(key);
    return;
  }
  const entry = { id: missing.id, handler: missing.handler, round: next.round, root: next.root };
  send(out, next.peer, graftMessage(state, entry, false));
  addEager(state, next.root, next.peer);
  if (state.options.graftTimeouts === 'fitted') state.graftTiming.sent(key, next.peer, state.now);
  if (missing.announcers.length > 0) {
    out.push({ type: 'setTimer', key: missing.timerKey, delayMs: graftDelay(state, 2) });
  } else {
    // The announcers repeat their i_have until acknowledged, which starts over if needed.
    state.missing.drop(key);
  }
}

function grafted(
  state: PlumtreeState,
  token: GraftToken,
  result: GraftOutcome,
  out: PlumtreeEffect[],
): void {
  const { entry, from } = token;
  if (result === 'stale') {
    state.outstanding.delete(from, keyOf(state, entry.handler, entry.id));
    return;
  }
  if ('ok' in result) {
    addEager(state, entry.root, from);
    // The outstanding entry stays: the payload may be lost, and the next i_have's
    // ignore is the acknowledgement.
    send(out, from, {
      type: 'broadcast',
      id: entry.id,
      payload: result.ok,
      handler: entry.handler,
      round: entry.round,
      root: entry.root,
      from: state.node,
    });
    return;
  }
  out.push(log('warn', `graft for ${from} failed`, entry.handler, result.error));
}

function pendingAcks(state: PlumtreeState, peer: NodeName): PendingAcks {
  let acks = state.acks.get(peer);
  if (acks === undefined) {
    acks = { inFlight: 0, entries: [] };
    state.acks.set(peer, acks);
  }
  return acks;
}

/**
 * Sends the acknowledgements owed to `peer` as `ignored_i_have`s of at most
 * `maxIHaveEntries` (one per announcement with `batchIHaves` off, as the reference).
 */
function flushAcks(state: PlumtreeState, peer: NodeName, out: PlumtreeEffect[]): void {
  const acks = state.acks.get(peer);
  if (acks === undefined) return;
  if (acks.inFlight === 0) state.acks.delete(peer);
  const owed = acks.entries.splice(0);
  const max = state.options.batchIHaves ? state.options.maxIHaveEntries : 1;
  for (let i = 0; i < owed.length; i += max) {
    send(out, peer, { type: 'ignored_i_have', entries: owed.slice(i, i + max), from: state.node });
  }
}

function lazyTick(state: PlumtreeState, out: PlumtreeEffect[]): void {
  state.lazyArmed = false;
  state.lazyDue = state.now + state.options.lazyTickPeriod;
  // Acknowledgements held back by a check whose answer has not come are sent now.
  for (const peer of [...state.acks.keys()]) flushAcks(state, peer, out);
  const max = state.options.batchIHaves ? state.options.maxIHaveEntries : 1;
  for (const peer of [...state.outstanding.peers()]) {
    trimOutstanding(state, peer, out);
    if (state.down.has(peer) || state.outstanding.countFor(peer) === 0) continue;
    if (!state.unansweredSince.has(peer)) state.unansweredSince.set(peer, state.now);
    let entries: Announcement[] = [];
    for (const entry of state.outstanding.entriesFor(peer)) {
      entries.push(entry);
      if (entries.length === max) {
        send(out, peer, { type: 'i_have', entries, from: state.node });
        entries = [];
      }
    }
    if (entries.length > 0) send(out, peer, { type: 'i_have', entries, from: state.node });
  }
  if (state.outstanding.size > 0) armLazyTick(state, out);
}

function exchangeTick(state: PlumtreeState, out: PlumtreeEffect[]): void {
  const { handlers } = state;
  const limit = state.options.startExchangeLimit;
  let running = state.exchanges.size + state.pendingExchanges.size;
  if (handlers.length === 0 || running >= limit) return;
  const peer = exchangePeer(state);
  if (peer === undefined) return;
  const start = state.exchangeCursor;
  for (let i = 0; i < handlers.length && running < limit; i++) {
    const index = (start + i) % handlers.length;
    const handler = handlers[index] as HandlerName;
    if (exchanging(state, handler)) continue;
    const ref = `${state.node}#${state.nextExchangeRef++}`;
    state.pendingExchanges.set(ref, { handler, peer });
    out.push({ type: 'exchangeStart', handler, peer, token: { ref, handler, peer } });
    running++;
    state.exchangeCursor = (index + 1) % handlers.length;
  }
}

function exchanging(state: PlumtreeState, handler: HandlerName): boolean {
  for (const x of state.exchanges.values()) if (x.handler === handler) return true;
  for (const x of state.pendingExchanges.values()) if (x.handler === handler) return true;
  return false;
}

function exchangePeer(state: PlumtreeState): NodeName | undefined {
  const connected: NodeName[] = [];
  for (const m of state.allMembers) {
    if (m !== state.node && !state.down.has(m)) connected.push(m);
  }
  if (connected.length === 0 || state.options.exchangeSelection === 'normal') {
    return pickOne(state.rng, connected);
  }
  // Members in neither set of some tree are the likeliest to be lagging behind it.
  const root = pickOne(state.rng, [state.node, ...connected]) as NodeName;
  const { eagers, lazys } = state.sets.peersView(root);
  const strangers = connected.filter((m) => !eagers.has(m) && !lazys.has(m));
  return pickOne(state.rng, strangers.length > 0 ? strangers : connected);
}

function exchangeAnswered(
  state: PlumtreeState,
  ref: string,
  handler: HandlerName,
  result: ExchangeOutcome,
  out: PlumtreeEffect[],
): void {
  const pending = state.pendingExchanges.get(ref);
  state.pendingExchanges.delete(ref);
  if (result === 'ok' || result === 'ignore') return;
  if ('error' in result) {
    out.push(log('warn', 'exchange failed to start', handler, result.error));
    return;
  }
  // Cancelled or ended while the answer was on its way: do not resurrect it.
  if (pending === undefined) return;
  state.exchanges.set(ref, { handler, peer: pending.peer, ref, handle: result.ok });
}

function update(state: PlumtreeState, members: Iterable<NodeName>, out: PlumtreeEffect[]): void {
  const next = new Set(members);
  next.add(state.node);
  const added: NodeName[] = [];
  for (const m of next) if (!state.allMembers.has(m)) added.push(m);
  const removed: NodeName[] = [];
  for (const m of state.allMembers) if (!next.has(m)) removed.push(m);
  if (added.length > 0) {
    const keepLearned = state.options.joinMode === 'keepLearned';
    for (const m of added) {
      state.allMembers.add(m);
      state.sets.addMember(m, keepLearned);
    }
    if (!keepLearned) state.sets.resetTrees();
  }
  const orphaned = state.options.repairOnLeave ? treesFedBy(state, removed) : [];
  for (const m of removed) {
    state.allMembers.delete(m);
    state.sets.removeMember(m);
    state.outstanding.deletePeer(m);
    state.down.delete(m);
    state.unansweredSince.delete(m);
    state.acks.delete(m);
    for (const gone of state.missing.forgetPeer(m)) {
      out.push({ type: 'cancelTimer', key: gone.timerKey });
    }
  }
  if (removed.length > 0) relink(state);
  for (const root of orphaned) reattach(state, root, out);
  if (state.options.repairOnLeave && removed.length > 0) keepOwnTreeEager(state);
}

/**
 * This node's own tree lost its last eager link with a view change: its next
 * message would leave only as announcements, and a neighbour that got it another
 * way first (an exchange) would not push it on, so it could reach nobody through
 * the tree. Its links become eager again, as for new members: the next message
 * goes to each of them and the duplicates prune the tree back.
 */
function keepOwnTreeEager(state: PlumtreeState): void {
  const own = state.node;
  if (!state.sets.hasTree(own)) return;
  const { eagers, lazys } = state.sets.peersView(own);
  if (eagers.size > 0) return;
  for (const p of [...lazys]) if (!state.down.has(p)) state.sets.addEager(own, p);
}

/** The peer that feeds `root`'s tree here: the sender of its latest payload, or the link the optimisation moved it to. */
function treeParent(state: PlumtreeState, activity: TreeActivity): NodeName {
  return latestDelivery(state, activity)?.from ?? activity.peer;
}

/** The roots whose tree is fed here by one of `peers`. */
function treesFedBy(state: PlumtreeState, peers: readonly NodeName[]): NodeName[] {
  if (peers.length === 0) return [];
  const gone = new Set(peers);
  const roots: NodeName[] = [];
  for (const [root, activity] of state.treeActivity) {
    if (activity.entry !== undefined && gone.has(treeParent(state, activity))) roots.push(root);
  }
  return roots;
}

/**
 * The prune `from` just sent for `root`'s tree came from the peer that fed this
 * node the tree's latest payload. A prune answers a duplicate, so it normally comes
 * from a peer that is not the feeder; from the feeder it is a crossing (the feeder
 * swapped its own parent while its copies to us were on the way), and nothing would
 * push the tree here, nor to the subtree below, until the next lazy tick and
 * `graftTimeout1` (`npm run sim -- repair`: a two-node subtree 1.5 s late for every
 * later message). So re-attach at once, to the root: it has every message of its
 * tree, is one hop away, and cannot close a loop. Only when the root is a live
 * member other than the pruner: any other substitute may sit below this node, and
 * in the simulator's random-sender runs (HyParView) grafting one cost 0.02-0.05 RMR.
 */
function reattachAfterFeederPrune(
  state: PlumtreeState,
  root: NodeName,
  from: NodeName,
  out: PlumtreeEffect[],
): void {
  if (!state.options.fastRepair || root === state.node || root === from) return;
  if (!state.allMembers.has(root) || state.down.has(root)) return;
  const activity = state.treeActivity.get(root);
  if (activity?.entry === undefined || activity.peer !== from) return;
  sendLinkGraft(state, root, { ...activity.entry, root }, out);
  addEager(state, root, root);
}

/**
 * The parent of `root`'s tree left the membership while alive (a view change),
 * so nothing would push that tree here, nor to the subtree below, until the next
 * message's announcements graft it back. Re-attach now with a link-only graft
 * naming the latest payload: to the lazy peer that announced it with the smallest
 * round, when that round is at most one more than ours (a node below us would
 * announce a larger one, and a graft to it would close a loop); else to the root
 * if it is a live member, else to the first live lazy peer in name order.
 */
function reattach(state: PlumtreeState, root: NodeName, out: PlumtreeEffect[]): void {
  const activity = state.treeActivity.get(root);
  if (activity?.entry === undefined) return;
  const { lazys } = state.sets.peersView(root);
  const delivery = latestDelivery(state, activity);
  const round = delivery?.round ?? activity.entry.round;
  const alt = activity.alternate;
  activity.alternate = undefined;
  const next =
    alt !== undefined && alt.round <= round + 1 && lazys.has(alt.peer) && !state.down.has(alt.peer)
      ? alt.peer
      : substituteParent(state, root);
  if (next === undefined) return;
  sendLinkGraft(state, next, { ...activity.entry, root }, out);
  addEager(state, root, next);
  if (delivery !== undefined && activity.key !== undefined) {
    state.recent.set(activity.key, {
      round: next === alt?.peer ? alt.round : round,
      from: next,
      ...(delivery.entry === undefined ? {} : { entry: delivery.entry }),
    });
  }
}

/**
 * The documented initial sets link every node to its successor in name order,
 * which makes the overlay strongly connected: every node is somebody's peer. When
 * that successor goes down or leaves, the node it alone linked to would be cut
 * off for good, so the successor among the live members is linked instead (eager
 * wherever it is not linked yet, like a new member).
 */
function relink(state: PlumtreeState): void {
  if (!state.ringRelink) return;
  const live: NodeName[] = [];
  for (const m of state.allMembers) if (m !== state.node && !state.down.has(m)) live.push(m);
  const next = successor(state.node, live);
  if (next !== undefined) state.sets.link(next);
}

// Links are only learned with members: a late message from a member that left
// must not bring it back into sets that nothing would clean again. Roots need not
// be members: with a partial view (HyParView) most roots are not neighbours.
function addEager(state: PlumtreeState, root: NodeName, peer: NodeName): void {
  if (state.allMembers.has(peer)) state.sets.addEager(root, peer);
}

function addLazy(state: PlumtreeState, root: NodeName, peer: NodeName): void {
  if (state.allMembers.has(peer)) state.sets.addLazy(root, peer);
}

function knownHandler(
  state: PlumtreeState,
  handler: HandlerName,
  from: NodeName | null,
  out: PlumtreeEffect[],
): boolean {
  if (state.handlerSet.has(handler)) return true;
  metric(out, { kind: 'unknownHandlerDropped', handler, from });
  return false;
}

// Whatever a (custom) key function throws becomes one error type that `step` turns
// into a dropped event, so a bad id from the wire can never crash the server.
function keyOf(state: PlumtreeState, handler: HandlerName, id: MessageId): string {
  try {
    return state.options.messageKey(handler, id);
  } catch (error) {
    if (error instanceof UnsupportedMessageIdError) throw error;
    throw new UnsupportedMessageIdError(id);
  }
}

function announcement(a: Announcement): Announcement {
  return { id: a.id, handler: a.handler, round: a.round, root: a.root };
}

/** Makes the link to `to` eager on its side too, without asking for a payload. */
function sendLinkGraft(
  state: PlumtreeState,
  to: NodeName,
  entry: Announcement,
  out: PlumtreeEffect[],
) {
  send(out, to, graftMessage(state, entry, true));
  state.linkGrafts.record(entry.root, to, state.now);
}

function graftMessage(state: PlumtreeState, entry: Announcement, linkOnly: boolean): WireMessage {
  return { type: 'graft', ...announcement(entry), from: state.node, linkOnly };
}

function send(out: PlumtreeEffect[], to: NodeName, msg: WireMessage): void {
  out.push({ type: 'send', to, msg });
}

function metric(out: PlumtreeEffect[], m: MetricEvent): void {
  out.push({ type: 'metric', metric: m });
}

function log(
  level: LogEffect['level'],
  message: string,
  handler?: HandlerName,
  error?: unknown,
): LogEffect {
  return {
    type: 'log',
    level,
    message,
    ...(handler === undefined ? {} : { handler }),
    ...(error === undefined ? {} : { error }),
  };
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}
