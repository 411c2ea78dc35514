/**
 * OTP supervisors as gen_servers. Children are spawned under the supervisor (so an
 * nact stop of the supervisor takes them along) and monitored; a child's DOWN is a
 * message like any other, handled in order with the dynamic API's calls.
 */
import {
  type ActorRef,
  type DownMessage,
  type ExitReason,
  type GenServer,
  isNormalExit,
  type MonitorRef,
  type ServerContext,
  send,
  spawnServer,
  startServer,
  stopServer,
  whenStarted,
} from '../actors/index.js';
import { globalMetrics } from '../metrics/registry.js';
import {
  type ChildSpec,
  InvalidChildSpecError,
  type ResolvedChildSpec,
  resolveChildSpec,
  type SupervisorSpec,
} from './child-spec.js';
import {
  ChildAlreadyPresentError,
  ChildAlreadyStartedError,
  ChildNotFoundError,
  ChildRunningError,
  ChildStartError,
  SupervisorUsageError,
} from './errors.js';
import { RestartIntensity } from './restart-intensity.js';

const restartsTotal = globalMetrics.counter(
  'plumtree_actor_restarts_total',
  'Children restarted by their supervisor',
);

/** One row of {@link whichChildren}. */
export interface ChildInfo {
  readonly id: string;
  /** The running child, `'restarting'` between a failed restart and its retry, or undefined. */
  readonly ref: ActorRef | 'restarting' | undefined;
  readonly type: 'worker' | 'supervisor';
  readonly restart: ResolvedChildSpec['restart'];
}

/** What {@link countChildren} returns. */
export interface ChildCounts {
  readonly specs: number;
  readonly active: number;
  readonly supervisors: number;
  readonly workers: number;
}

interface Child {
  readonly spec: ResolvedChildSpec;
  readonly extra: readonly unknown[];
  ref: ActorRef | undefined;
  monitor: MonitorRef | undefined;
  restarting: boolean;
}

interface State {
  readonly spec: SupervisorSpec;
  readonly children: Child[];
  readonly intensity: RestartIntensity;
  readonly template: ResolvedChildSpec | undefined;
}

/** @internal Calls the dynamic API sends. */
export type SupervisorCall =
  | { readonly type: 'startChild'; readonly spec?: ChildSpec; readonly extra?: readonly unknown[] }
  | { readonly type: 'terminateChild'; readonly child: string | ActorRef }
  | { readonly type: 'restartChild'; readonly id: string }
  | { readonly type: 'deleteChild'; readonly id: string }
  | { readonly type: 'whichChildren' }
  | { readonly type: 'countChildren' };

type Info = DownMessage | { readonly type: 'tryAgain'; readonly child: Child };

/** The outcome of a dynamic call: errors travel back as values so the supervisor survives them. */
type Outcome = { ok: unknown } | { error: unknown };

const now = (): number => performance.now();

async function startOne(child: Child, ctx: ServerContext): Promise<void> {
  let ref: ActorRef;
  try {
    ref = await child.spec.start(ctx.self, ...child.extra);
    await whenStarted(ref);
  } catch (e) {
    throw new ChildStartError(child.spec.id, e);
  }
  child.ref = ref;
  child.restarting = false;
  child.monitor = ctx.monitor(ref);
}

async function stopOne(child: Child, ctx: ServerContext): Promise<void> {
  const ref = child.ref;
  if (child.monitor) ctx.demonitor(child.monitor);
  child.ref = undefined;
  child.monitor = undefined;
  if (ref) await stopServer(ref, 'shutdown', child.spec.shutdown);
}

/** Stops `children` in reverse start order (all at once for simple_one_for_one, as OTP). */
async function stopAll(
  children: readonly Child[],
  state: State,
  ctx: ServerContext,
): Promise<void> {
  if (state.spec.strategy === 'simple_one_for_one') {
    await Promise.all(children.map((c) => stopOne(c, ctx)));
    return;
  }
  for (const c of [...children].reverse()) await stopOne(c, ctx);
}

