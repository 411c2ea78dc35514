/**
 * Checks shared by the membership wire parsers: a peer's spec from the network goes
 * through the channel layer's validator (the one its handshake uses), and must be
 * dialable.
 */
import { validateNodeSpec } from '../../channels/node-spec.js';
import type { NodeSpec } from './node-spec.js';

/** Why a received message was dropped: a short description for logs and tests. */
export class WireRejection extends Error {
  override readonly name = 'WireRejection';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Outcome of a wire parser: the validated message, or why it was dropped. */
export type WireParse<T> =
  | { readonly ok: true; readonly msg: T }
  | { readonly ok: false; readonly reason: string };

/** A plain object (not an array, not a class instance), or a rejection naming `what`. */
export function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WireRejection(`${what} must be an object`);
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new WireRejection(`${what} must be a plain object`);
  }
  return value as Record<string, unknown>;
}

/** A non-negative safe integer at most `max`. */
export function count(value: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new WireRejection(`${what} must be an integer in 0..${max}`);
  }
  return value;
}

/**
 * A peer's spec, normalised by `validateNodeSpec`; a spec whose addresses include
 * port 0 ("any free port") cannot be dialled and is rejected too.
 */
export function peerSpec(value: unknown, what: string): NodeSpec {
  let spec: NodeSpec;
  try {
    spec = validateNodeSpec(value);
  } catch (error) {
    throw new WireRejection(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (spec.listenAddrs.some((a) => a.port === 0)) {
    throw new WireRejection(`${what}: listen address with port 0 cannot be dialled`);
  }
  return spec;
}

/** Runs a parser body, turning a {@link WireRejection} (or anything thrown) into a reason. */
export function parseWith<T>(body: () => T): WireParse<T> {
  try {
    return { ok: true, msg: body() };
  } catch (error) {
    if (error instanceof WireRejection) return { ok: false, reason: error.reason };
    return { ok: false, reason: error instanceof Error ? error.message : 'malformed' };
  }
}
