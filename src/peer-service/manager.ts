/**
 * The peer-service manager: a gen_server shell around the full-membership core. It
 * turns calls, membership messages, channel events and ticks into core events, and
 * carries out the core's effects: sends on the membership channel, dials and
 * disconnects, join replies, saving to the data dir, and publishing to the events
 * actor.
 */
import { cast, type From, type GenServer, type ServerContext } from '../actors/index.js';
import { MEMBERSHIP_CHANNEL, type NodeSpec } from '../channels/node-spec.js';
import type { Logger } from '../log/logger.js';
import type { Counter } from '../metrics/registry.js';
import {
  type FullMembershipEffect,
  type FullMembershipEvent,
  type FullMembershipState,
  type FullMembershipTimer,
  initFullMembership,
  JoinSelfError,
  type MembershipMessage,
  type MembershipStateData,
  membersOf,
  parseMembershipMessage,
  snapshotOf,
  specOf,
  stepFullMembership,
} from './core/index.js';
import { type CoreTimerInfo, CoreTimers } from './core-timers.js';
import { NotAMemberError, NotReachableError, SelfJoinError } from './errors.js';
import type { PeerServiceEvent } from './events.js';
import { loadMembership, saveMembership } from './membership-file.js';
import type { HostPort, PeerEvent, PeerTransport } from './transport.js';

/** Arguments of the manager actor. */
export interface ManagerArgs {
  readonly transport: PeerTransport;
  /**
   * The last state, kept outside the actor (like Partisan's outstanding table) so a
   * restarted manager resumes with its membership even without a data dir.
   */
  readonly holder: { snapshot: MembershipStateData | undefined };
  readonly eventsName: string;
  readonly dataDir: string | undefined;
  readonly periodicInterval: number;
  /** Members each periodic gossip goes to; see `FullMembershipOptions.periodicFanout`. */
  readonly periodicFanout: number;
  /** Reap a member down this long (0 = never); see `FullMembershipOptions.downAfterMs`. */
  readonly downAfterMs: number;
  readonly joinTimeoutMs: number;
  readonly logger: Logger;
  readonly dropped: Counter;
  /** `plumtree_members_reaped_total` and `plumtree_membership_refutations_total`. */
  readonly reaped: Counter;
  readonly refuted: Counter;
  readonly now: () => number;
}

/** An answer that carries a typed error back to the caller instead of crashing the manager. */
export type Outcome<T = unknown> = { readonly ok: T } | { readonly error: unknown };

/** @internal Calls the facade sends. */
export type ManagerCall =
  | { readonly type: 'join'; readonly target: NodeSpec | HostPort }
  | { readonly type: 'leave'; readonly name?: string }
  | { readonly type: 'members' }
  | { readonly type: 'member'; readonly name: string }
  | { readonly type: 'snapshot' };

/** @internal Casts from the facade and from the manager's own async work. */
export type ManagerCast =
  | { readonly type: 'receive'; readonly from: string; readonly msg: unknown }
  | { readonly type: 'peer'; readonly event: PeerEvent }
  | { readonly type: 'connected'; readonly id: number; readonly spec: NodeSpec }
  | { readonly type: 'connectFailed'; readonly id: number; readonly error: unknown };

type Info = CoreTimerInfo | { readonly type: 'joinTimeout'; readonly id: number };

interface PendingJoin {
  readonly from: From<Outcome>;
  readonly target: string;
  peer: string | undefined;
}

interface State {
  readonly args: ManagerArgs;
  readonly core: FullMembershipState;
  savedVersion: number;
  nextJoin: number;
  readonly joins: Map<number, PendingJoin>;
  readonly timers: CoreTimers<FullMembershipTimer>;
}

