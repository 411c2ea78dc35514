/**
 * The composed node core: one pure `step(state, event, now)` over the peer service
 * and the broadcast server, like iroh-gossip's `proto::topic::State::handle`.
 *
 * Production runs the two layers as separate supervised actors: the peer-service
 * manager (src/peer-service/manager.ts or hyparview-manager.ts) publishes membership
 * changes and channel up/down through the events actor, and the service router
 * casts them to the broadcast server (src/broadcast/server.ts) as `update`,
 * `peerUp` and `peerDown`. Here that hop is a direct call inside the same step: the
 * effects are the same, but production may interleave other events between the
 * membership change and the server's `update`, which this core never does.
 */
import type { PlumtreeEffect, PlumtreeEvent, WireMessage } from '../broadcast/core/index.js';
import {
  type FullMembershipEffect,
  type FullMembershipEvent,
  type HyParViewEffect,
  type HyParViewEvent,
  type HyParViewMessage,
  knownPeersOf,
  type MembershipMessage,
  membersOf,
  type NodeSpec,
  snapshotOf,
  specOf,
} from '../peer-service/core/index.js';
import type { NodeCoreEffect } from './effects.js';
import type { NodeCoreEvent } from './events.js';
import { initialState, type NodeCoreConfig, type NodeCoreState } from './node-core-state.js';
import { fullMembershipStep, hyParViewStep, plumtreeStep } from './sub-cores.js';
import type { MembershipTimer, NodeTimer, PlumtreeTimer } from './timers.js';

/**
 * A new node and the effects of its start: the periodic timers of both layers, and
 * for full membership the announcement of a restored node to its former members.
 *
 * @throws {InvalidOptionError | InvalidOptionsError | MembershipDecodeError} for a bad
 *   option or a malformed membership file.
 */
export function createNodeCore(config: NodeCoreConfig): {
  state: NodeCoreState;
  effects: NodeCoreEffect[];
} {
  const { state, fullEffects } = initialState(config);
  const out: NodeCoreEffect[] = [];
  const m = state.membership;
  if (m.overlay === 'full') {
    // Its effects arm the periodic gossip timer and announce a restored node.
    for (const e of fullEffects) fullEffect(state, e, out, config.now);
    persistIfChanged(state, out);
  } else {
    hyparview(state, { type: 'start', known: config.knownPeers ?? [] }, out, config.now);
  }
  plumtree(state, { type: 'start' }, out, config.now);
  return { state, effects: out };
}

/**
 * Advances the node by one event: mutates `state` and returns what the host must do,
 * in order. Never reads a clock or a global random source. A sub-core error (a join
 * through this node itself, a malformed membership message) is returned as a log
 * effect and the event is dropped: nothing from the network can crash the node.
 *
 * Which production path each transition models:
 * - `receive` on the membership channel: the peer-service manager's `receive` cast;
 *   a resulting view change reaches the broadcast server as `update`, here at once.
 * - `receive` on another channel: the broadcast server's `wire` cast.
 * - `channelUp` / `channelDown`: the channel layer's peer events, which the router
 *   forwards to the server as `peerUp` / `peerDown` and HyParView takes as `peerDown`.
 * - `timer`: the shells' `sendAfter` ticks and the core's own timers.
 * - `broadcast`, `handlerAnswer`: the server's `broadcast` cast and its handler calls.
 * - `join`, `leave`, `remove`: the peer-service facade's calls.
 */
