/**
 * The broadcast server: a gen_server shell around the pure Plumtree core. It turns
 * casts, calls, timers and handler answers into core events, and carries out the
 * core's effects: sends through the handler's channel, timers, handler calls (sync
 * answers are fed straight back, async ones come back as casts), exchange tracking
 * and metrics. Handler faults are contained: they become the core's failure events.
 */
import {
  type ActorRef,
  cast,
  type GenServer,
  isProcessRef,
  kill,
  onExit,
  type ServerContext,
  spawnServer,
  type TimerRef,
} from '../actors/index.js';
import { DEFAULT_CHANNEL } from '../channels/node-spec.js';
import { type Logger, silentLogger } from '../log/logger.js';
import { globalMetrics, type MetricsRegistry } from '../metrics/registry.js';
import { type Rng, systemRng } from '../util/rng.js';
import {
  type Announcement,
  broadcastMembers,
  cancelExchanges,
  createPlumtreeState,
  type Exchange,
  type ExchangeSelector,
  getPeers,
  listExchanges,
  Outstanding,
  outstandingCount,
  type PlumtreeEffect,
  type PlumtreeEvent,
  type PlumtreeOptions,
  type PlumtreeState,
  step,
  type TimerKey,
  timerId,
  type WireMessage,
} from './core/index.js';
import type { BroadcastHandler } from './handler.js';
import type { BroadcastTransport } from './transport.js';
import { parseWireMessage } from './wire-schema.js';

/** Extra information `getPeers` may add about each peer. */
export type InfoOpt = 'nodeSpec' | 'metadata' | 'distance';

/** Peers of this node in one tree, with optional per-peer information. */
export interface PeersReply {
  readonly eagers: string[];
  readonly lazys: string[];
  readonly info?: Record<string, Record<string, unknown>>;
}

/** A running exchange as the query API shows it (the handle stays inside). */
export interface ExchangeInfo {
  readonly ref: string;
  readonly handler: string;
  readonly peer: string;
}

/** Where the `start_link/0` variant reads membership: the peer service. */
export interface MembershipSource {
  members(): Promise<string[]>;
  /** Calls `fn` with every membership; a later subscription under `key` replaces this one. */
  subscribe(fn: (members: readonly string[]) => void, key: unknown): () => void;
}

/** Options of {@link spawnBroadcastServer}. */
export interface BroadcastServerOptions {
  /** This node's name. */
  readonly node: string;
  /** Every member at start (`start_link/5`); ignored when `peerService` is given. */
  readonly members?: readonly string[];
  /** Explicit initial eager peers of every tree; give both or neither with `lazys`. */
  readonly eagers?: readonly string[];
  readonly lazys?: readonly string[];
  readonly handlers: readonly BroadcastHandler[];
  readonly opts?: Partial<PlumtreeOptions>;
  readonly transport?: BroadcastTransport;
  /** Read and follow membership here (`start_link/0`), resubscribing on every restart. */
  readonly peerService?: MembershipSource;
  /**
   * The outstanding table, owned outside the server (as Partisan's supervisor owns its
   * ETS table) so a restarted server keeps its pending announcements.
   */
  readonly outstanding?: Outstanding;
  /** Registered name; default `plumtree_broadcast@<node>`. */
  readonly name?: string;
  /** The information `getPeers` gives about a peer for the requested options. */
  readonly peerInfo?: (peer: string, opts: readonly InfoOpt[]) => Record<string, unknown>;
  readonly metrics?: MetricsRegistry;
  readonly logger?: Logger;
  readonly rng?: Rng;
}

/** Casts the server accepts (nact `dispatch` works the same). */
export type BroadcastCast =
  | { readonly type: 'broadcast'; readonly message: unknown; readonly handler: string }
  | { readonly type: 'update'; readonly members: readonly string[] }
  | { readonly type: 'wire'; readonly from: string; readonly msg: unknown }
  | { readonly type: 'peerUp' | 'peerDown'; readonly peer: string }
  /** @internal An async handler answer. */
  | { readonly type: 'core'; readonly event: PlumtreeEvent };

