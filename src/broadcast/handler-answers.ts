/**
 * Parsers of handler answers: the one place that checks what a handler returned
 * against the {@link BroadcastHandler} contract. A handler is user code; whatever it
 * answers outside the contract becomes a {@link HandlerContractError}, which the
 * shell treats as that handler failing (the safe default), never as a crash.
 */
import type { ExchangeOutcome, GraftOutcome } from './core/index.js';
import type { BroadcastHandler } from './handler.js';

/** The handler functions whose answers are checked. */
export type HandlerFunction =
  | 'broadcastData'
  | 'merge'
  | 'isStale'
  | 'graft'
  | 'exchange'
  | 'broadcastChannel'
  | 'peerInfo';

/** A handler answered something its contract does not allow. */
export class HandlerContractError extends Error {
  override readonly name = 'HandlerContractError';
  constructor(
    /** The handler's name (or `peerInfo` for the server's peer-information function). */
    readonly handler: string,
    readonly fn: HandlerFunction,
    readonly expected: string,
    answer: unknown,
  ) {
    super(`${handler}.${fn} answered ${describe(answer)}, not ${expected}`);
  }
}

/** A short, safe description of any value (never throws, never huge). */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object') {
    const s = JSON.stringify(value) ?? String(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  try {
    const keys = Object.keys(value);
    return keys.length === 0
      ? 'an empty object'
      : `an object with keys ${keys.slice(0, 5).join(', ')}`;
  } catch {
    return 'an object';
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

// `in` on a proxy or a getter can throw: reading an answer must not.
function has(x: Record<string, unknown>, key: string): boolean {
  try {
    return Object.hasOwn(x, key);
  } catch {
    return false;
  }
}

/** `broadcastData`'s answer: an object with an `id` (not undefined) and a `payload`. */
export function parseBroadcastData(
  handler: string,
  answer: unknown,
): { readonly id: unknown; readonly payload: unknown } {
  const expected = 'an object { id, payload } with a defined id';
  if (!isRecord(answer) || !has(answer, 'id'))
    throw new HandlerContractError(handler, 'broadcastData', expected, answer);
  const { id, payload } = answer;
  if (id === undefined) throw new HandlerContractError(handler, 'broadcastData', expected, answer);
  return { id, payload };
}

/** `merge`'s or `isStale`'s answer: a boolean. */
export function parseBoolean(handler: string, fn: 'merge' | 'isStale', answer: unknown): boolean {
  if (typeof answer !== 'boolean') throw new HandlerContractError(handler, fn, 'a boolean', answer);
  return answer;
}

/** `graft`'s answer: `'stale'`, `{ ok: payload }` or `{ error }`. */
export function parseGraftAnswer(handler: string, answer: unknown): GraftOutcome {
  if (answer === 'stale') return answer;
  if (isRecord(answer)) {
    if (has(answer, 'ok')) return { ok: answer.ok };
    if (has(answer, 'error')) return { error: answer.error };
  }
  throw new HandlerContractError(handler, 'graft', "'stale', { ok } or { error }", answer);
}

/** `exchange`'s answer: `'ok'`, `'ignore'`, `{ ok: handle }` or `{ error }`. */
export function parseExchangeAnswer(handler: string, answer: unknown): ExchangeOutcome {
  if (answer === 'ok' || answer === 'ignore') return answer;
  if (isRecord(answer)) {
    if (has(answer, 'ok')) return { ok: answer.ok };
    if (has(answer, 'error')) return { error: answer.error };
  }
  throw new HandlerContractError(
    handler,
    'exchange',
    "'ok', 'ignore', { ok } or { error }",
    answer,
  );
}

/** `broadcastChannel`'s answer: a non-empty string. */
export function parseChannel(handler: string, answer: unknown): string {
  if (typeof answer !== 'string' || answer.length === 0)
    throw new HandlerContractError(handler, 'broadcastChannel', 'a non-empty string', answer);
  return answer;
}

/** `peerInfo`'s answer: a plain record of information about one peer. */
export function parsePeerInfo(answer: unknown): Record<string, unknown> {
  if (!isRecord(answer))
    throw new HandlerContractError('peerInfo', 'peerInfo', 'an object', answer);
  return answer;
}

/**
 * The channel of `handler`: its `broadcastChannel()` answer, or `fallback` (reported
 * through `failed`) when it throws or answers something that is not a channel name.
 */
export function channelOf(
  handler: BroadcastHandler,
  fallback: string,
  failed: (error: unknown) => void,
): string {
  if (handler.broadcastChannel === undefined) return fallback;
  try {
    return parseChannel(handler.name, handler.broadcastChannel());
  } catch (error) {
    failed(error);
    return fallback;
  }
}

/** The core asked for a handler that is not registered here (a wiring bug, contained). */
export class UnknownHandlerError extends Error {
  override readonly name = 'UnknownHandlerError';
  constructor(readonly handler: string) {
    super(`no handler ${handler} is registered`);
  }
}

/**
 * A handler returned a promise to a host that cannot wait for one (simulated time
 * runs handlers synchronously). Thrown out of the step loop: it is a wiring bug of
 * the host's handlers, not a fault to contain.
 */
export class AsyncHandlerError extends Error {
  override readonly name = 'AsyncHandlerError';
  constructor(readonly handler: string) {
    super(`handler ${handler} returned a promise; this host's handlers must be synchronous`);
  }
}
