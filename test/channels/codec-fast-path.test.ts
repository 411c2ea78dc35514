import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/channels/close-codes.js';
import {
  decodeFrame,
  encodeDataFrameView,
  encodeFrame,
  encodeFrameView,
  ownedFrame,
} from '../../src/channels/codec.js';
import { type DataBody, frame } from '../../src/channels/envelope.js';
import { FrameError } from '../../src/channels/errors.js';
import { channelNameArb, messageKeyArb, plainDataArb } from './arbitraries.js';

function refusal(f: () => unknown): FrameError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(FrameError);
    return error as FrameError;
  }
  throw new Error('expected a FrameError');
}

describe('the data frame fast path', () => {
  it('encodes what the full encoder encodes, in no more bytes', () => {
    fc.assert(
      fc.property(
        channelNameArb,
        plainDataArb,
        fc.option(messageKeyArb, { nil: undefined }),
        fc.option(messageKeyArb, { nil: undefined }),
        (ch, msg, partitionKey, monotonicKey) => {
          let body: DataBody = { msg };
          if (partitionKey !== undefined) body = { ...body, partitionKey };
          if (monotonicKey !== undefined) body = { ...body, monotonicKey };
          const fast = encodeDataFrameView(ch, body);
          const full = encodeFrame(frame(ch, 'data', body));
          const decoded = decodeFrame(fast);
          expect(decoded).toEqual(decodeFrame(full));
          expect(decoded.ok && decoded.frame.k === 'data').toBe(true);
          expect(fast.byteLength).toBeLessThanOrEqual(full.byteLength);
        },
      ),
    );
  });

  it('refuses what the full encoder refuses, with the same code', () => {
    const cases: [string, DataBody][] = [
      ['default', { msg: new Map([[1, 2]]) }],
      ['default', { msg: { when: /x/ } }],
      ['default', { msg: 1, partitionKey: Number.NaN }],
      ['default', { msg: 1, monotonicKey: 'k'.repeat(2000) }],
      ['bad channel!', { msg: 1 }],
    ];
    for (const [ch, body] of cases) {
      const fast = refusal(() => encodeDataFrameView(ch, body));
      const full = refusal(() => encodeFrame(frame(ch, 'data', body)));
      expect(fast.code).toBe(full.code);
    }
  });

  it('leaves out fields the body should not have', () => {
    const body = { msg: 'hi', extra: 'dropped' } as DataBody;
    const decoded = decodeFrame(encodeDataFrameView('default', body));
    expect(decoded.ok && decoded.frame.b).toEqual({ msg: 'hi' });
  });

  it('falls back to packing the whole envelope for keys too long to sit in front', () => {
    const key = 'k'.repeat(400);
    const decoded = decodeFrame(
      encodeDataFrameView('gossip', { msg: [1, 2], partitionKey: key, monotonicKey: 7 }),
    );
    expect(decoded.ok && decoded.frame).toEqual(
      frame('gossip', 'data', { msg: [1, 2], partitionKey: key, monotonicKey: 7 }),
    );
  });

  it('refuses a frame over maxFrameBytes with 1009', () => {
    const error = refusal(() =>
      encodeDataFrameView('default', { msg: 'x'.repeat(100) }, { maxFrameBytes: 50 }),
    );
    expect(error.code).toBe(CloseCode.MessageTooBig);
  });
});

describe('views and owned copies', () => {
  it('makes an owned copy with the same bytes in memory of its own', () => {
    const view = encodeFrameView(frame('default', 'data', { msg: 'payload' }));
    const owned = ownedFrame(view);
    expect(owned.equals(view)).toBe(true);
    expect(owned.buffer).not.toBe(view.buffer);
    expect(owned.byteOffset).toBe(0);
    expect(owned.buffer.byteLength).toBe(view.byteLength);
  });

  it('keeps earlier views intact while later frames are encoded', () => {
    const first = encodeFrameView(frame('default', 'data', { msg: 'first' }));
    const copy = Buffer.from(first);
    for (let i = 0; i < 2_000; i++) encodeFrameView(frame('default', 'data', { msg: i }));
    expect(first.equals(copy)).toBe(true);
  });
});