function removeChild(state: State, child: Child): void {
  const i = state.children.indexOf(child);
  if (i >= 0) state.children.splice(i, 1);
}

function findChild(state: State, key: string | ActorRef): Child | undefined {
  return typeof key === 'string'
    ? state.children.find((c) => c.spec.id === key)
    : state.children.find((c) => c.ref === key);
}

/**
 * Too many restarts: the supervisor stops with reason `shutdown`, as OTP's does; its
 * `terminate` stops every child in reverse order, and its own supervisor decides.
 */
function giveUp(state: State, ctx: ServerContext): State {
  ctx.stop('shutdown');
  return state;
}

/**
 * Restarts after `failed` exited, per the strategy. A failed start is retried by a
 * message to self, each try counted against the intensity, as OTP's try_again_restart.
 */
async function restart(state: State, failed: Child, ctx: ServerContext): Promise<State> {
  if (!state.intensity.add(now())) return giveUp(state, ctx);
  restartsTotal.inc({ actor: failed.spec.id });
  const strategy = state.spec.strategy;
  let toRestart: Child[];
  if (strategy === 'one_for_one' || strategy === 'simple_one_for_one') {
    toRestart = [failed];
  } else {
    const from = strategy === 'one_for_all' ? 0 : state.children.indexOf(failed);
    const affected = state.children.slice(from);
    await stopAll(
      affected.filter((c) => c !== failed),
      state,
      ctx,
    );
    // Temporary children stopped for a sibling's restart are not restarted, as in OTP.
    for (const c of affected)
      if (c !== failed && c.spec.restart === 'temporary') removeChild(state, c);
    toRestart = state.children.slice(from);
  }
  for (const c of toRestart) {
    try {
      await startOne(c, ctx);
    } catch {
      c.restarting = true;
      send(ctx.self, { type: 'tryAgain', child: c });
      break;
    }
  }
  return state;
}

async function onDown(state: State, down: DownMessage, ctx: ServerContext): Promise<State> {
  const child = state.children.find((c) => c.monitor?.id === down.ref.id);
  if (!child) return state;
  child.ref = undefined;
  child.monitor = undefined;
  const reason: ExitReason = down.reason;
  const restartType = child.spec.restart;
  if (restartType === 'temporary') {
    removeChild(state, child);
    return state;
  }
  if (restartType === 'transient' && isNormalExit(reason)) {
    if (state.spec.strategy === 'simple_one_for_one') removeChild(state, child);
    return state;
  }
  return restart(state, child, ctx);
}