/** Calls the server answers (nact `query` with `replyTo` works the same). */
export type BroadcastCall =
  | { readonly type: 'broadcastMembers' }
  | { readonly type: 'getPeers'; readonly root: string; readonly info?: readonly InfoOpt[] }
  | { readonly type: 'getEagerPeers'; readonly root: string }
  | { readonly type: 'getLazyPeers'; readonly root: string }
  | { readonly type: 'exchanges' }
  | { readonly type: 'remoteExchanges'; readonly node: string; readonly timeoutMs: number }
  | { readonly type: 'cancelExchanges'; readonly selector: ExchangeSelector }
  | { readonly type: 'broadcastChannel'; readonly handler: string }
  | {
      readonly type: 'debugGetPeers';
      readonly node: string;
      readonly root: string;
      readonly info?: readonly InfoOpt[];
      readonly timeoutMs: number;
    }
  | {
      readonly type: 'debugGetTree';
      readonly root: string;
      readonly nodes: readonly string[];
      readonly info?: readonly InfoOpt[];
      readonly timeoutMs: number;
    }
  | { readonly type: 'outstanding' };

type Info = { readonly type: 'coreTimer'; readonly key: TimerKey; readonly seq: number };

/** Why a remote query failed: the answer of a peer that is down or does not answer. */
export class RemoteQueryError extends Error {
  override readonly name = 'RemoteQueryError';
}

interface Metrics {
  readonly sent: ReturnType<MetricsRegistry['counter']>;
  readonly received: ReturnType<MetricsRegistry['counter']>;
  readonly delivered: ReturnType<MetricsRegistry['counter']>;
  readonly duplicates: ReturnType<MetricsRegistry['counter']>;
  readonly dropped: ReturnType<MetricsRegistry['counter']>;
  readonly evicted: ReturnType<MetricsRegistry['counter']>;
  readonly outstanding: ReturnType<MetricsRegistry['gauge']>;
  readonly members: ReturnType<MetricsRegistry['gauge']>;
  readonly exchanges: ReturnType<MetricsRegistry['gauge']>;
}

function metricsOf(r: MetricsRegistry): Metrics {
  return {
    sent: r.counter('plumtree_messages_sent_total', 'Broadcast-server messages sent, by type'),
    received: r.counter(
      'plumtree_messages_received_total',
      'Broadcast-server messages received, by type',
    ),
    delivered: r.counter('plumtree_delivered_total', 'Payloads merged as new, by handler'),
    duplicates: r.counter('plumtree_duplicates_total', 'Payloads merged as not new, by handler'),
    dropped: r.counter(
      'plumtree_broadcast_dropped_total',
      'Broadcast-server messages dropped, by reason',
    ),
    evicted: r.counter(
      'plumtree_outstanding_evicted_total',
      'Outstanding announcements evicted by the per-peer cap',
    ),
    outstanding: r.gauge('plumtree_outstanding', 'Outstanding lazy announcements'),
    members: r.gauge('plumtree_members', "Members in the broadcast server's view"),
    exchanges: r.gauge('plumtree_exchanges', 'Running exchanges'),
  };
}

interface State {
  readonly opts: BroadcastServerOptions;
  readonly core: PlumtreeState;
  readonly handlers: ReadonlyMap<string, BroadcastHandler>;
  readonly channels: ReadonlyMap<string, string>;
  readonly timers: Map<string, { ref: TimerRef; seq: number }>;
  timerSeq: number;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly ctx: ServerContext;
  readonly detach: (() => void)[];
}

/** The registered name of the broadcast server of `node`. */
export function broadcastServerName(node: string): string {
  return `plumtree_broadcast@${node}`;
}

function channelOf(handler: BroadcastHandler, logger: Logger): string {
  try {
    const ch = handler.broadcastChannel?.();
    return typeof ch === 'string' && ch.length > 0 ? ch : DEFAULT_CHANNEL;
  } catch (error) {
    logger.warn('broadcastChannel threw; using the default channel', {
      handler: handler.name,
      error,
    });
    return DEFAULT_CHANNEL;
  }
}

function isPromise(x: unknown): x is Promise<unknown> {
  return (
    typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function'
  );
}

