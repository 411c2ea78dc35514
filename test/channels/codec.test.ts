import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/channels/close-codes.js';
import { BATCH_BYTES, decodeFrame, decodeFrames, encodeFrame } from '../../src/channels/codec.js';
import { type Envelope, frame } from '../../src/channels/envelope.js';
import { FrameError } from '../../src/channels/errors.js';
import { validateNodeSpec } from '../../src/channels/node-spec.js';
import { envelopeArb } from './arbitraries.js';

/** Packs any value the way a peer with arbitrary msgpackr settings might. */
const plainPackr = new Packr({ useRecords: false, mapsAsObjects: true });
const hostilePackr = new Packr({ structuredClone: true, moreTypes: true, useRecords: true });

const spec = validateNodeSpec({ name: 'a', listenAddrs: [{ port: 9000 }] });

function expectRefused(result: ReturnType<typeof decodeFrame>, code: number): FrameError {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('unreachable');
  expect(result.error).toBeInstanceOf(FrameError);
  expect(result.error.code).toBe(code);
  expect(result.error.reason.length).toBeGreaterThan(0);
  return result.error;
}

function expectDecoded(result: ReturnType<typeof decodeFrame>): Envelope {
  if (!result.ok) throw new Error(`unexpected refusal: ${result.error.message}`);
  return result.frame;
}

describe('encodeFrame / decodeFrame round trip', () => {
  it('round-trips every valid envelope', () => {
    fc.assert(
      fc.property(envelopeArb, (envelope) => {
        const decoded = expectDecoded(decodeFrame(encodeFrame(envelope)));
        expect(decoded).toEqual(envelope);
      }),
      { numRuns: 400 },
    );
  });

  it('keeps an encoded frame intact when later frames are encoded', () => {
    const first = encodeFrame(frame('default', 'data', { msg: 'first' }));
    const snapshot = Buffer.from(first);
    for (let i = 0; i < 2000; i++) encodeFrame(frame('default', 'data', { msg: `later ${i}` }));
    expect(first.equals(snapshot)).toBe(true);
  });

  it('gives each encoded frame a backing buffer of its own size', () => {
    const bytes = encodeFrame(frame('default', 'ping', { seq: 1 }));
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
  });
});

