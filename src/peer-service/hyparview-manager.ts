/**
 * The peer-service manager for large clusters: a gen_server shell around the
 * HyParView core. It answers the same calls as the full-membership manager, but a
 * node's "members" are itself and its active view, which is what the broadcast server
 * runs on (Plumtree over HyParView, as the paper intends).
 */
import { cast, type From, type GenServer, type ServerContext } from '../actors/index.js';
import { MEMBERSHIP_CHANNEL, type NodeSpec } from '../channels/node-spec.js';
import type { Logger } from '../log/logger.js';
import type { Counter } from '../metrics/registry.js';
import type { Rng } from '../util/rng.js';
import {
  activeOf,
  createHyParView,
  type HyParViewEffect,
  type HyParViewEvent,
  type HyParViewOptions,
  type HyParViewState,
  type HyParViewTimer,
  knownPeersOf,
  parseHyParViewMessage,
  stepHyParView,
} from './core/index.js';
import { type CoreTimerInfo, CoreTimers } from './core-timers.js';
import { NotReachableError, SelfJoinError } from './errors.js';
import type { PeerServiceEvent } from './events.js';
import { loadKnownPeers, saveKnownPeers } from './hyparview-views-file.js';
import type { ManagerCall, ManagerCast, Outcome } from './manager.js';
import type { HostPort, PeerTransport } from './transport.js';

/** Arguments of the HyParView manager. */
export interface HyParViewManagerArgs {
  readonly transport: PeerTransport;
  readonly eventsName: string;
  readonly options: Partial<HyParViewOptions>;
  readonly joinTimeoutMs: number;
  readonly logger: Logger;
  readonly dropped: Counter;
  readonly rng: Rng;
  /** Where the known peers are saved, so a restarted node rejoins through them. */
  readonly dataDir: string | undefined;
}

type Info = CoreTimerInfo | { readonly type: 'joinTimeout'; readonly id: number };

interface PendingJoin {
  readonly from: From<Outcome>;
  readonly target: string;
  contact: string | undefined;
}

interface State {
  readonly args: HyParViewManagerArgs;
  readonly core: HyParViewState<NodeSpec>;
  nextJoin: number;
  readonly joins: Map<number, PendingJoin>;
  lastActive: string;
  readonly timers: CoreTimers<HyParViewTimer>;
  /** Names of the known peers last saved (or being saved), to save only on change. */
  savedKey: string;
  saving: boolean;
}

function members(state: State): string[] {
  return [state.core.self.name, ...activeOf(state.core)].sort();
}

function publish(state: State, event: PeerServiceEvent): void {
  cast(state.args.eventsName, event);
}

function step(state: State, event: HyParViewEvent<NodeSpec>, ctx: ServerContext): void {
  const effects = stepHyParView(state.core, event, { rng: state.args.rng });
  apply(state, effects, ctx);
  persist(state);
}

/** Saves the known peers when their names changed; one write at a time, the last state wins. */
function persist(state: State): void {
  const dir = state.args.dataDir;
  if (dir === undefined || state.saving) return;
  const peers = knownPeersOf(state.core);
  const key = peers.map((p) => p.name).join('\u0000');
  if (key === state.savedKey) return;
  state.savedKey = key;
  state.saving = true;
  saveKnownPeers(dir, peers)
    .catch((error: unknown) => {
      state.savedKey = '';
      state.args.logger.warn('could not save the hyparview views', { error });
    })
    .finally(() => {
      state.saving = false;
      persist(state);
    });
}

function apply(
  state: State,
  effects: readonly HyParViewEffect<NodeSpec>[],
  ctx: ServerContext,
): void {
  const { transport, logger } = state.args;
  const self = ctx.self;
  const peerDown = (peer: string) =>
    cast(self, { type: 'peer', event: { type: 'down', peer } } satisfies ManagerCast);
  for (const e of effects) {
    switch (e.type) {
      case 'send': {
        const to = e.to;
        const deliver = () => transport.send(to.name, MEMBERSHIP_CHANNEL, e.msg);
        try {
          deliver();
        } catch {
          // Not connected yet: dial, send, and report failure as the core expects.
          transport
            .connect(to)
            .then(deliver)
            .catch((error: unknown) => {
              logger.debug('hyparview send failed', { to: to.name, error });
              peerDown(to.name);
            });
        }
        break;
      }
      case 'connect':
        transport.connect(e.peer).catch(() => peerDown(e.peer.name));
        break;
      case 'disconnect':
        transport.disconnect(e.peer).catch(() => undefined);
        break;
      case 'activeViewChanged': {
        const m = members(state);
        const key = m.join('\u0000');
        if (key !== state.lastActive) {
          state.lastActive = key;
          publish(state, { type: 'membership', members: m });
        }
        for (const [id, join] of state.joins) {
          if (join.contact !== undefined && e.active.includes(join.contact)) {
            state.joins.delete(id);
            join.from.reply({ ok: true });
          }
        }
        break;
      }
      case 'setTimer':
        if (e.key.type === 'rejoin') logger.info('no active peer; the overlay will be rejoined');
        state.timers.set(ctx, e.key, e.delayMs);
        break;
      case 'cancelTimer':
        state.timers.cancel(ctx, e.key);
        break;
      default: {
        const never: never = e;
        logger.warn('unknown hyparview effect', { effect: never });
      }
    }
  }
}