/** Sends one message, split per channel when an `i_have` batch mixes handlers of different channels. */
function send(state: State, to: string, msg: WireMessage): void {
  const transport = state.opts.transport;
  const out: [string, WireMessage][] = [];
  if (msg.type === 'prune') out.push([DEFAULT_CHANNEL, msg]);
  else if (msg.type === 'i_have') {
    const byChannel = new Map<string, Announcement[]>();
    for (const e of msg.entries) {
      const ch = state.channels.get(e.handler) ?? DEFAULT_CHANNEL;
      const list = byChannel.get(ch);
      if (list) list.push(e);
      else byChannel.set(ch, [e]);
    }
    for (const [ch, entries] of byChannel)
      out.push([ch, byChannel.size === 1 ? msg : { ...msg, entries }]);
  } else out.push([state.channels.get(msg.handler) ?? DEFAULT_CHANNEL, msg]);
  for (const [channel, m] of out) {
    state.metrics.sent.inc({ type: m.type });
    if (!transport) continue;
    try {
      transport.send(to, channel, m);
    } catch (error) {
      state.metrics.dropped.inc({ reason: 'send_failed' });
      state.logger.debug('send failed; the protocol repairs it', { to, type: m.type, error });
    }
  }
}

/** Calls a handler; a sync answer is queued for this step, an async one comes back as a cast. */
function callHandler(
  state: State,
  queue: PlumtreeEvent[],
  name: string,
  call: (h: BroadcastHandler) => unknown,
  ok: (answer: unknown) => PlumtreeEvent,
  failed: (error: unknown) => PlumtreeEvent,
): void {
  const handler = state.handlers.get(name);
  if (!handler) {
    queue.push(failed(new Error(`no handler ${name}`)));
    return;
  }
  let answer: unknown;
  try {
    answer = call(handler);
  } catch (error) {
    queue.push(failed(error));
    return;
  }
  if (isPromise(answer)) {
    const self = state.ctx.self;
    answer.then(
      (v) => cast(self, { type: 'core', event: ok(v) } satisfies BroadcastCast),
      (e: unknown) => cast(self, { type: 'core', event: failed(e) } satisfies BroadcastCast),
    );
  } else queue.push(ok(answer));
}

/** Watches an exchange handle so the core hears when it ends. */
function watchExchange(state: State, ref: string, handle: unknown): void {
  const self = state.ctx.self;
  const ended = () =>
    cast(self, { type: 'core', event: { type: 'exchangeEnded', ref } } satisfies BroadcastCast);
  const done = (handle as { done?: unknown } | null)?.done;
  if (isPromise(done)) {
    done.then(ended, ended);
    return;
  }
  if (typeof handle === 'object' && handle !== null && isProcessRef(handle)) {
    onExit(handle as ActorRef, ended);
    return;
  }
  // Nothing to watch: count it as ended so it does not hold the exchange limit forever.
  state.logger.warn('exchange handle cannot be watched; treating it as ended', { ref });
  ended();
}

function cancelHandle(exchange: Exchange): void {
  const h = exchange.handle as { cancel?: unknown } | null;
  if (typeof h?.cancel === 'function') (h.cancel as () => void)();
  else if (typeof h === 'object' && h !== null && isProcessRef(h)) kill(h as ActorRef);
}

