import { MalformedDataError } from './errors.js';

const MAX_DEPTH = 64;

/**
 * Throws unless `value` is plain data that survives msgpackr unchanged on every node:
 * null, booleans, finite or non-finite numbers, strings, byte arrays, arrays and plain
 * objects of those. A Map or a class instance would be silently turned into something
 * else on the other side, and replicas would then disagree about what was written.
 */
export function checkPlainValue(value: unknown, depth = 0): void {
  if (depth > MAX_DEPTH) throw new MalformedDataError('value', `nested deeper than ${MAX_DEPTH}`);
  switch (typeof value) {
    case 'boolean':
    case 'number':
    case 'string':
      return;
    case 'object': {
      if (value === null || value instanceof Uint8Array) return;
      if (Array.isArray(value)) {
        for (const item of value) checkPlainValue(item, depth + 1);
        return;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new MalformedDataError(
          'value',
          'only plain objects, arrays and byte arrays are allowed',
        );
      }
      for (const item of Object.values(value)) checkPlainValue(item, depth + 1);
      return;
    }
    default:
      throw new MalformedDataError('value', `a ${typeof value} cannot be stored`);
  }
}