function describe(target: NodeSpec | HostPort): string {
  return 'name' in target ? target.name : `${target.host}:${target.port}`;
}

/** The HyParView manager's behaviour. */
export const hyparviewManagerBehaviour: GenServer<
  HyParViewManagerArgs,
  State,
  ManagerCall,
  Outcome,
  ManagerCast,
  Info
> = {
  async init(args, ctx) {
    const core = createHyParView<NodeSpec>(args.transport.spec, args.options);
    let known: NodeSpec[] = [];
    if (args.dataDir !== undefined) {
      try {
        known = await loadKnownPeers(args.dataDir);
      } catch (error) {
        // A damaged file must not become a restart loop: start without it and say so.
        args.logger.error('hyparview views file unreadable; starting without it', { error });
      }
    }
    const state: State = {
      args,
      core,
      nextJoin: 1,
      joins: new Map(),
      lastActive: '',
      timers: new CoreTimers(),
      savedKey: known.map((p) => p.name).join('\u0000'),
      saving: false,
    };
    publish(state, { type: 'membership', members: members(state) });
    step(state, { type: 'start', known }, ctx);
    return state;
  },

  handleCall(msg, from, state, ctx) {
    switch (msg.type) {
      case 'members':
        return { reply: { ok: members(state) }, state };
      case 'member': {
        const spec = state.core.active.get(msg.name) ?? state.core.passive.get(msg.name);
        return { reply: { ok: spec }, state };
      }
      case 'snapshot':
        return { reply: { ok: undefined }, state };
      case 'leave': {
        if (msg.name !== undefined && msg.name !== state.core.self.name) {
          // A partial view has no cluster-wide membership to remove another node from.
          return {
            reply: {
              error: new TypeError('with the hyparview overlay a node can only leave itself'),
            },
            state,
          };
        }
        step(state, { type: 'leave' }, ctx);
        return { reply: { ok: true }, state };
      }
      case 'join': {
        const target = msg.target;
        const self = state.core.self;
        if ('name' in target && target.name === self.name)
          return { reply: { error: new SelfJoinError(describe(target)) }, state };
        const id = state.nextJoin++;
        state.joins.set(id, { from, target: describe(target), contact: undefined });
        ctx.sendAfter({ type: 'joinTimeout', id }, state.args.joinTimeoutMs);
        state.args.transport.connect(target).then(
          (spec) => cast(ctx.self, { type: 'connected', id, spec } satisfies ManagerCast),
          (error: unknown) =>
            cast(ctx.self, { type: 'connectFailed', id, error } satisfies ManagerCast),
        );
        return { noreply: true, state };
      }
      default: {
        const never: never = msg;
        return { reply: { error: new TypeError(`unknown call ${JSON.stringify(never)}`) }, state };
      }
    }
  },

  handleCast(msg, state, ctx) {
    switch (msg.type) {
      case 'receive': {
        const parsed = parseHyParViewMessage(msg.msg);
        if (!parsed.ok) {
          state.args.dropped.inc({ reason: 'malformed' });
          state.args.logger.warn('malformed hyparview message dropped', {
            from: msg.from,
            reason: parsed.reason,
          });
          return state;
        }
        try {
          step(state, { type: 'receive', from: msg.from, msg: parsed.msg }, ctx);
        } catch (error) {
          state.args.dropped.inc({ reason: 'rejected' });
          state.args.logger.warn('hyparview message rejected', { from: msg.from, error });
        }
        return state;
      }
      case 'peer': {
        const wasActive = state.core.active.has(msg.event.peer);
        if (msg.event.type === 'down') step(state, { type: 'peerDown', peer: msg.event.peer }, ctx);
        if (wasActive) publish(state, msg.event);
        return state;
      }
      case 'connected': {
        const join = state.joins.get(msg.id);
        if (!join) return state;
        if (msg.spec.name === state.core.self.name) {
          state.joins.delete(msg.id);
          join.from.reply({ error: new SelfJoinError(join.target) });
          return state;
        }
        join.contact = msg.spec.name;
        step(state, { type: 'join', contact: msg.spec }, ctx);
        return state;
      }
      case 'connectFailed': {
        const join = state.joins.get(msg.id);
        if (!join) return state;
        state.joins.delete(msg.id);
        join.from.reply({
          error: new NotReachableError(`cannot reach ${join.target}`, { cause: msg.error }),
        });
        return state;
      }
      default: {
        const never: never = msg;
        state.args.logger.warn('unknown manager cast dropped', { msg: never });
        return state;
      }
    }
  },

  handleInfo(msg, state, ctx) {
    if (!('type' in msg)) return state;
    switch (msg.type) {
      case 'coreTimer': {
        const key = state.timers.fired(msg);
        if (key !== undefined) step(state, { type: 'timer', key }, ctx);
        return state;
      }
      case 'joinTimeout': {
        const join = state.joins.get(msg.id);
        if (join) {
          state.joins.delete(msg.id);
          join.from.reply({
            error: new NotReachableError(
              `${join.target} did not accept the join within ${state.args.joinTimeoutMs} ms`,
            ),
          });
        }
        return state;
      }
      default:
        return state;
    }
  },
};
