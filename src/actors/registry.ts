/**
 * Names for processes. Any string is a valid name (`broadcast@node-a:9000` included,
 * which nact's own actor names reject). A name is freed when its process stops, and a
 * supervisor that restarts the process binds it again, so callers holding the name
 * reach the new instance.
 */
import { AlreadyRegisteredError, NoProcError } from './errors.js';
import type { ActorRef } from './nact.js';
import { bindName, boundNames, procNamed, procOf, releaseName } from './process-table.js';

/** Binds `name` to a running process. Throws if a live process already holds it. */
export function register(name: string, ref: ActorRef): void {
  const proc = procOf(ref);
  if (!proc || proc.status === 'dead') throw new NoProcError(name);
  if (bindName(name, proc)) throw new AlreadyRegisteredError(name);
}

/** Unbinds `name`. Returns false if nothing held it. */
export function unregister(name: string): boolean {
  const proc = procNamed(name);
  if (!proc) return false;
  releaseName(name, proc);
  return true;
}

/** The live process bound to `name`, or undefined. */
export function whereis(name: string): ActorRef | undefined {
  const proc = procNamed(name);
  return proc && proc.status !== 'dead' ? proc.ref : undefined;
}

/** Every bound name, in binding order. */
export function registered(): string[] {
  return boundNames();
}