export function step(state: NodeCoreState, event: NodeCoreEvent, now: number): NodeCoreEffect[] {
  const out: NodeCoreEffect[] = [];
  switch (event.type) {
    case 'receive':
      if (event.envelope.layer === 'membership') {
        membershipReceive(state, event.from, event.envelope.msg, out, now);
      } else {
        plumtree(state, { type: 'receive', from: event.from, msg: event.envelope.msg }, out, now);
      }
      break;
    case 'channelUp':
      state.connected.add(event.peer);
      if (state.membership.overlay === 'full') {
        full(state, { type: 'peerUp', name: event.peer }, out, now);
      }
      plumtree(state, { type: 'peerUp', peer: event.peer }, out, now);
      break;
    case 'channelDown':
      state.connected.delete(event.peer);
      // Full membership times how long a member has been down (its reaping).
      if (state.membership.overlay === 'full') {
        full(state, { type: 'peerDown', name: event.peer }, out, now);
      }
      plumtree(state, { type: 'peerDown', peer: event.peer }, out, now);
      if (state.membership.overlay === 'hyparview') {
        hyparview(state, { type: 'peerDown', peer: event.peer }, out, now);
      }
      break;
    case 'sendFailed':
      if (state.membership.overlay === 'hyparview') {
        hyparview(state, { type: 'peerDown', peer: event.peer }, out, now);
      }
      break;
    case 'timer':
      if (event.timer.layer === 'membership') membershipTimer(state, event.timer.key, out, now);
      else plumtreeTimer(state, event.timer.key, out, now);
      break;
    case 'broadcast':
      plumtree(
        state,
        { type: 'localBroadcast', handler: event.handler, id: event.id, payload: event.payload },
        out,
        now,
      );
      break;
    case 'broadcastDataFailed':
      plumtree(state, event, out, now);
      break;
    case 'join':
      join(state, event.contact, out, now);
      break;
    case 'leave':
      if (state.membership.overlay === 'full') full(state, { type: 'leave' }, out, now);
      else hyparview(state, { type: 'leave' }, out, now);
      break;
    case 'remove':
      if (state.membership.overlay === 'full') {
        full(state, { type: 'remove', name: event.name }, out, now);
      } else {
        out.push(
          log('membership', 'warn', 'with the hyparview overlay a node can only leave itself'),
        );
      }
      break;
    case 'handlerAnswer':
      plumtree(state, event.answer, out, now);
      break;
    default: {
      const never: never = event;
      out.push(log('membership', 'warn', `unknown event ${JSON.stringify(never)} dropped`));
    }
  }
  return out;
}

// ---- membership ---------------------------------------------------------------------

const FULL_TYPES = new Set(['joinRequest', 'joinReply', 'gossip']);

function membershipReceive(
  state: NodeCoreState,
  from: string,
  msg: unknown,
  out: NodeCoreEffect[],
  now: number,
): void {
  const type = (msg as { type?: unknown } | null)?.type;
  if (state.membership.overlay === 'full') {
    if (typeof type !== 'string' || !FULL_TYPES.has(type)) {
      out.push(log('membership', 'warn', `malformed membership message from ${from} dropped`));
      return;
    }
    full(state, { type: 'receive', from, msg: msg as MembershipMessage }, out, now);
  } else {
    if (typeof type !== 'string' || FULL_TYPES.has(type)) {
      out.push(log('membership', 'warn', `malformed hyparview message from ${from} dropped`));
      return;
    }
    hyparview(state, { type: 'receive', from, msg: msg as HyParViewMessage<NodeSpec> }, out, now);
  }
}

function join(state: NodeCoreState, contact: NodeSpec, out: NodeCoreEffect[], now: number): void {
  const m = state.membership;
  if (m.overlay === 'full') {
    // The manager dials the contact before asking the core to join through it.
    out.push({ type: 'connect', peer: contact });
    full(state, { type: 'join', peer: contact.name }, out, now);
  } else {
    hyparview(state, { type: 'join', contact }, out, now);
  }
}

function membershipTimer(
  state: NodeCoreState,
  key: MembershipTimer,
  out: NodeCoreEffect[],
  now: number,
): void {
  const m = state.membership;
  // Each core owns its timers; a firing meant for the other overlay cannot happen.
  if (m.overlay === 'full') {
    if (key.type === 'periodic' || key.type === 'reap')
      full(state, { type: 'timer', key }, out, now);
  } else if (key.type !== 'periodic' && key.type !== 'reap') {
    hyparview(state, { type: 'timer', key }, out, now);
  }
}