function execute(state: State, effects: PlumtreeEffect[], queue: PlumtreeEvent[]): void {
  for (const e of effects) {
    switch (e.type) {
      case 'send':
        send(state, e.to, e.msg);
        break;
      case 'setTimer': {
        const id = timerId(e.key);
        const old = state.timers.get(id);
        if (old) state.ctx.cancelTimer(old.ref);
        const seq = ++state.timerSeq;
        state.timers.set(id, {
          ref: state.ctx.sendAfter({ type: 'coreTimer', key: e.key, seq }, e.delayMs),
          seq,
        });
        break;
      }
      case 'cancelTimer': {
        const id = timerId(e.key);
        const old = state.timers.get(id);
        if (old) state.ctx.cancelTimer(old.ref);
        state.timers.delete(id);
        break;
      }
      case 'merge':
        callHandler(
          state,
          queue,
          e.handler,
          (h) => h.merge(e.id, e.payload),
          (isNew) => ({ type: 'mergeResult', token: e.token, isNew: isNew === true }),
          (error) => ({ type: 'mergeFailed', token: e.token, error }),
        );
        break;
      case 'isStale':
        callHandler(
          state,
          queue,
          e.handler,
          (h) => h.isStale(e.id),
          (stale) => ({ type: 'isStaleResult', token: e.token, stale: stale === true }),
          (error) => ({ type: 'isStaleFailed', token: e.token, error }),
        );
        break;
      case 'graft':
        callHandler(
          state,
          queue,
          e.handler,
          (h) => h.graft(e.id),
          (result) => ({ type: 'graftResult', token: e.token, result: result as 'stale' }),
          (error) => ({ type: 'graftResult', token: e.token, result: { error } }),
        );
        break;
      case 'exchangeStart':
        callHandler(
          state,
          queue,
          e.handler,
          (h) => h.exchange(e.peer),
          (result) => {
            const r = result as { ok?: unknown } | string;
            if (typeof r === 'object' && r !== null && 'ok' in r)
              watchExchange(state, e.token.ref, r.ok);
            return { type: 'exchangeResult', token: e.token, result: result as 'ok' };
          },
          (error) => ({ type: 'exchangeResult', token: e.token, result: { error } }),
        );
        break;
      case 'cancelExchange':
        cancelHandle(e.exchange);
        break;
      case 'metric': {
        const m = e.metric;
        if (m.kind === 'delivered') state.metrics.delivered.inc({ handler: m.handler });
        else if (m.kind === 'duplicate') state.metrics.duplicates.inc({ handler: m.handler });
        else if (m.kind === 'outstandingEvicted') state.metrics.evicted.inc();
        else if (m.kind === 'unknownHandlerDropped')
          state.metrics.dropped.inc({ reason: 'unknown_handler' });
        break;
      }
      case 'log':
        state.logger[e.level](e.message, {
          ...(e.handler === undefined ? {} : { handler: e.handler }),
          ...(e.error === undefined ? {} : { error: e.error }),
        });
        break;
      default: {
        const never: never = e;
        state.logger.warn('unknown effect', { effect: never });
      }
    }
  }
}

/** Steps the core with `event` and every event its sync handler answers produce. */
function run(state: State, event: PlumtreeEvent): void {
  const queue: PlumtreeEvent[] = [event];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    execute(state, step(state.core, next, performance.now()), queue);
  }
  state.metrics.outstanding.set(outstandingCount(state.core));
  state.metrics.members.set(state.core.allMembers.size);
  state.metrics.exchanges.set(state.core.exchanges.size);
}

function peersReply(state: State, root: string, info: readonly InfoOpt[] | undefined): PeersReply {
  const { eagers, lazys } = getPeers(state.core, root);
  const base = { eagers: [...eagers].sort(), lazys: [...lazys].sort() };
  if (!info || info.length === 0) return base;
  const describe = state.opts.peerInfo ?? (() => ({}));
  const all: Record<string, Record<string, unknown>> = {};
  for (const p of [...base.eagers, ...base.lazys]) all[p] = describe(p, info);
  return { ...base, info: all };
}

function exchangeInfo(e: Exchange): ExchangeInfo {
  return { ref: e.ref, handler: e.handler, peer: e.peer };
}