describe('decodeFrame never throws', () => {
  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const result = decodeFrame(bytes);
        if (!result.ok) expect([1007, 1008, 1009]).toContain(result.error.code);
      }),
      { numRuns: 2000 },
    );
  });

  it('on arbitrary MessagePack values, plain or using every msgpackr extension', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withSparseArray: true,
          withNullPrototype: true,
          withBoxedValues: true,
        }),
        fc.boolean(),
        (value, hostile) => {
          let bytes: Uint8Array;
          try {
            bytes = (hostile ? hostilePackr : plainPackr).pack(value);
          } catch {
            return; // msgpackr cannot encode every JS value (huge bigints); nothing to decode
          }
          const result = decodeFrame(bytes);
          if (!result.ok) expect([1007, 1008]).toContain(result.error.code);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('on envelopes whose body is an arbitrary value', () => {
    const kinds = [
      'hello',
      'proof',
      'ping',
      'pong',
      'probe_req',
      'probe_ack',
      'data',
      'cast',
      'call',
      'reply',
      'call_error',
      'close',
      'bogus',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.anything({ withBigInt: true, withDate: true }),
        (k, b) => {
          let bytes: Uint8Array;
          try {
            bytes = plainPackr.pack({ v: 1, ch: 'default', k, b });
          } catch {
            return;
          }
          const result = decodeFrame(bytes);
          if (!result.ok) expect([1007, 1008]).toContain(result.error.code);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('on valid frames with bytes flipped or cut short', () => {
    fc.assert(
      fc.property(
        envelopeArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        (envelope, flips, cut) => {
          const bytes = Buffer.from(encodeFrame(envelope));
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          const damaged = bytes.subarray(0, Math.max(0, bytes.length - (cut % 4)));
          const result = decodeFrame(damaged);
          if (!result.ok) expect([1007, 1008]).toContain(result.error.code);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('on input that is not binary at all', () => {
    expectRefused(decodeFrame('hello' as unknown as Uint8Array), CloseCode.InvalidPayload);
  });
});

describe('decodeFrame close codes', () => {
  it('refuses a frame over maxFrameBytes with 1009 before decoding it', () => {
    const bytes = encodeFrame(frame('default', 'data', { msg: 'x'.repeat(100) }));
    const error = expectRefused(decodeFrame(bytes, { maxFrameBytes: 50 }), CloseCode.MessageTooBig);
    expect(error.reason).toContain('50');
  });

  it('refuses empty bytes with 1007', () => {
    expectRefused(decodeFrame(new Uint8Array()), CloseCode.InvalidPayload);
  });

  it('refuses truncated MessagePack with 1007', () => {
    const bytes = encodeFrame(frame('default', 'ping', { seq: 7 }));
    expectRefused(decodeFrame(bytes.subarray(0, bytes.length - 1)), CloseCode.InvalidPayload);
  });

  it('refuses trailing bytes after the value with 1007', () => {
    const bytes = encodeFrame(frame('default', 'ping', { seq: 7 }));
    expectRefused(
      decodeFrame(Buffer.concat([bytes, Buffer.from([0x01])])),
      CloseCode.InvalidPayload,
    );
  });

  it('refuses the never-used byte 0xc1 with 1007', () => {
    expectRefused(decodeFrame(Buffer.from([0xc1])), CloseCode.InvalidPayload);
  });

  it('refuses 0xc1 inside an application message with 1007', () => {
    const bytes = plainPackr.pack({ v: 1, ch: 'default', k: 'data', b: { msg: [1, 2] } });
    const at = bytes.lastIndexOf(0x02);
    bytes[at] = 0xc1;
    expectRefused(decodeFrame(bytes), CloseCode.InvalidPayload);
  });

  it('refuses structured-clone references (cycles) with 1007', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const bytes = hostilePackr.pack({ v: 1, ch: 'default', k: 'data', b: { msg: cyclic } });
    expectRefused(decodeFrame(bytes), CloseCode.InvalidPayload);
  });

  it('refuses a well-formed value that is not a map with 1008', () => {
    expectRefused(decodeFrame(plainPackr.pack([1, 2, 3])), CloseCode.PolicyViolation);
  });

  it('refuses another envelope version with 1008 and says so', () => {
    const bytes = plainPackr.pack({ v: 2, ch: 'default', k: 'ping', b: { seq: 1 } });
    const error = expectRefused(decodeFrame(bytes), CloseCode.PolicyViolation);
    expect(error.reason).toContain('version');
  });

  it('refuses an unknown kind with 1008', () => {
    const bytes = plainPackr.pack({ v: 1, ch: 'default', k: 'gossip', b: {} });
    const error = expectRefused(decodeFrame(bytes), CloseCode.PolicyViolation);
    expect(error.reason).toContain('gossip');
  });

  it('refuses an extra envelope field with 1008', () => {
    const bytes = plainPackr.pack({ v: 1, ch: 'default', k: 'ping', b: { seq: 1 }, x: 1 });
    expectRefused(decodeFrame(bytes), CloseCode.PolicyViolation);
  });

  it('refuses an extra body field with 1008', () => {
    const bytes = plainPackr.pack({ v: 1, ch: 'default', k: 'ping', b: { seq: 1, extra: true } });
    const error = expectRefused(decodeFrame(bytes), CloseCode.PolicyViolation);
    expect(error.reason).toContain('extra');
  });

  it('refuses a missing body field with 1008', () => {
    const bytes = plainPackr.pack({
      v: 1,
      ch: 'default',
      k: 'call',
      b: { to: 'p', ref: 1, msg: 1 },
    });
    const error = expectRefused(decodeFrame(bytes), CloseCode.PolicyViolation);
    expect(error.reason).toContain('timeoutMs');
  });

  it('refuses a field of the wrong type with 1008', () => {
    const bytes = plainPackr.pack({ v: 1, ch: 'default', k: 'ping', b: { seq: '1' } });
    expectRefused(decodeFrame(bytes), CloseCode.PolicyViolation);
  });

  it('refuses an invalid channel name with 1008', () => {
    const bytes = plainPackr.pack({ v: 1, ch: 'no spaces', k: 'ping', b: { seq: 1 } });
    expectRefused(decodeFrame(bytes), CloseCode.PolicyViolation);
  });

  it('refuses a __proto__ key in a body and leaves prototypes alone', () => {
    const bytes = plainPackr.pack(
      JSON.parse('{"v":1,"ch":"default","k":"ping","b":{"seq":1,"__proto__":{"polluted":true}}}'),
    );
    expectRefused(decodeFrame(bytes), CloseCode.PolicyViolation);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a hello whose spec is invalid with 1008 naming the problem', () => {
    const bytes = plainPackr.pack({
      v: 1,
      ch: 'default',
      k: 'hello',
      b: {
        protocol: 1,
        cluster: 'c',
        spec: { name: 'bad name', listenAddrs: [{ port: 1 }] },
        nonce: Buffer.alloc(16, 1),
        auth: 'none',
        lane: 0,
      },
    });
    const error = expectRefused(decodeFrame(bytes), CloseCode.PolicyViolation);
    expect(error.reason).toContain('spec');
  });

  it('refuses a nonce shorter than 16 bytes with 1008', () => {
    const bytes = plainPackr.pack({
      v: 1,
      ch: 'default',
      k: 'hello',
      b: { protocol: 1, cluster: 'c', spec, nonce: Buffer.alloc(8), auth: 'none', lane: 0 },
    });
    expectRefused(decodeFrame(bytes), CloseCode.PolicyViolation);
  });

  it('refuses a proof that is not 32 bytes with 1008', () => {
    const bytes = plainPackr.pack({
      v: 1,
      ch: 'default',
      k: 'proof',
      b: { mac: Buffer.alloc(31) },
    });
    expectRefused(decodeFrame(bytes), CloseCode.PolicyViolation);
  });

  it.each([
    ['a Set', new Set([1])],
    ['an Error', new Error('boom')],
    ['a RegExp', /x/],
    ['a Float32Array', new Float32Array([1])],
  ])('refuses %s inside a message with 1008', (_label, value) => {
    const bytes = hostilePackr.pack({ v: 1, ch: 'default', k: 'data', b: { msg: { x: value } } });
    const error = expectRefused(decodeFrame(bytes), CloseCode.PolicyViolation);
    expect(error.reason).toContain('data.msg.x');
  });

  it('accepts a message nested exactly maxDepth levels and refuses one level more', () => {
    const nest = (levels: number): unknown => (levels === 0 ? 1 : [nest(levels - 1)]);
    const at = plainPackr.pack({ v: 1, ch: 'default', k: 'data', b: { msg: nest(8) } });
    const over = plainPackr.pack({ v: 1, ch: 'default', k: 'data', b: { msg: nest(9) } });
    expectDecoded(decodeFrame(at, { maxDepth: 8 }));
    const error = expectRefused(decodeFrame(over, { maxDepth: 8 }), CloseCode.PolicyViolation);
    expect(error.reason).toContain('deeper than 8');
  });

  it('refuses nesting far too deep for the decoder with 1007 and keeps decoding afterwards', () => {
    const depth = 200_000;
    const bytes = Buffer.alloc(depth + 1, 0x91);
    bytes[depth] = 0x01;
    expectRefused(decodeFrame(bytes), CloseCode.InvalidPayload);
    const next = expectDecoded(decodeFrame(encodeFrame(frame('default', 'ping', { seq: 3 }))));
    expect(next).toEqual(frame('default', 'ping', { seq: 3 }));
  });

  it('decodes a valid channel name this node does not know (fallback happens later)', () => {
    const decoded = expectDecoded(
      decodeFrame(encodeFrame(frame('not-configured', 'data', { msg: 1 }))),
    );
    expect(decoded.ch).toBe('not-configured');
  });
});

describe('encodeFrame refusals', () => {
  it('refuses a Map in a message with 1008 naming where it is', () => {
    const envelope = frame('default', 'data', { msg: { a: [new Map([[1, 2]])] } });
    expect(() => encodeFrame(envelope)).toThrow(FrameError);
    try {
      encodeFrame(envelope);
    } catch (error) {
      expect((error as FrameError).code).toBe(CloseCode.PolicyViolation);
      expect((error as FrameError).reason).toContain('data.msg.a[0]');
      expect((error as FrameError).reason).toContain('Map');
    }
  });

  it('refuses a cyclic message as too deep instead of recursing forever', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeFrame(frame('default', 'data', { msg: cyclic }))).toThrow(/deeper/);
  });

  it('refuses a frame larger than maxFrameBytes with 1009', () => {
    const envelope = frame('default', 'data', { msg: 'x'.repeat(1000) });
    let caught: unknown;
    try {
      encodeFrame(envelope, { maxFrameBytes: 500 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FrameError);
    expect((caught as FrameError).code).toBe(CloseCode.MessageTooBig);
  });

  it('refuses a bigint outside the 64-bit range', () => {
    expect(() => encodeFrame(frame('default', 'data', { msg: 2n ** 80n }))).toThrow(FrameError);
  });

  it('refuses a class instance, which would arrive as a different type', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    expect(() => encodeFrame(frame('default', 'cast', { to: 'p', msg: new Point(1) }))).toThrow(
      /class instance/,
    );
  });
});

describe('decodeFrames: one WebSocket message holding frames back to back', () => {
  it('returns every frame of a batch in order, with its encoded size', () => {
    fc.assert(
      fc.property(fc.array(envelopeArb, { minLength: 1, maxLength: 8 }), (envelopes) => {
        const parts = envelopes.map((e) => encodeFrame(e));
        const decoded = decodeFrames(Buffer.concat(parts));
        expect(decoded.error).toBeUndefined();
        expect(decoded.frames).toEqual(envelopes);
        expect(decoded.sizes).toEqual(parts.map((p) => p.byteLength));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary bytes, and refuses with a channel close code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const decoded = decodeFrames(bytes);
        if (decoded.error !== undefined) expect([1007, 1008, 1009]).toContain(decoded.error.code);
        expect(decoded.frames.length).toBe(decoded.sizes.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps the frames ahead of a bad one and reports why the rest was refused', () => {
    const good = encodeFrame(frame('default', 'ping', { seq: 1 }));
    const bad = plainPackr.pack({ v: 1, ch: 'default', k: 'nope', b: {} });
    const decoded = decodeFrames(Buffer.concat([good, bad, good]));
    expect(decoded.frames).toEqual([frame('default', 'ping', { seq: 1 })]);
    expect(decoded.error?.code).toBe(CloseCode.PolicyViolation);
  });

  it('keeps the frames ahead of bytes that are not MessagePack', () => {
    const good = encodeFrame(frame('default', 'ping', { seq: 2 }));
    const decoded = decodeFrames(Buffer.concat([good, Buffer.from([0xc1])]));
    expect(decoded.frames).toHaveLength(1);
    expect(decoded.error?.code).toBe(CloseCode.InvalidPayload);
  });

  it('accepts a batch up to BATCH_BYTES of frames each within a smaller maxFrameBytes', () => {
    const one = encodeFrame(frame('default', 'data', { msg: 'y'.repeat(900) }));
    const count = Math.floor(BATCH_BYTES / one.byteLength);
    const decoded = decodeFrames(Buffer.concat(Array(count).fill(one)), { maxFrameBytes: 1024 });
    expect(decoded.error).toBeUndefined();
    expect(decoded.frames).toHaveLength(count);
  });

  it('refuses with 1009 a frame over maxFrameBytes inside a batch', () => {
    const small = encodeFrame(frame('default', 'ping', { seq: 3 }));
    const big = encodeFrame(frame('default', 'data', { msg: 'z'.repeat(2000) }));
    const decoded = decodeFrames(Buffer.concat([small, big]), { maxFrameBytes: 1024 });
    expect(decoded.frames).toHaveLength(1);
    expect(decoded.error?.code).toBe(CloseCode.MessageTooBig);
    expect(decoded.error?.reason).toContain('1024');
  });

  it('refuses with 1009 a message over both maxFrameBytes and BATCH_BYTES', () => {
    const decoded = decodeFrames(new Uint8Array(BATCH_BYTES + 1), { maxFrameBytes: 1024 });
    expect(decoded.frames).toEqual([]);
    expect(decoded.error?.code).toBe(CloseCode.MessageTooBig);
  });

  it('refuses empty bytes with 1007', () => {
    expect(decodeFrames(new Uint8Array()).error?.code).toBe(CloseCode.InvalidPayload);
  });
});
