/**
 * The broadcast server: a gen_server shell around the pure Plumtree core. It only
 * decodes casts, calls and timers into core events and hands the core's effects to
 * the shared {@link EffectInterpreter}, with {@link ActorEffectHost} as its host.
 */
import { type ActorRef, cast, type GenServer, onExit, spawnServer } from '../actors/index.js';
import { type Logger, silentLogger } from '../log/logger.js';
import { globalMetrics } from '../metrics/registry.js';
import { systemRng } from '../util/rng.js';
import { ActorEffectHost, type ActorTimerInfo } from './actor-effect-host.js';
import {
  broadcastMembers,
  cancelExchanges,
  createPlumtreeState,
  listExchanges,
  Outstanding,
  outstandingCount,
  type PlumtreeState,
  type WireMessage,
} from './core/index.js';
import { EffectInterpreter } from './effect-interpreter.js';
import { frameWeight } from './inbox-bound.js';
import { BroadcastMetrics } from './metrics.js';
import { askRemote, exchangeInfo, gatherTree, peersReply, settle } from './remote-queries.js';
import type {
  BroadcastCall,
  BroadcastCast,
  BroadcastServerOptions,
  InfoOpt,
  PeersReply,
} from './server-types.js';
import { parseWireMessage } from './wire-schema.js';

export { RemoteQueryError } from './remote-queries.js';
export type {
  BroadcastCall,
  BroadcastCast,
  BroadcastServerOptions,
  ExchangeInfo,
  InfoOpt,
  MembershipSource,
  PeersReply,
} from './server-types.js';

type Info = ActorTimerInfo;

interface State {
  readonly opts: BroadcastServerOptions;
  readonly core: PlumtreeState;
  readonly host: ActorEffectHost;
  readonly interpreter: EffectInterpreter;
  readonly metrics: BroadcastMetrics;
  readonly logger: Logger;
  readonly detach: (() => void)[];
}

/** The registered name of the broadcast server of `node`. */
export function broadcastServerName(node: string): string {
  return `plumtree_broadcast@${node}`;
}

function peersOf(state: State, root: string, info: readonly InfoOpt[] | undefined): PeersReply {
  return peersReply(state.core, root, info, state.opts.peerInfo, state.logger);
}

function remotePeers(
  state: State,
  node: string,
  root: string,
  info: readonly InfoOpt[] | undefined,
  timeoutMs: number,
): Promise<unknown> {
  return askRemote(
    state.opts.transport,
    node,
    { type: 'getPeers', root, ...(info ? { info } : {}) },
    timeoutMs,
  );
}

/** The broadcast server's behaviour. */
export const broadcastServerBehaviour: GenServer<
  BroadcastServerOptions,
  State,
  BroadcastCall,
  unknown,
  BroadcastCast,
  Info
