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
  type HyParViewMessage,
  type HyParViewOptions,
  type HyParViewState,
  stepHyParView,
} from './core/index.js';
import { NotReachableError, SelfJoinError } from './errors.js';
import type { PeerServiceEvent } from './events.js';
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
}

type Info =
  | { readonly type: 'shuffleTick' }
  | { readonly type: 'promotionTick' }
  | { readonly type: 'joinTimeout'; readonly id: number }
  | { readonly type: 'rejoin' };

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
  /** The last contact joined through, to rejoin by when the core reports isolation. */
  lastContact: NodeSpec | undefined;
  lastActive: string;
}

const MESSAGE_TYPES = new Set([
  'join',
  'forwardJoin',
  'neighbor',
  'neighborAccepted',
  'neighborRejected',
  'disconnect',
  'shuffle',
  'shuffleReply',
]);

function members(state: State): string[] {
  return [state.core.self.name, ...activeOf(state.core)].sort();
}

function publish(state: State, event: PeerServiceEvent): void {
  cast(state.args.eventsName, event);
}

function step(state: State, event: HyParViewEvent<NodeSpec>, ctx: ServerContext): void {
  const effects = stepHyParView(state.core, event, { rng: state.args.rng });
  apply(state, effects, ctx);
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
      case 'isolated':
        logger.warn('isolated from the overlay; rejoining through the last contact');
        ctx.sendAfter({ type: 'rejoin' }, 1000);
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
  init(args, ctx) {
    const core = createHyParView<NodeSpec>(args.transport.spec, args.options);
    const state: State = {
      args,
      core,
      nextJoin: 1,
      joins: new Map(),
      lastContact: undefined,
      lastActive: '',
    };
    publish(state, { type: 'membership', members: members(state) });
    ctx.sendAfter({ type: 'shuffleTick' }, core.options.shuffleInterval);
    ctx.sendAfter({ type: 'promotionTick' }, core.options.promotionInterval);
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
        state.lastContact = undefined;
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
        const m = msg.msg as { type?: unknown } | null;
        if (typeof m !== 'object' || m === null || !MESSAGE_TYPES.has(m.type as string)) {
          state.args.dropped.inc({ reason: 'malformed' });
          return state;
        }
        try {
          step(
            state,
            { type: 'receive', from: msg.from, msg: m as HyParViewMessage<NodeSpec> },
            ctx,
          );
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
        state.lastContact = msg.spec;
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
      case 'shuffleTick':
        step(state, { type: 'shuffleTick' }, ctx);
        ctx.sendAfter({ type: 'shuffleTick' }, state.core.options.shuffleInterval);
        return state;
      case 'promotionTick':
        step(state, { type: 'promotionTick' }, ctx);
        ctx.sendAfter({ type: 'promotionTick' }, state.core.options.promotionInterval);
        return state;
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
      case 'rejoin':
        if (state.lastContact && state.core.active.size === 0)
          step(state, { type: 'join', contact: state.lastContact }, ctx);
        return state;
      default:
        return state;
    }
  },
};