function describe(target: NodeSpec | HostPort): string {
  return 'name' in target ? target.name : `${target.host}:${target.port}`;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::']);

function isSelfAddress(self: NodeSpec, target: HostPort): boolean {
  return self.listenAddrs.some(
    (a) =>
      a.port === target.port &&
      (a.host === target.host || (LOOPBACK.has(a.host) && LOOPBACK.has(target.host))),
  );
}

function publish(state: State, event: PeerServiceEvent): void {
  cast(state.args.eventsName, event);
}

/** Carries out effects in order, then saves the state if it changed. */
async function apply(
  state: State,
  effects: readonly FullMembershipEffect[],
  ctx: ServerContext,
): Promise<void> {
  const { transport, logger } = state.args;
  // Disconnects wait until every send of this step is queued: the last message to a
  // removed member is the one that tells it so.
  const drop: string[] = [];
  for (const effect of effects) {
    switch (effect.type) {
      case 'send':
        sendTo(state, effect.to, effect.msg);
        break;
      case 'membersChanged':
        // A channel that came up before its peer became a member reported nothing then.
        for (const spec of effect.added) {
          if (transport.connectedPeers().includes(spec.name))
            publish(state, { type: 'up', peer: spec.name });
        }
        for (const spec of [...effect.added, ...effect.updated]) {
          if (spec.name === state.core.self) continue;
          transport
            .connect(spec)
            .catch((error: unknown) =>
              logger.debug('dial of a member failed; it is retried', { peer: spec.name, error }),
            );
        }
        for (const name of effect.removed) {
          transport
            .disconnect(name)
            .catch((error: unknown) => logger.debug('disconnect failed', { peer: name, error }));
        }
        publish(state, { type: 'membership', members: effect.members });
        break;
      case 'joined':
        for (const [id, join] of state.joins) {
          if (join.peer === effect.peer) {
            state.joins.delete(id);
            join.from.reply({ ok: true });
          }
        }
        break;
      case 'reset':
        // The sends before this effect are already queued; disconnect flushes them first.
        await Promise.all(
          effect.disconnect.map((p) => transport.disconnect(p).catch(() => undefined)),
        );
        logger.info(
          effect.reason === 'left'
            ? 'left the cluster'
            : 'removed from the cluster; now a singleton',
        );
        publish(state, { type: 'membership', members: membersOf(state.core) });
        break;
      case 'setTimer':
        state.timers.set(ctx, effect.key, effect.delayMs);
        break;
      case 'probe': {
        const { spec, msg } = effect;
        transport
          .connect(spec)
          .then(() => transport.send(spec.name, MEMBERSHIP_CHANNEL, msg))
          .catch((error: unknown) => {
            logger.debug('probe of a lost peer failed; retried on the next round', {
              peer: spec.name,
              error,
            });
            // The next probe dials again; meanwhile the channels need not keep
            // reconnecting to a node that may be gone for good.
            if (!membersOf(state.core).includes(spec.name))
              transport.disconnect(spec.name).catch(() => undefined);
          });
        break;
      }
      case 'reaped':
        state.args.reaped.inc();
        logger.warn('member removed: every channel to it was down', {
          peer: effect.name,
          downForMs: effect.downForMs,
        });
        publish(state, { type: 'reaped', peer: effect.name, downForMs: effect.downForMs });
        break;
      case 'refuted':
        state.args.refuted.inc();
        logger.warn('this node was removed while alive; it came back with a new life', {
          epoch: effect.epoch,
          incarnation: effect.incarnation,
        });
        break;
      default: {
        const never: never = effect;
        logger.warn('unknown membership effect', { effect: never });
      }
    }
  }
  for (const name of drop) {
    transport
      .disconnect(name)
      .catch((error: unknown) => logger.debug('disconnect failed', { peer: name, error }));
  }
  await persist(state);
}

function sendTo(state: State, to: string, msg: MembershipMessage): void {
  const { transport, logger } = state.args;
  try {
    transport.send(to, MEMBERSHIP_CHANNEL, msg);
  } catch (error) {
    // Not connected yet (a member learnt from gossip): dial it, then send.
    const spec = specOf(state.core, to);
    if (!spec) {
      logger.debug('membership send dropped', { to, error });
      return;
    }
    transport
      .connect(spec)
      .then(() => transport.send(to, MEMBERSHIP_CHANNEL, msg))
      .catch((e: unknown) =>
        logger.debug('membership send failed; gossip will retry', { to, error: e }),
      );
  }
}

async function persist(state: State): Promise<void> {
  if (state.core.version === state.savedVersion) return;
  const version = state.core.version;
  const snapshot = snapshotOf(state.core);
  state.args.holder.snapshot = snapshot;
  if (state.args.dataDir !== undefined) await saveMembership(state.args.dataDir, snapshot);
  state.savedVersion = version;
}

async function step(state: State, event: FullMembershipEvent, ctx: ServerContext): Promise<void> {
  const effects = stepFullMembership(state.core, event, { now: state.args.now() });
  await apply(state, effects, ctx);
}

async function loadRestored(args: ManagerArgs): Promise<MembershipStateData | undefined> {
  if (args.holder.snapshot !== undefined) return args.holder.snapshot;
  if (args.dataDir === undefined) return undefined;
  try {
    return await loadMembership(args.dataDir);
  } catch (error) {
    // A damaged file must not become a restart loop: start as a singleton and say so.
    args.logger.error('membership file unreadable; starting as a singleton', { error });
    return undefined;
  }
}

function fail(join: PendingJoin, error: unknown): void {
  join.from.reply({ error });
}

/** The manager's behaviour. */
export const managerBehaviour: GenServer<
  ManagerArgs,
  State,
  ManagerCall,
  Outcome,
  ManagerCast,
  Info
> = {
  async init(args, ctx) {
    const restored = await loadRestored(args);
    const options = {
      periodicInterval: args.periodicInterval,
      downAfterMs: args.downAfterMs,
      periodicFanout: args.periodicFanout,
    };
    let init: ReturnType<typeof initFullMembership>;
    try {
      init = initFullMembership({ spec: args.transport.spec, now: args.now(), restored, options });
    } catch (error) {
      args.logger.error('saved membership rejected; starting as a singleton', { error });
      init = initFullMembership({ spec: args.transport.spec, now: args.now(), options });
    }
    const state: State = {
      args,
      core: init.state,
      savedVersion: -1,
      nextJoin: 1,
      joins: new Map(),
      timers: new CoreTimers(),
    };
    await apply(state, init.effects, ctx);
    // Channels that came up before this manager started reported nothing to it.
    for (const peer of args.transport.connectedPeers())
      await step(state, { type: 'peerUp', name: peer }, ctx);
    publish(state, { type: 'membership', members: membersOf(state.core) });
    return state;
  },

  async handleCall(msg, from, state, ctx: ServerContext) {
    switch (msg.type) {
      case 'members':
        return { reply: { ok: membersOf(state.core) }, state };
      case 'member':
        return { reply: { ok: specOf(state.core, msg.name) }, state };
      case 'snapshot':
        return { reply: { ok: snapshotOf(state.core) }, state };
      case 'leave': {
        const name = msg.name ?? state.core.self;
        if (!membersOf(state.core).includes(name))
          return { reply: { error: new NotAMemberError(name) }, state };
        await step(
          state,
          name === state.core.self ? { type: 'leave' } : { type: 'remove', name },
          ctx,
        );
        return { reply: { ok: true }, state };
      }
      case 'join': {
        const target = msg.target;
        const self = state.core.spec;
        if (
          ('name' in target && target.name === self.name) ||
          (!('name' in target) && isSelfAddress(self, target))
        ) {
          return { reply: { error: new SelfJoinError(describe(target)) }, state };
        }
        const id = state.nextJoin++;
        state.joins.set(id, { from, target: describe(target), peer: undefined });
        ctx.sendAfter({ type: 'joinTimeout', id }, state.args.joinTimeoutMs);
        // The dial runs outside the mailbox so gossip keeps flowing meanwhile.
        state.args.transport.connect(target).then(
          (spec) => cast(ctx.self, { type: 'connected', id, spec }),
          (error: unknown) => cast(ctx.self, { type: 'connectFailed', id, error }),
        );
        return { noreply: true, state };
      }
      default: {
        const never: never = msg;
        return { reply: { error: new TypeError(`unknown call ${JSON.stringify(never)}`) }, state };
      }
    }
  },

  async handleCast(msg, state, ctx) {
    switch (msg.type) {
      case 'receive': {
        const parsed = parseMembershipMessage(msg.msg);
        if (!parsed.ok) {
          state.args.dropped.inc({ reason: 'malformed' });
          state.args.logger.warn('malformed membership message dropped', {
            from: msg.from,
            reason: parsed.reason,
          });
          return state;
        }
        try {
          await step(state, { type: 'receive', from: msg.from, msg: parsed.msg }, ctx);
        } catch (error) {
          state.args.dropped.inc({ reason: 'rejected' });
          state.args.logger.warn('membership message rejected', { from: msg.from, error });
        }
        return state;
      }
      case 'peer':
        if (membersOf(state.core).includes(msg.event.peer)) publish(state, msg.event);
        await step(
          state,
          { type: msg.event.type === 'up' ? 'peerUp' : 'peerDown', name: msg.event.peer },
          ctx,
        );
        return state;
      case 'connected': {
        const join = state.joins.get(msg.id);
        if (!join) return state;
        if (msg.spec.name === state.core.self) {
          state.joins.delete(msg.id);
          fail(join, new SelfJoinError(join.target));
          return state;
        }
        join.peer = msg.spec.name;
        try {
          await step(state, { type: 'join', peer: msg.spec.name }, ctx);
        } catch (error) {
          state.joins.delete(msg.id);
          fail(join, error instanceof JoinSelfError ? new SelfJoinError(join.target) : error);
        }
        return state;
      }
      case 'connectFailed': {
        const join = state.joins.get(msg.id);
        if (!join) return state;
        state.joins.delete(msg.id);
        fail(
          join,
          new NotReachableError(
            `cannot reach ${join.target}: ${msg.error instanceof Error ? msg.error.message : String(msg.error)}`,
            { cause: msg.error },
          ),
        );
        return state;
      }
      default: {
        const never: never = msg;
        state.args.logger.warn('unknown manager cast dropped', { msg: never });
        return state;
      }
    }
  },

  async handleInfo(msg, state, ctx) {
    if (msg.type === 'coreTimer') {
      const key = state.timers.fired(msg);
      if (key !== undefined) await step(state, { type: 'timer', key }, ctx);
      return state;
    }
    if (msg.type === 'joinTimeout') {
      const join = state.joins.get(msg.id);
      if (join) {
        state.joins.delete(msg.id);
        fail(
          join,
          new NotReachableError(
            `no answer from ${join.target} within ${state.args.joinTimeoutMs} ms`,
          ),
        );
      }
    }
    return state;
  },

  terminate(_reason, state) {
    for (const join of state.joins.values())
      fail(join, new NotReachableError('peer service stopped'));
  },
};
