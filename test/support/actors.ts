import { afterEach } from 'vitest';
import { type ActorRef, type SystemRef, start, stop } from '../../src/actors/index.js';

/** A fresh nact system per test, stopped after it. */
export function useSystem(): () => SystemRef {
  let system: SystemRef | undefined;
  afterEach(() => {
    if (system) stop(system);
    system = undefined;
  });
  return () => {
    system ??= start();
    return system;
  };
}

/** Resolves when `pred` holds, polling each macrotask; rejects after `ms`. */
export async function eventually(
  pred: () => boolean,
  ms = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A promise and its resolver, to await an event rather than sleep. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export type { ActorRef };