async function remote(
  state: State,
  node: string,
  request: BroadcastCall,
  timeoutMs: number,
): Promise<unknown> {
  const t = state.opts.transport;
  if (!t?.call) throw new RemoteQueryError(`no transport to ask ${node}`);
  return t.call(node, request, timeoutMs);
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
      now: performance.now(),
      ...(opts.eagers && opts.lazys ? { eagers: opts.eagers, lazys: opts.lazys } : {}),
      ...(opts.outstanding ? { outstanding: opts.outstanding } : {}),
      ...(opts.opts ? { options: opts.opts } : {}),
    });
    const state: State = {
      opts,
      core,
      handlers: new Map(opts.handlers.map((h) => [h.name, h])),
      channels: new Map(opts.handlers.map((h) => [h.name, channelOf(h, logger)])),
      timers: new Map(),
      timerSeq: 0,
      metrics: metricsOf(opts.metrics ?? globalMetrics),
      logger,
      ctx,
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
    run(state, { type: 'start' });
    state.metrics.members.set(core.allMembers.size);
    return state;
  },

  handleCast(msg, state) {
    switch (msg.type) {
      case 'broadcast': {
        const handler = state.handlers.get(msg.handler);
        if (!handler) {
          state.metrics.dropped.inc({ reason: 'unknown_handler' });
          state.logger.warn('broadcast for an unknown handler dropped', { handler: msg.handler });
          return state;
        }
        let data: { id: unknown; payload: unknown };
        try {
          data = handler.broadcastData(msg.message as never) as { id: unknown; payload: unknown };
        } catch (error) {
          run(state, { type: 'broadcastDataFailed', handler: msg.handler, error });
          return state;
        }
        run(state, {
          type: 'localBroadcast',
          handler: msg.handler,
          id: data.id,
          payload: data.payload,
        });
        return state;
      }
      case 'update':
        if (!Array.isArray(msg.members) || !msg.members.every((m) => typeof m === 'string')) {
          state.logger.warn('update with a malformed member list dropped');
          return state;
        }
        run(state, { type: 'update', members: msg.members });
        return state;
      case 'wire': {
        let wire: WireMessage;
        try {
          wire = parseWireMessage(msg.msg);
        } catch (error) {
          state.metrics.dropped.inc({ reason: 'malformed' });
          state.logger.warn('malformed broadcast message dropped', { from: msg.from, error });
          return state;
        }
        state.metrics.received.inc({ type: wire.type });
        run(state, { type: 'receive', from: msg.from, msg: wire });
        return state;
      }
      case 'peerUp':
        run(state, { type: 'peerUp', peer: msg.peer });
        return state;
      case 'peerDown':
        run(state, { type: 'peerDown', peer: msg.peer });
        return state;
      case 'core':
        run(state, msg.event);
        return state;
      default: {
        const never: never = msg;
        state.metrics.dropped.inc({ reason: 'unknown_message' });
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
        return { reply: peersReply(state, msg.root, msg.info), state };
      case 'getEagerPeers':
        return { reply: peersReply(state, msg.root, undefined).eagers, state };
      case 'getLazyPeers':
        return { reply: peersReply(state, msg.root, undefined).lazys, state };
      case 'exchanges':
        return { reply: listExchanges(state.core).map(exchangeInfo), state };
      case 'cancelExchanges': {
        const { cancelled, effects } = cancelExchanges(state.core, msg.selector);
        const queue: PlumtreeEvent[] = [];
        execute(state, effects, queue);
        for (const ev of queue) run(state, ev);
        return { reply: cancelled.map(exchangeInfo), state };
      }
      case 'broadcastChannel':
        return { reply: state.channels.get(msg.handler) ?? DEFAULT_CHANNEL, state };
      case 'outstanding':
        return { reply: outstandingCount(state.core), state };
      case 'remoteExchanges':
        if (msg.node === state.core.node)
          return { reply: listExchanges(state.core).map(exchangeInfo), state };
        remote(state, msg.node, { type: 'exchanges' }, msg.timeoutMs).then(
          (r) => from.reply({ ok: r }),
          (error: unknown) =>
            from.reply({ error: error instanceof Error ? error.message : String(error) }),
        );
        return { noreply: true, state };
      case 'debugGetPeers':
        if (msg.node === state.core.node)
          return { reply: { ok: peersReply(state, msg.root, msg.info) }, state };
        remote(
          state,
          msg.node,
          { type: 'getPeers', root: msg.root, ...(msg.info ? { info: msg.info } : {}) },
          msg.timeoutMs,
        ).then(
          (r) => from.reply({ ok: r }),
          (error: unknown) =>
            from.reply({ error: error instanceof Error ? error.message : String(error) }),
        );
        return { noreply: true, state };
      case 'debugGetTree': {
        const ask = (node: string): Promise<PeersReply | 'down'> =>
          node === state.core.node
            ? Promise.resolve(peersReply(state, msg.root, msg.info))
            : remote(
                state,
                node,
                { type: 'getPeers', root: msg.root, ...(msg.info ? { info: msg.info } : {}) },
                msg.timeoutMs,
              ).then(
                (r) => r as PeersReply,
                () => 'down' as const,
              );
        Promise.all(msg.nodes.map(async (node) => ({ node, peers: await ask(node) }))).then(
          (rows) => from.reply(rows),
        );
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
      case 'coreTimer': {
        const id = timerId(msg.key);
        const t = state.timers.get(id);
        // A timer re-armed after this one fired is newer: only the latest counts.
        if (!t || t.seq !== msg.seq) return state;
        state.timers.delete(id);
        run(state, { type: 'timer', key: msg.key });
        return state;
      }
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
