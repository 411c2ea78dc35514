import { CloseCode } from './close-codes.js';
import {
  type AuthMode,
  ENVELOPE_VERSION,
  type Envelope,
  FRAME_KINDS,
  type FrameKind,
  frame,
  type MessageKey,
  type RemoteCallErrorKind,
} from './envelope.js';
import { FrameError, InvalidNodeSpecError } from './errors.js';
import { describeValue, MAX_CHANNEL_NAME_LENGTH, nameProblem } from './names.js';
import { MAX_PARALLELISM, validateNodeSpec } from './node-spec.js';
import { DEFAULT_MAX_DEPTH, plainDataProblem } from './plain-data.js';

/** Shortest nonce accepted in a hello: 128 bits keeps collisions out of reach. */
export const MIN_NONCE_BYTES = 16;
/** Longest nonce accepted in a hello. */
export const MAX_NONCE_BYTES = 64;
/** Size of an HMAC-SHA256 proof. */
export const MAC_BYTES = 32;
/** Longest close reason or call-error message carried in a frame. */
export const MAX_TEXT_LENGTH = 1024;
/** Longest string partition or monotonic key. */
export const MAX_KEY_LENGTH = 1024;
/** Longest call timeout a frame may carry: the largest delay a Node timer supports. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** The outcome of checking a frame: the frame rebuilt from its checked fields, or why not. */
export type FrameResult =
  | { readonly ok: true; readonly frame: Envelope }
  | { readonly ok: false; readonly error: FrameError };

/** Options for {@link validateEnvelope}. */
export interface ValidateOptions {
  /** Deepest nesting accepted inside application messages. */
  readonly maxDepth?: number;
}

const authModes: readonly AuthMode[] = ['hmac-sha256', 'none'];
const callErrorKinds: readonly RemoteCallErrorKind[] = ['noproc', 'exit', 'timeout'];

/**
 * Checks that a decoded value is exactly a valid {@link Envelope}: the version, a known
 * kind, a valid channel name, and a body with exactly the kind's fields, each of the
 * right type and range. Application messages must be plain data within `maxDepth`.
 * The returned frame is rebuilt from the checked fields, so nothing unchecked (extra
 * keys, a prototype) travels further. Never throws.
 */
export function validateEnvelope(value: unknown, options: ValidateOptions = {}): FrameResult {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  try {
    return validate(value, maxDepth);
  } catch (error) {
    // only a bug in a check could land here; refuse the frame rather than crash the node
    return shapeError(`frame could not be checked: ${String(error)}`);
  }
}

function validate(value: unknown, maxDepth: number): FrameResult {
  const top = fields(value, ['v', 'ch', 'k', 'b'], [], 'frame');
  if (typeof top === 'string') return shapeError(top);
  if (top.v !== ENVELOPE_VERSION) {
    return shapeError(`unsupported envelope version ${describeValue(top.v)}`);
  }
  const chIssue = nameProblem(top.ch, MAX_CHANNEL_NAME_LENGTH);
  if (chIssue !== undefined) return shapeError(`channel ${chIssue}`);
  const ch = top.ch as string;
  if (typeof top.k !== 'string' || !(FRAME_KINDS as readonly string[]).includes(top.k)) {
    return shapeError(`unknown frame kind ${describeValue(top.k)}`);
  }
  const kind = top.k as FrameKind;
  const checked = validateBody(ch, kind, top.b, maxDepth);
  if (typeof checked === 'string') return shapeError(checked);
  if (checked instanceof FrameError) return { ok: false, error: checked };
  return checked;
}