async function handleDynamic(
  msg: SupervisorCall,
  state: State,
  ctx: ServerContext,
): Promise<Outcome> {
  switch (msg.type) {
    case 'startChild': {
      if (state.spec.strategy === 'simple_one_for_one') {
        const template = state.template as ResolvedChildSpec;
        const child: Child = {
          spec: template,
          extra: msg.extra ?? [],
          ref: undefined,
          monitor: undefined,
          restarting: false,
        };
        await startOne(child, ctx);
        state.children.push(child);
        return { ok: child.ref };
      }
      if (!msg.spec) throw new SupervisorUsageError('startChild needs a child spec');
      const spec = resolveChildSpec(msg.spec);
      const existing = findChild(state, spec.id);
      if (existing?.ref) throw new ChildAlreadyStartedError(spec.id);
      if (existing) throw new ChildAlreadyPresentError(spec.id);
      const child: Child = {
        spec,
        extra: [],
        ref: undefined,
        monitor: undefined,
        restarting: false,
      };
      await startOne(child, ctx);
      state.children.push(child);
      return { ok: child.ref };
    }
    case 'terminateChild': {
      const child = findChild(state, msg.child);
      if (!child)
        throw new ChildNotFoundError(
          String(typeof msg.child === 'string' ? msg.child : msg.child.name),
        );
      await stopOne(child, ctx);
      if (state.spec.strategy === 'simple_one_for_one' || child.spec.restart === 'temporary') {
        removeChild(state, child);
      }
      return { ok: true };
    }
    case 'restartChild': {
      if (state.spec.strategy === 'simple_one_for_one') {
        throw new SupervisorUsageError('restartChild is not available for simple_one_for_one');
      }
      const child = findChild(state, msg.id);
      if (!child) throw new ChildNotFoundError(msg.id);
      if (child.ref) throw new ChildRunningError(msg.id);
      await startOne(child, ctx);
      return { ok: child.ref };
    }
    case 'deleteChild': {
      if (state.spec.strategy === 'simple_one_for_one') {
        throw new SupervisorUsageError('deleteChild is not available for simple_one_for_one');
      }
      const child = findChild(state, msg.id);
      if (!child) throw new ChildNotFoundError(msg.id);
      if (child.ref) throw new ChildRunningError(msg.id);
      removeChild(state, child);
      return { ok: true };
    }
    case 'whichChildren':
      return {
        ok: state.children.map(
          (c): ChildInfo => ({
            id: c.spec.id,
            ref: c.ref ?? (c.restarting ? 'restarting' : undefined),
            type: c.spec.type,
            restart: c.spec.restart,
          }),
        ),
      };
    case 'countChildren': {
      const running = state.children.filter((c) => c.ref);
      return {
        ok: {
          specs: state.children.length,
          active: running.length,
          supervisors: state.children.filter((c) => c.spec.type === 'supervisor').length,
          workers: state.children.filter((c) => c.spec.type === 'worker').length,
        } satisfies ChildCounts,
      };
    }
    default: {
      const never: never = msg;
      throw new SupervisorUsageError(`unknown supervisor call ${JSON.stringify(never)}`);
    }
  }
}

/** The supervisor behaviour. */
export const supervisorBehaviour: GenServer<
  SupervisorSpec,
  State,
  SupervisorCall,
  Outcome,
  never,
  Info
> = {
  async init(spec, ctx) {
    const intensity = new RestartIntensity(spec.intensity ?? 1, spec.period ?? 5000);
    const resolved = spec.children.map(resolveChildSpec);
    const ids = new Set<string>();
    for (const c of resolved) {
      if (ids.has(c.id)) throw new InvalidChildSpecError(`duplicate child id ${c.id}`);
      ids.add(c.id);
    }
    if (spec.strategy === 'simple_one_for_one') {
      if (resolved.length !== 1) {
        throw new InvalidChildSpecError(
          'simple_one_for_one needs exactly one child spec (the template)',
        );
      }
      return { spec, children: [], intensity, template: resolved[0] };
    }
    const state: State = { spec, children: [], intensity, template: undefined };
    for (const spec of resolved) {
      const child: Child = {
        spec,
        extra: [],
        ref: undefined,
        monitor: undefined,
        restarting: false,
      };
      try {
        await startOne(child, ctx);
      } catch (e) {
        await stopAll(state.children, state, ctx);
        throw e;
      }
      state.children.push(child);
    }
    return state;
  },

  async handleCall(msg, _from, state, ctx) {
    try {
      return { reply: await handleDynamic(msg, state, ctx), state };
    } catch (error) {
      return { reply: { error }, state };
    }
  },

  async handleInfo(msg, state, ctx) {
    if (msg.type === 'DOWN') return onDown(state, msg, ctx);
    const child = msg.child;
    if (!state.children.includes(child) || child.ref) return state;
    return restart(state, child, ctx);
  },

  async terminate(_reason, state, ctx) {
    await stopAll(state.children, state, ctx);
  },
};

/** @internal */
export function spawnSupervisorProcess(parent: ActorRef, spec: SupervisorSpec): ActorRef {
  return spawnServer(
    parent,
    supervisorBehaviour,
    spec,
    spec.name === undefined ? { label: 'supervisor' } : { name: spec.name },
  );
}

/** @internal */
export function startSupervisorProcess(parent: ActorRef, spec: SupervisorSpec): Promise<ActorRef> {
  return startServer(
    parent,
    supervisorBehaviour,
    spec,
    spec.name === undefined ? { label: 'supervisor' } : { name: spec.name },
  );
}
