import { C1 } from 'msgpackr';

/**
 * The values an application message may hold: what MessagePack carries without loss
 * and without running constructors on the receiving side. Maps, sets, class instances,
 * errors, regular expressions and typed arrays other than bytes are refused when sent
 * (msgpackr would silently turn them into something else) and when received (a hostile
 * peer could otherwise hand the application objects it never asked for).
 */

/** Deepest nesting of arrays and objects accepted in a message by default. */
export const DEFAULT_MAX_DEPTH = 64;

const MIN_INT64 = -(2n ** 63n);
const MAX_UINT64 = 2n ** 64n - 1n;

/** Why a value is not plain data, and where in it. */
export interface DataProblem {
  /** `$` for the value itself, then `.key` and `[index]` steps. */
  readonly path: string;
  readonly message: string;
  /** True for a byte sequence MessagePack reserves as never used (0xc1). */
  readonly undecodable: boolean;
}

/**
 * The first reason `value` is not plain data, or `undefined` when it is. Never throws,
 * and never recurses deeper than `maxDepth`, so a cyclic value is reported as too deep.
 */
export function plainDataProblem(
  value: unknown,
  maxDepth: number = DEFAULT_MAX_DEPTH,
): DataProblem | undefined {
  const found = check(value, maxDepth, 0);
  if (found === undefined) return undefined;
  return {
    path: `$${found.steps.reverse().join('')}`,
    message: found.message,
    undecodable: found.undecodable,
  };
}

interface Found {
  readonly steps: string[];
  readonly message: string;
  readonly undecodable: boolean;
}

function problem(message: string, undecodable = false): Found {
  return { steps: [], message, undecodable };
}

function check(value: unknown, maxDepth: number, depth: number): Found | undefined {
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
    case 'number':
    case 'string':
      return undefined;
    case 'bigint':
      return value < MIN_INT64 || value > MAX_UINT64
        ? problem('is a bigint outside the 64-bit range')
        : undefined;
    case 'symbol':
      return problem('is a symbol');
    case 'function':
      return problem('is a function');
    case 'object':
      return checkObject(value, maxDepth, depth);
  }
}

function checkObject(value: object | null, maxDepth: number, depth: number): Found | undefined {
  if (value === null) return undefined;
  if (value === C1) return problem('is the never-used MessagePack byte 0xc1', true);
  const proto: unknown = Object.getPrototypeOf(value);
  if (value instanceof Uint8Array) {
    return proto === Uint8Array.prototype || proto === Buffer.prototype
      ? undefined
      : problem('is a typed array other than Uint8Array');
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return problem('is a typed array or binary view other than Uint8Array');
  }
  if (value instanceof Date)
    return proto === Date.prototype ? undefined : problem('is a Date subclass');
  if (depth >= maxDepth) return problem(`is nested deeper than ${maxDepth} levels`);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) return problem('is an Array subclass');
    for (let i = 0; i < value.length; i++) {
      const found = check(value[i], maxDepth, depth + 1);
      if (found !== undefined) {
        found.steps.push(`[${i}]`);
        return found;
      }
    }
    return undefined;
  }
  if (proto !== Object.prototype && proto !== null) {
    return problem(`is ${describeInstance(value)}, not a plain object`);
  }
  if (Object.hasOwn(value, '__proto__')) return problem('has a __proto__ key');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const found = check(record[key], maxDepth, depth + 1);
    if (found !== undefined) {
      found.steps.push(/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);
      return found;
    }
  }
  return undefined;
}

function describeInstance(value: object): string {
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  if (value instanceof Error) return 'an Error';
  if (value instanceof RegExp) return 'a RegExp';
  return 'a class instance';
}
