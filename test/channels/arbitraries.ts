import fc from 'fast-check';
import { type Envelope, frame, type MessageKey } from '../../src/channels/envelope.js';
import { MAX_TIMEOUT_MS } from '../../src/channels/frame-schema.js';
import { type NodeSpec, validateNodeSpec } from '../../src/channels/node-spec.js';

/** Shared fast-check generators for the channel layer's tests. */

const reserved = new Set(['__proto__', 'constructor', 'prototype']);

/** A valid node, cluster or process name. */
export const nameArb: fc.Arbitrary<string> = fc
  .stringMatching(/^[A-Za-z0-9@._:-]{1,24}$/)
  .filter((s) => !reserved.has(s));

/** A valid channel name. */
export const channelNameArb: fc.Arbitrary<string> = fc
  .stringMatching(/^[A-Za-z0-9@._:-]{1,16}$/)
  .filter((s) => !reserved.has(s));

/** A validated (normalised) node spec. */
export const nodeSpecArb: fc.Arbitrary<NodeSpec> = fc
  .record({
    name: nameArb,
    listenAddrs: fc.uniqueArray(
      fc.record({
        host: fc.constantFrom('127.0.0.1', 'localhost', '::1', 'node-1.example.org', '10.0.0.7'),
        port: fc.integer({ min: 0, max: 65535 }),
      }),
      { minLength: 1, maxLength: 3, selector: (a) => `${a.host}|${a.port}` },
    ),
    channels: fc.dictionary(
      channelNameArb,
      fc.record({ parallelism: fc.integer({ min: 1, max: 64 }), monotonic: fc.boolean() }),
      { maxKeys: 4, noNullPrototype: true },
    ),
  })
  .map((input) => validateNodeSpec(input));

const safeKey = fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__');

/**
 * Plain data that survives encoding exactly: no -0 (MessagePack has no negative zero
 * integer), bigints in the 64-bit range, strings without lone surrogates.
 */
export const plainDataArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    tie('array'),
    tie('object'),
  ),
  leaf: fc.oneof(
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    fc.integer(),
    fc.double().filter((d) => !Object.is(d, -0)),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.uint8Array({ maxLength: 16 }).map((bytes) => Buffer.from(bytes)),
    fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4102444800000) }),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(safeKey, tie('value'), { maxKeys: 4, noNullPrototype: true }),
})).value;

/** A partition or monotonic key as the schema accepts it. */
export const messageKeyArb: fc.Arbitrary<MessageKey> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
  fc.string({ maxLength: 20 }),
);

const refArb = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const bytesArb = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b));
const textArb = fc.string({ unit: 'grapheme', maxLength: 40 });

/** Every kind of valid envelope, with every optional field present or absent. */
export const envelopeArb: fc.Arbitrary<Envelope> = channelNameArb.chain((ch) =>
  fc.oneof(
    fc
      .record(
        {
          protocol: fc.integer({ min: 0, max: 65535 }),
          cluster: nameArb,
          spec: nodeSpecArb,
          nonce: bytesArb(16, 64),
          auth: fc.constantFrom('hmac-sha256' as const, 'none' as const),
          lane: fc.integer({ min: 0, max: 63 }),
          expect: nameArb,
        },
        { requiredKeys: ['protocol', 'cluster', 'spec', 'nonce', 'auth', 'lane'] },
      )
      .map((b) => frame(ch, 'hello', b)),
    bytesArb(32, 32).map((mac) => frame(ch, 'proof', { mac })),
    fc.nat({ max: Number.MAX_SAFE_INTEGER }).map((seq) => frame(ch, 'ping', { seq })),
    fc.nat({ max: Number.MAX_SAFE_INTEGER }).map((seq) => frame(ch, 'pong', { seq })),
    nameArb.map((target) => frame(ch, 'probe_req', { target })),
    nameArb.map((target) => frame(ch, 'probe_ack', { target })),
    fc
      .record(
        { msg: plainDataArb, partitionKey: messageKeyArb, monotonicKey: messageKeyArb },
        { requiredKeys: ['msg'] },
      )
      .map((b) => frame(ch, 'data', b)),
    fc.record({ to: nameArb, msg: plainDataArb }).map((b) => frame(ch, 'cast', b)),
    fc
      .record({
        to: nameArb,
        ref: refArb,
        msg: plainDataArb,
        timeoutMs: fc.integer({ min: 1, max: MAX_TIMEOUT_MS }),
      })
      .map((b) => frame(ch, 'call', b)),
    fc.record({ ref: refArb, msg: plainDataArb }).map((b) => frame(ch, 'reply', b)),
    fc
      .record({
        ref: refArb,
        error: fc.constantFrom('noproc' as const, 'exit' as const, 'timeout' as const),
        message: textArb,
      })
      .map((b) => frame(ch, 'call_error', b)),
    fc
      .record({ code: fc.integer({ min: 1000, max: 4999 }), reason: textArb })
      .map((b) => frame(ch, 'close', b)),
  ),
);
