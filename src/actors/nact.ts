/**
 * The one place that touches nact. nact ships CommonJS with ambient types whose time
 * constants do not resolve as ESM named imports, so it is loaded through `require`
 * and given the narrow, honest types the runtime relies on.
 */
import { createRequire } from 'node:module';

/** An nact reference: to an actor, to an actor system, or to a query's temporary sink. */
export interface ActorRef {
  readonly type: 'actor' | 'system' | 'temp' | 'nobody';
  readonly name?: string;
  readonly system: { readonly name: string | undefined };
}

/** The reference returned by {@link start}: a parent for top-level actors. */
export interface SystemRef extends ActorRef {
  readonly type: 'system';
}

type NactFn = (state: unknown, msg: unknown, ctx: unknown) => unknown;

interface NactModule {
  start(...extensions: unknown[]): SystemRef;
  spawn(
    parent: ActorRef,
    f: NactFn,
    name?: string,
    props?: { initialState?: unknown; afterStop?: (state: unknown) => void },
  ): ActorRef;
  dispatch(ref: ActorRef, msg: unknown, sender?: ActorRef): void;
  query(ref: ActorRef, msg: unknown, timeout: number): Promise<unknown>;
  stop(ref: ActorRef): void;
}

const nact = createRequire(import.meta.url)('nact') as NactModule;

/** Starts an nact actor system; its reference is the parent of top-level actors. */
export function start(options?: { name?: string }): SystemRef {
  return options ? nact.start(options) : nact.start();
}

/** Spawns a raw nact actor whose function is called once per message, in order. */
export function spawnRaw(
  parent: ActorRef,
  f: NactFn,
  name: string,
  afterStop: () => void,
): ActorRef {
  return nact.spawn(parent, f, name, { afterStop });
}

/** nact's own fire-and-forget send. A stopped or unknown target drops it silently. */
export function dispatch(ref: ActorRef, msg: unknown, sender?: ActorRef): void {
  if (sender === undefined) nact.dispatch(ref, msg);
  else nact.dispatch(ref, msg, sender);
}

/**
 * nact's ask: the message factory receives a temporary reference to reply to.
 * Kept for users who drive actors with plain nact; the runtime's `call` is richer.
 */
export function query<R = unknown>(
  ref: ActorRef,
  msg: ((replyTo: ActorRef) => unknown) | unknown,
  timeoutMs: number,
): Promise<R> {
  return nact.query(ref, msg, timeoutMs) as Promise<R>;
}

/** Stops an actor (or a whole system) and, in nact, all of its children at once. */
export function stopRaw(ref: ActorRef): void {
  nact.stop(ref);
}

/** True for the temporary reference nact hands a query's message factory. */
export function isTempRef(x: unknown): x is ActorRef {
  return (
    typeof x === 'object' &&
    x !== null &&
    (x as { type?: unknown }).type === 'temp' &&
    typeof (x as { system?: unknown }).system === 'object'
  );
}
