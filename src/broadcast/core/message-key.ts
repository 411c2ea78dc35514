import type { HandlerName, MessageId } from './messages.js';

/**
 * Handler ids may be any codec-safe value, but the core needs them as map keys:
 * two ids are the same message when their keys are equal.
 */
export type MessageKeyFn = (handler: HandlerName, id: MessageId) => string;

/** Thrown for ids that cannot be keyed (functions, symbols, cyclic objects). */
export class UnsupportedMessageIdError extends Error {
  override readonly name = 'UnsupportedMessageIdError';
  constructor(readonly id: unknown) {
    super(`message id of type ${typeof id} cannot be used as a key`);
  }
}

/**
 * The default {@link MessageKeyFn}: structural, so `[1, 'a']` received from the
 * wire equals the `[1, 'a']` the handler produced. Strings and numbers, by far the
 * common ids, take a fast path.
 */
export const messageKey: MessageKeyFn = (handler, id) => {
  if (typeof id === 'string') return `${handler}\u0000s${id}`;
  return `${handler}\u0000${encodeNested(id, 0)}`;
};

const MAX_DEPTH = 32;

// Nested strings go through JSON.stringify so that separators inside them cannot
// make two different structures encode alike; no nested encoding starts with `s`,
// so the top-level fast path stays unambiguous.
function encodeNested(v: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new UnsupportedMessageIdError(v);
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return `n${Object.is(v, -0) ? 0 : v}`;
    case 'bigint':
      return `b${v}`;
    case 'boolean':
      return v ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'object': {
      if (v === null) return 'z';
      if (Array.isArray(v)) return `[${v.map((x) => encodeNested(x, depth + 1)).join(',')}]`;
      if (v instanceof Uint8Array) {
        let hex = 'x';
        for (const byte of v) hex += byte.toString(16).padStart(2, '0');
        return hex;
      }
      if (v instanceof Date) return `d${v.getTime()}`;
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${encodeNested(obj[k], depth + 1)}`).join(',')}}`;
    }
    default:
      throw new UnsupportedMessageIdError(v);
  }
}
