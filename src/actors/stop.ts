import { type ActorRef, stopRaw } from './nact.js';
import { exitProc, killDescendants, procOf } from './process-table.js';

/**
 * Stops an actor or a whole actor system at once, as nact's `stop` does, and records
 * every process under it as killed before returning: their names are free and their
 * timers cancelled immediately. Prefer `stopServer` for an orderly stop.
 */
export function stop(ref: ActorRef): void {
  const proc = procOf(ref);
  if (proc) exitProc(proc, 'killed');
  else killDescendants(ref);
  stopRaw(ref);
}
