import type { ActorRef } from './nact.js';
import { type Proc, procNamed, procOf } from './process-table.js';

/** A process given by reference or by registered name. */
export type Target = ActorRef | string;

/** @internal The live record behind a target, or undefined. */
export function resolveTarget(target: Target): Proc | undefined {
  const proc = typeof target === 'string' ? procNamed(target) : procOf(target);
  return proc && proc.status !== 'dead' ? proc : undefined;
}

/** @internal A name for error messages. */
export function describeTarget(target: Target): string {
  if (typeof target === 'string') return target;
  return procOf(target)?.describe() ?? target.name ?? 'unknown actor';
}

/** True for a reference to a process started by this runtime (alive or not). */
export function isProcessRef(x: unknown): x is ActorRef {
  return typeof x === 'object' && x !== null && procOf(x as ActorRef) !== undefined;
}