> = {
  async init(opts, ctx) {
    const logger = (opts.logger ?? silentLogger).child({ component: 'broadcast', node: opts.node });
    const names = opts.handlers.map((h) => h.name);
    let members = opts.members ?? [opts.node];
    if (opts.peerService) members = await opts.peerService.members();
    const core = createPlumtreeState({
      node: opts.node,
      members,
      handlers: names,
      rng: opts.rng ?? systemRng,
      ...(opts.eagers && opts.lazys ? { eagers: opts.eagers, lazys: opts.lazys } : {}),
      ...(opts.outstanding ? { outstanding: opts.outstanding } : {}),
      ...(opts.opts ? { options: opts.opts } : {}),
    });
    const metrics = new BroadcastMetrics(opts.metrics ?? globalMetrics, names);
    const host = new ActorEffectHost(ctx, core, opts.transport, metrics, logger);
    if (opts.inbox) {
      // A restarted server has an empty mailbox: what the last one had queued is gone.
      opts.inbox.reset();
      opts.inbox.onShed = () => metrics.dropped('overloaded');
    }
    const state: State = {
      opts,
      core,
      host,
      interpreter: new EffectInterpreter(host, opts.handlers),
      metrics,
      logger,
      detach: [],
    };
    const self = ctx.self;
    if (opts.peerService) {
      // Keyed by the registered name, so a restarted server replaces its predecessor's subscription.
      const key = ctx.name ?? self;
      const target = ctx.name ?? self;
      state.detach.push(
        opts.peerService.subscribe((m) => cast(target, { type: 'update', members: m }), key),
      );
    }
    if (opts.transport?.attach && ctx.name) state.detach.push(opts.transport.attach(ctx.name));
    // Detach however this incarnation ends, kill included (terminate would not run then).
    onExit(self, () => {
      for (const d of state.detach) d();
    });
    state.interpreter.run({ type: 'start' });
    return state;
  },

  handleCast(msg, state) {
    switch (msg.type) {
      case 'broadcast':
        state.interpreter.broadcast(msg.handler, msg.message);
        return state;
      case 'update':
        if (!Array.isArray(msg.members) || !msg.members.every((m) => typeof m === 'string')) {
          state.logger.warn('update with a malformed member list dropped');
          return state;
        }
        state.interpreter.run({ type: 'update', members: msg.members });
        return state;
      case 'wire': {
        state.opts.inbox?.taken(frameWeight(msg.msg));
        let wire: WireMessage;
        try {
          wire = parseWireMessage(msg.msg);
        } catch (error) {
          state.metrics.dropped('malformed');
          state.logger.warn('malformed broadcast message dropped', { from: msg.from, error });
          return state;
        }
        state.metrics.received(wire.type);
        state.interpreter.run({ type: 'receive', from: msg.from, msg: wire });
        return state;
      }
      case 'peerUp':
        state.interpreter.run({ type: 'peerUp', peer: msg.peer });
        return state;
      case 'peerDown':
        state.interpreter.run({ type: 'peerDown', peer: msg.peer });
        return state;
      case 'core':
        state.interpreter.run(msg.event);
        return state;
      default: {
        const never: never = msg;
        state.metrics.dropped('unknown_message');
        state.logger.warn('unknown message dropped', { msg: never });
        return state;
      }
    }
  },

  handleCall(msg, from, state) {
    switch (msg.type) {
      case 'broadcastMembers':
        return { reply: broadcastMembers(state.core), state };
      case 'getPeers':
        return { reply: peersOf(state, msg.root, msg.info), state };
      case 'getEagerPeers':
        return { reply: peersOf(state, msg.root, undefined).eagers, state };
      case 'getLazyPeers':
        return { reply: peersOf(state, msg.root, undefined).lazys, state };
      case 'exchanges':
        return { reply: listExchanges(state.core).map(exchangeInfo), state };
      case 'cancelExchanges': {
        const { cancelled, effects } = cancelExchanges(state.core, msg.selector);
        state.interpreter.execute(effects);
        const pending = state.interpreter.cancelPendingExchanges(msg.selector);
        state.host.afterRun();
        return { reply: [...cancelled.map(exchangeInfo), ...pending], state };
      }
      case 'broadcastChannel':
        return { reply: state.interpreter.channelOf(msg.handler), state };
      case 'outstanding':
        return { reply: outstandingCount(state.core), state };
      case 'remoteExchanges':
        if (msg.node === state.core.node)
          return { reply: listExchanges(state.core).map(exchangeInfo), state };
        settle(
          askRemote(state.opts.transport, msg.node, { type: 'exchanges' }, msg.timeoutMs),
        ).then((r) => from.reply(r));
        return { noreply: true, state };
      case 'debugGetPeers':
        if (msg.node === state.core.node)
          return { reply: { ok: peersOf(state, msg.root, msg.info) }, state };
        settle(remotePeers(state, msg.node, msg.root, msg.info, msg.timeoutMs)).then((r) =>
          from.reply(r),
        );
        return { noreply: true, state };
      case 'debugGetTree': {
        if (!Array.isArray(msg.nodes)) return { reply: { error: 'nodes must be an array' }, state };
        gatherTree(
          msg.nodes,
          state.core.node,
          () => peersOf(state, msg.root, msg.info),
          (node) => remotePeers(state, node, msg.root, msg.info, msg.timeoutMs),
        ).then((rows) => from.reply(rows));
        return { noreply: true, state };
      }
      default: {
        const never: never = msg;
        return { reply: { error: `unknown call ${JSON.stringify(never)}` }, state };
      }
    }
  },

  handleInfo(msg, state) {
    if (!('type' in msg)) return state;
    switch (msg.type) {
      case 'coreTimer':
        if (state.host.fired(msg)) state.interpreter.timerFired(msg.id);
        return state;
      default:
        return state;
    }
  },
};

/**
 * Spawns a broadcast server under `parent` (the seed's `start_link/5`, or
 * `start_link/0` with `peerService`), registered as `plumtree_broadcast@<node>`
 * unless `name` says otherwise. Returns its reference at once.
 */
export function spawnBroadcastServer(parent: ActorRef, options: BroadcastServerOptions): ActorRef {
  return spawnServer(parent, broadcastServerBehaviour, options, {
    name: options.name ?? broadcastServerName(options.node),
  });
}

/** A fresh outstanding table, for a supervisor to own and hand to each server incarnation. */
export function createOutstandingTable(): Outstanding {
  return new Outstanding();
}