function validateBody(
  ch: string,
  kind: FrameKind,
  raw: unknown,
  maxDepth: number,
): FrameResult | FrameError | string {
  switch (kind) {
    case 'hello': {
      const b = fields(
        raw,
        ['protocol', 'cluster', 'spec', 'nonce', 'auth', 'lane'],
        ['expect'],
        kind,
      );
      if (typeof b === 'string') return b;
      if (!isIntIn(b.protocol, 0, 65535)) return `hello.protocol must be an integer in 0..65535`;
      const clusterIssue = nameProblem(b.cluster);
      if (clusterIssue !== undefined) return `hello.cluster ${clusterIssue}`;
      let spec: ReturnType<typeof validateNodeSpec>;
      try {
        spec = validateNodeSpec(b.spec);
      } catch (error) {
        if (error instanceof InvalidNodeSpecError) return `hello.spec: ${error.message}`;
        throw error;
      }
      if (!isBytes(b.nonce, MIN_NONCE_BYTES, MAX_NONCE_BYTES)) {
        return `hello.nonce must be ${MIN_NONCE_BYTES}..${MAX_NONCE_BYTES} bytes`;
      }
      if (!(authModes as readonly unknown[]).includes(b.auth)) {
        return `hello.auth must be one of ${authModes.join(', ')}`;
      }
      if (!isIntIn(b.lane, 0, MAX_PARALLELISM - 1)) {
        return `hello.lane must be an integer in 0..${MAX_PARALLELISM - 1}`;
      }
      if (b.expect !== undefined) {
        const expectIssue = nameProblem(b.expect);
        if (expectIssue !== undefined) return `hello.expect ${expectIssue}`;
      }
      return ok(
        frame(ch, 'hello', {
          protocol: b.protocol as number,
          cluster: b.cluster as string,
          spec,
          nonce: b.nonce as Uint8Array,
          auth: b.auth as AuthMode,
          lane: b.lane as number,
          ...(b.expect === undefined ? {} : { expect: b.expect as string }),
        }),
      );
    }
    case 'proof': {
      const b = fields(raw, ['mac'], [], kind);
      if (typeof b === 'string') return b;
      if (!isBytes(b.mac, MAC_BYTES, MAC_BYTES)) return `proof.mac must be ${MAC_BYTES} bytes`;
      return ok(frame(ch, 'proof', { mac: b.mac as Uint8Array }));
    }
    case 'ping':
    case 'pong': {
      const b = fields(raw, ['seq'], [], kind);
      if (typeof b === 'string') return b;
      if (!isIntIn(b.seq, 0, Number.MAX_SAFE_INTEGER)) {
        return `${kind}.seq must be a non-negative safe integer`;
      }
      return ok(frame(ch, kind, { seq: b.seq as number }));
    }
    case 'probe_req':
    case 'probe_ack': {
      const b = fields(raw, ['target'], [], kind);
      if (typeof b === 'string') return b;
      const issue = nameProblem(b.target);
      if (issue !== undefined) return `${kind}.target ${issue}`;
      return ok(frame(ch, kind, { target: b.target as string }));
    }
    case 'data': {
      const b = fields(raw, ['msg'], ['partitionKey', 'monotonicKey'], kind);
      if (typeof b === 'string') return b;
      const issue = dataBodyProblem(b.msg, b.partitionKey, b.monotonicKey, maxDepth);
      if (issue !== undefined) return issue;
      return ok(
        frame(ch, 'data', {
          msg: b.msg,
          ...(b.partitionKey === undefined ? {} : { partitionKey: b.partitionKey as MessageKey }),
          ...(b.monotonicKey === undefined ? {} : { monotonicKey: b.monotonicKey as MessageKey }),
        }),
      );
    }
    case 'cast': {
      const b = fields(raw, ['to', 'msg'], [], kind);
      if (typeof b === 'string') return b;
      const toIssue = nameProblem(b.to);
      if (toIssue !== undefined) return `cast.to ${toIssue}`;
      const msgIssue = messageProblem('cast.msg', b.msg, maxDepth);
      if (msgIssue !== undefined) return msgIssue;
      return ok(frame(ch, 'cast', { to: b.to as string, msg: b.msg }));
    }
    case 'call': {
      const b = fields(raw, ['to', 'ref', 'msg', 'timeoutMs'], [], kind);
      if (typeof b === 'string') return b;
      const toIssue = nameProblem(b.to);
      if (toIssue !== undefined) return `call.to ${toIssue}`;
      if (!isIntIn(b.ref, 0, Number.MAX_SAFE_INTEGER)) {
        return 'call.ref must be a non-negative safe integer';
      }
      if (!isIntIn(b.timeoutMs, 1, MAX_TIMEOUT_MS)) {
        return `call.timeoutMs must be an integer in 1..${MAX_TIMEOUT_MS}`;
      }
      const msgIssue = messageProblem('call.msg', b.msg, maxDepth);
      if (msgIssue !== undefined) return msgIssue;
      return ok(
        frame(ch, 'call', {
          to: b.to as string,
          ref: b.ref as number,
          msg: b.msg,
          timeoutMs: b.timeoutMs as number,
        }),
      );
    }
    case 'reply': {
      const b = fields(raw, ['ref', 'msg'], [], kind);
      if (typeof b === 'string') return b;
      if (!isIntIn(b.ref, 0, Number.MAX_SAFE_INTEGER)) {
        return 'reply.ref must be a non-negative safe integer';
      }
      const msgIssue = messageProblem('reply.msg', b.msg, maxDepth);
      if (msgIssue !== undefined) return msgIssue;
      return ok(frame(ch, 'reply', { ref: b.ref as number, msg: b.msg }));
    }
    case 'call_error': {
      const b = fields(raw, ['ref', 'error', 'message'], [], kind);
      if (typeof b === 'string') return b;
      if (!isIntIn(b.ref, 0, Number.MAX_SAFE_INTEGER)) {
        return 'call_error.ref must be a non-negative safe integer';
      }
      if (!(callErrorKinds as readonly unknown[]).includes(b.error)) {
        return `call_error.error must be one of ${callErrorKinds.join(', ')}`;
      }
      if (!isText(b.message)) {
        return `call_error.message must be a string of at most ${MAX_TEXT_LENGTH} characters`;
      }
      return ok(
        frame(ch, 'call_error', {
          ref: b.ref as number,
          error: b.error as RemoteCallErrorKind,
          message: b.message as string,
        }),
      );
    }
    case 'close': {
      const b = fields(raw, ['code', 'reason'], [], kind);
      if (typeof b === 'string') return b;
      if (!isIntIn(b.code, 1000, 4999)) return 'close.code must be an integer in 1000..4999';
      if (!isText(b.reason)) {
        return `close.reason must be a string of at most ${MAX_TEXT_LENGTH} characters`;
      }
      return ok(frame(ch, 'close', { code: b.code as number, reason: b.reason as string }));
    }
    default: {
      const unreachable: never = kind;
      return `unknown frame kind ${describeValue(unreachable)}`;
    }
  }
}