function full(
  state: NodeCoreState,
  event: FullMembershipEvent,
  out: NodeCoreEffect[],
  now: number,
): void {
  const m = state.membership;
  if (m.overlay !== 'full') return;
  let effects: FullMembershipEffect[];
  try {
    effects = fullMembershipStep(m.core, event, now);
  } catch (error) {
    out.push(log('membership', 'warn', `membership ${event.type} rejected`, error));
    return;
  }
  for (const e of effects) fullEffect(state, e, out, now);
  persistIfChanged(state, out);
}

function fullEffect(
  state: NodeCoreState,
  e: FullMembershipEffect,
  out: NodeCoreEffect[],
  now: number,
): void {
  const m = state.membership;
  if (m.overlay !== 'full') return;
  switch (e.type) {
    case 'send':
      out.push({
        type: 'send',
        channel: 'membership',
        to: e.to,
        dial: specOf(m.core, e.to),
        msg: e.msg,
      });
      return;
    case 'membersChanged':
      for (const spec of [...e.added, ...e.updated]) {
        if (spec.name !== state.self.name) out.push({ type: 'connect', peer: spec });
      }
      for (const name of e.removed) out.push({ type: 'disconnect', peer: name });
      viewChanged(state, e.members, out, now);
      return;
    case 'joined':
      out.push(log('membership', 'info', `joined through ${e.peer}`));
      return;
    case 'setTimer':
      arm(out, { layer: 'membership', key: e.key }, e.delayMs);
      return;
    case 'probe':
      // A removed member that may still be alive: dial it, like the manager does.
      out.push({ type: 'send', channel: 'membership', to: e.spec.name, dial: e.spec, msg: e.msg });
      return;
    case 'reaped':
      out.push(log('membership', 'info', `${e.name} reaped after ${e.downForMs} ms down`));
      return;
    case 'refuted':
      out.push(log('membership', 'info', `removal refuted (epoch ${e.epoch})`));
      return;
    case 'reset':
      for (const name of e.disconnect) out.push({ type: 'disconnect', peer: name });
      viewChanged(state, membersOf(m.core), out, now);
      return;
    default: {
      const never: never = e;
      out.push(log('membership', 'warn', `unknown membership effect ${JSON.stringify(never)}`));
    }
  }
}

function persistIfChanged(state: NodeCoreState, out: NodeCoreEffect[]): void {
  const m = state.membership;
  if (m.overlay !== 'full' || m.core.version === m.savedVersion) return;
  m.savedVersion = m.core.version;
  out.push({ type: 'persist', snapshot: snapshotOf(m.core) });
}

function hyparview(
  state: NodeCoreState,
  event: HyParViewEvent<NodeSpec>,
  out: NodeCoreEffect[],
  now: number,
): void {
  const m = state.membership;
  if (m.overlay !== 'hyparview') return;
  let effects: HyParViewEffect<NodeSpec>[];
  try {
    effects = hyParViewStep(m.core, event, m.rng, now);
  } catch (error) {
    out.push(log('membership', 'warn', `hyparview ${event.type} rejected`, error));
    return;
  }
  persistKnownPeers(state, out);
  for (const e of effects) {
    switch (e.type) {
      case 'send':
        out.push({ type: 'send', channel: 'membership', to: e.to.name, dial: e.to, msg: e.msg });
        break;
      case 'connect':
        out.push({ type: 'connect', peer: e.peer });
        break;
      case 'disconnect':
        out.push({ type: 'disconnect', peer: e.peer });
        break;
      case 'activeViewChanged':
        viewChanged(state, [state.self.name, ...e.active], out, now);
        break;
      case 'setTimer':
        arm(out, { layer: 'membership', key: e.key }, e.delayMs);
        break;
      case 'cancelTimer':
        out.push({ type: 'cancelTimer', timer: { layer: 'membership', key: e.key } });
        break;
      default: {
        const never: never = e;
        out.push(log('membership', 'warn', `unknown hyparview effect ${JSON.stringify(never)}`));
      }
    }
  }
}

