import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CloseCode,
  describeCloseCode,
  MAX_CLOSE_REASON_BYTES,
  truncateCloseReason,
} from '../../src/channels/close-codes.js';

describe('close codes', () => {
  it('gives every code a distinct value', () => {
    const values = Object.values(CloseCode);
    expect(new Set(values).size).toBe(values.length);
  });

  it('keeps application codes in the 4000-4999 range the RFC reserves for them', () => {
    for (const code of Object.values(CloseCode).filter((c) => c >= 4000)) {
      expect(code).toBeLessThanOrEqual(4999);
    }
  });

  it('uses the handshake codes the channel design names', () => {
    expect(CloseCode.AuthFailed).toBe(4001);
    expect(CloseCode.WrongName).toBe(4002);
    expect(CloseCode.Mismatch).toBe(4003);
    expect(CloseCode.HandshakeTimeout).toBe(4004);
  });

  it('describes every defined code with its own label', () => {
    const labels = Object.values(CloseCode).map(describeCloseCode);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('describes an unknown code without failing', () => {
    expect(describeCloseCode(4999)).toContain('4999');
    expect(describeCloseCode(1234)).toContain('1234');
  });
});

describe('truncateCloseReason', () => {
  it('leaves a short reason alone', () => {
    expect(truncateCloseReason('auth failed')).toBe('auth failed');
  });

  it('cuts a long reason to the close-frame limit and marks the cut', () => {
    const cut = truncateCloseReason('x'.repeat(500));
    expect(Buffer.byteLength(cut)).toBe(MAX_CLOSE_REASON_BYTES);
    expect(cut.endsWith('...')).toBe(true);
  });

  it('never exceeds the limit nor splits a character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (reason) => {
        const cut = truncateCloseReason(reason);
        expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
        const kept = cut.endsWith('...') && cut !== reason ? cut.slice(0, -3) : cut;
        expect(reason.startsWith(kept)).toBe(true);
        // A split surrogate pair would not survive UTF-8 (it becomes U+FFFD); the input
        // itself may hold U+FFFD, so compare the round trip rather than look for one.
        expect(Buffer.from(kept, 'utf8').toString('utf8')).toBe(kept);
      }),
    );
  });
});
