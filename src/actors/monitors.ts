/**
 * Monitors, as `erlang:monitor/2`: the watcher gets `{ type: 'DOWN', ref, target,
 * reason }` as an info message when the target stops for any reason, at once (with
 * reason `noproc`) if it is not running.
 */
import type { ActorRef } from './nact.js';
import {
  type DownMessage,
  deliverInfo,
  freshId,
  type MonitorRef,
  type Proc,
  procOf,
  type Watch,
} from './process-table.js';
import { resolveTarget, type Target } from './target.js';

export type { DownMessage, MonitorRef };

const installed = new WeakMap<MonitorRef, Watch>();

function install(
  watcher: Proc | undefined,
  target: Target,
  notify: (down: DownMessage) => void,
): MonitorRef {
  const ref: MonitorRef = Object.freeze({ id: freshId() });
  const on = resolveTarget(target);
  if (!on) {
    // Delivered asynchronously, like any message, so the caller holds the ref first.
    queueMicrotask(() => notify({ type: 'DOWN', ref, target, reason: 'noproc' }));
    return ref;
  }
  const watch: Watch = { ref, target, watcher, notify, on };
  on.watchers.set(ref.id, watch);
  watcher?.watching.set(ref.id, watch);
  installed.set(ref, watch);
  return ref;
}

/** `watcher` will get a DOWN info message when `target` stops. */
export function monitor(watcher: ActorRef, target: Target): MonitorRef {
  const w = procOf(watcher);
  if (!w || w.status === 'dead')
    throw new TypeError('monitor: the watcher is not a running process');
  return install(w, target, (down) => {
    if (w.status !== 'dead') deliverInfo(w, down);
  });
}

/**
 * Runs `fn` once when `target` stops (at once, with `noproc`, if it is not running).
 * For code outside any actor, such as a node's top level or a test.
 */
export function onExit(target: Target, fn: (down: DownMessage) => void): MonitorRef {
  return install(undefined, target, fn);
}

/** Removes a monitor. A DOWN already delivered stays in the watcher's mailbox. */
export function demonitor(ref: MonitorRef): void {
  const watch = installed.get(ref);
  if (!watch) return;
  installed.delete(ref);
  watch.on.watchers.delete(ref.id);
  watch.watcher?.watching.delete(ref.id);
}