/** HyParView: save the peers this node knows when they change, as the manager's views file. */
function persistKnownPeers(state: NodeCoreState, out: NodeCoreEffect[]): void {
  const m = state.membership;
  if (m.overlay !== 'hyparview') return;
  const peers = knownPeersOf(m.core);
  const key = peers.map((p) => p.name).join('\u0000');
  if (key === m.savedPeers) return;
  m.savedPeers = key;
  out.push({ type: 'persistPeers', peers });
}

/** The peer service's view reaches the broadcast server: production's subscription hop. */
function viewChanged(
  state: NodeCoreState,
  members: readonly string[],
  out: NodeCoreEffect[],
  now: number,
): void {
  const sorted = [...members].sort();
  const key = sorted.join('\u0000');
  if (key === state.lastView) return;
  state.lastView = key;
  out.push({ type: 'viewChanged', members: sorted });
  plumtree(state, { type: 'update', members: sorted }, out, now);
}

// ---- plumtree -----------------------------------------------------------------------

function plumtreeTimer(
  state: NodeCoreState,
  key: PlumtreeTimer,
  out: NodeCoreEffect[],
  now: number,
): void {
  plumtree(state, { type: 'timer', key }, out, now);
}

function plumtree(
  state: NodeCoreState,
  event: PlumtreeEvent,
  out: NodeCoreEffect[],
  now: number,
): void {
  let effects: PlumtreeEffect[];
  try {
    effects = plumtreeStep(state.plumtree, event, now);
  } catch (error) {
    // The core promises never to throw; if it does, the event is lost, not the node.
    out.push(log('plumtree', 'error', `broadcast core threw on ${event.type}`, error));
    return;
  }
  for (const e of effects) {
    switch (e.type) {
      case 'send':
        out.push({
          type: 'send',
          channel: 'broadcast',
          handler: handlerOf(e.msg),
          to: e.to,
          msg: e.msg,
        });
        break;
      case 'setTimer':
        out.push({
          type: 'setTimer',
          timer: { layer: 'plumtree', key: e.key },
          delayMs: e.delayMs,
        });
        break;
      case 'cancelTimer':
        out.push({
          type: 'cancelTimer',
          timer: { layer: 'plumtree', key: e.key },
        });
        break;
      case 'merge':
      case 'isStale':
      case 'graft':
      case 'exchangeStart':
        out.push({ type: 'handlerCall', call: e });
        break;
      case 'cancelExchange':
        out.push({ type: 'cancelExchange', effect: e });
        break;
      case 'metric':
        out.push({ type: 'metric', metric: e.metric });
        break;
      case 'log':
        out.push(log('plumtree', e.level, e.message, e.error));
        break;
      default: {
        const never: never = e;
        out.push(log('plumtree', 'warn', `unknown effect ${JSON.stringify(never)}`));
      }
    }
  }
}

/** The handler whose channel a message travels on (prunes and batched i_haves have none). */
function handlerOf(msg: WireMessage): string | undefined {
  switch (msg.type) {
    case 'broadcast':
    case 'graft':
      return msg.handler;
    default:
      return undefined;
  }
}

function arm(out: NodeCoreEffect[], timer: NodeTimer, delayMs: number): void {
  out.push({ type: 'setTimer', timer, delayMs });
}

function log(
  layer: 'membership' | 'plumtree',
  level: 'info' | 'warn' | 'error',
  message: string,
  error?: unknown,
): NodeCoreEffect {
  return error === undefined
    ? { type: 'log', layer, level, message }
    : { type: 'log', layer, level, message, error };
}
