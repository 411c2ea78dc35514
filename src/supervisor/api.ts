/**
 * The supervisor's public face: spawn or start one, and its dynamic API as calls
 * (OTP's supervisor calls wait without a timeout by default; pass one to bound them).
 */
import { type ActorRef, call, type Target } from '../actors/index.js';
import type { ChildSpec, SupervisorSpec } from './child-spec.js';
import {
  type ChildCounts,
  type ChildInfo,
  type SupervisorCall,
  spawnSupervisorProcess,
  startSupervisorProcess,
} from './supervisor.js';

/**
 * Spawns a supervisor under `parent` (an nact system or another actor) and returns its
 * reference at once; the children start as its first message. Use
 * {@link startSupervisor} to wait for them and learn of a start failure.
 */
export function spawnSupervisor(parent: ActorRef, spec: SupervisorSpec): ActorRef {
  return spawnSupervisorProcess(parent, spec);
}

/**
 * Starts a supervisor and resolves once every child has started. If a child fails to
 * start, the ones already started are stopped in reverse order and this rejects with
 * a `ChildStartError` whose `cause` is the child's error.
 */
export function startSupervisor(parent: ActorRef, spec: SupervisorSpec): Promise<ActorRef> {
  return startSupervisorProcess(parent, spec);
}

async function ask<T>(sup: Target, msg: SupervisorCall, timeoutMs: number): Promise<T> {
  const out = await call<{ ok: T } | { error: unknown }>(sup, msg, timeoutMs);
  if ('error' in out) throw out.error;
  return out.ok;
}

const INF = Number.POSITIVE_INFINITY;

/**
 * Starts a child: a spec for the static strategies, or the extra arguments for
 * `simple_one_for_one`'s template. Resolves with the child's reference.
 */
export function startChild(
  sup: Target,
  specOrArgs: ChildSpec | readonly unknown[],
  timeoutMs = INF,
): Promise<ActorRef> {
  const msg: SupervisorCall = Array.isArray(specOrArgs)
    ? { type: 'startChild', extra: specOrArgs }
    : { type: 'startChild', spec: specOrArgs as ChildSpec };
  return ask(sup, msg, timeoutMs);
}

/**
 * Stops a child (by id, or by reference for simple_one_for_one) within its shutdown
 * time. Its spec stays, so `restartChild` can start it again (temporary children and
 * simple_one_for_one children are removed).
 */
export function terminateChild(
  sup: Target,
  child: string | ActorRef,
  timeoutMs = INF,
): Promise<void> {
  return ask<boolean>(sup, { type: 'terminateChild', child }, timeoutMs).then(() => undefined);
}

/** Starts again a child whose spec is present but which is not running. */
export function restartChild(sup: Target, id: string, timeoutMs = INF): Promise<ActorRef> {
  return ask(sup, { type: 'restartChild', id }, timeoutMs);
}

/** Removes the spec of a child that is not running. */
export function deleteChild(sup: Target, id: string, timeoutMs = INF): Promise<void> {
  return ask<boolean>(sup, { type: 'deleteChild', id }, timeoutMs).then(() => undefined);
}

/** Every child in start order, with its reference if it runs. */
export function whichChildren(sup: Target, timeoutMs = INF): Promise<ChildInfo[]> {
  return ask(sup, { type: 'whichChildren' }, timeoutMs);
}

/** How many children there are, running, and of each type. */
export function countChildren(sup: Target, timeoutMs = INF): Promise<ChildCounts> {
  return ask(sup, { type: 'countChildren' }, timeoutMs);
}