/**
 * What is wrong with the fields of a data body, or `undefined`: the message must be
 * plain data within `maxDepth`, and each key a finite number or a short string. Shared
 * by the schema and by the sender's fast path, so both apply the same rule.
 */
export function dataBodyProblem(
  msg: unknown,
  partitionKey: unknown,
  monotonicKey: unknown,
  maxDepth: number,
): FrameError | string | undefined {
  const msgIssue = messageProblem('data.msg', msg, maxDepth);
  if (msgIssue !== undefined) return msgIssue;
  if (partitionKey !== undefined && !isMessageKey(partitionKey)) return keyProblem('partitionKey');
  if (monotonicKey !== undefined && !isMessageKey(monotonicKey)) return keyProblem('monotonicKey');
  return undefined;
}

function keyProblem(key: string): string {
  return `data.${key} must be a finite number or a string of at most ${MAX_KEY_LENGTH} characters`;
}

function ok(f: Envelope): FrameResult {
  return { ok: true, frame: f };
}

function shapeError(reason: string): FrameResult {
  return { ok: false, error: new FrameError(CloseCode.PolicyViolation, reason) };
}

/**
 * The value as a record when it is a plain object with every required key and no key
 * outside required + optional; otherwise what is wrong. Listing keys exactly is what
 * keeps `__proto__`, `constructor` and friends out of every checked part.
 */
function fields(
  value: unknown,
  required: readonly string[],
  optional: readonly string[],
  what: string,
): Record<string, unknown> | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `${what} must be a map (got ${describeValue(value)})`;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return `${what} must be a plain map`;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!required.includes(key) && !optional.includes(key)) {
      return `${what} has an unexpected field ${describeValue(key)}`;
    }
  }
  for (const key of required) {
    if (!Object.hasOwn(record, key)) return `${what} is missing the field ${key}`;
  }
  return record;
}

/** A message that is not plain data: 1007 when it holds bytes MessagePack never uses. */
function messageProblem(where: string, value: unknown, maxDepth: number): FrameError | undefined {
  const found = plainDataProblem(value, maxDepth);
  if (found === undefined) return undefined;
  const code = found.undecodable ? CloseCode.InvalidPayload : CloseCode.PolicyViolation;
  return new FrameError(code, `${where}${found.path.slice(1)} ${found.message}`);
}

function isIntIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isBytes(value: unknown, min: number, max: number): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength >= min && value.byteLength <= max;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_TEXT_LENGTH;
}

function isMessageKey(value: unknown): value is MessageKey {
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'string' && value.length <= MAX_KEY_LENGTH;
}
