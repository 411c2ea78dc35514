import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describe as describeValue,
  HandlerContractError,
  parseBoolean,
  parseBroadcastData,
  parseChannel,
  parseExchangeAnswer,
  parseGraftAnswer,
  parsePeerInfo,
} from '../../src/broadcast/handler-answers.js';

/** Runs `parse`; returns what it gave, or 'refused' if it threw a contract error (anything else fails). */
function outcome<T>(parse: () => T): T | 'refused' {
  try {
    return parse();
  } catch (error) {
    expect(error).toBeInstanceOf(HandlerContractError);
    return 'refused';
  }
}

const anyAnswer = fc.oneof(
  fc.anything(),
  fc.constantFrom('stale', 'ok', 'ignore', true, false, undefined, null),
  fc.record({ ok: fc.anything() }),
  fc.record({ error: fc.anything() }),
  fc.record({ id: fc.anything(), payload: fc.anything() }),
);

describe('handler answer parsers', () => {
  it('merge and isStale answers: booleans pass, anything else is a contract error', () => {
    fc.assert(
      fc.property(anyAnswer, (answer) => {
        const got = outcome(() => parseBoolean('h', 'merge', answer));
        expect(got).toBe(typeof answer === 'boolean' ? answer : 'refused');
      }),
    );
  });

  it("graft answers: 'stale', { ok } and { error } pass, anything else is a contract error", () => {
    fc.assert(
      fc.property(anyAnswer, (answer) => {
        const got = outcome(() => parseGraftAnswer('h', answer));
        if (got === 'refused') return;
        expect(got === 'stale' || 'ok' in got || 'error' in got).toBe(true);
      }),
    );
    expect(outcome(() => parseGraftAnswer('h', undefined))).toBe('refused');
    expect(outcome(() => parseGraftAnswer('h', { payload: 1 }))).toBe('refused');
    expect(parseGraftAnswer('h', { ok: undefined })).toEqual({ ok: undefined });
  });

  it("exchange answers: 'ok', 'ignore', { ok } and { error } pass, anything else is a contract error", () => {
    fc.assert(
      fc.property(anyAnswer, (answer) => {
        const got = outcome(() => parseExchangeAnswer('h', answer));
        if (got === 'refused') return;
        expect(got === 'ok' || got === 'ignore' || 'ok' in got || 'error' in got).toBe(true);
      }),
    );
    expect(outcome(() => parseExchangeAnswer('h', undefined))).toBe('refused');
    expect(outcome(() => parseExchangeAnswer('h', 'started'))).toBe('refused');
  });

  it('broadcastData answers need an object with a defined id', () => {
    fc.assert(
      fc.property(anyAnswer, (answer) => {
        const got = outcome(() => parseBroadcastData('h', answer));
        if (got === 'refused') return;
        expect(got.id).not.toBe(undefined);
      }),
    );
    expect(outcome(() => parseBroadcastData('h', { payload: 1 }))).toBe('refused');
    expect(parseBroadcastData('h', { id: 0, payload: undefined })).toEqual({
      id: 0,
      payload: undefined,
    });
  });

  it('channel and peer-info answers: a non-empty string, a plain object', () => {
    expect(parseChannel('h', 'gossip')).toBe('gossip');
    for (const bad of ['', 42, null, undefined, {}]) {
      expect(outcome(() => parseChannel('h', bad))).toBe('refused');
    }
    expect(parsePeerInfo({ distance: 3 })).toEqual({ distance: 3 });
    for (const bad of [null, 'x', [1], undefined])
      expect(outcome(() => parsePeerInfo(bad))).toBe('refused');
  });

  it('a contract error names the handler, the function and what it answered', () => {
    expect(() => parseBoolean('metadata', 'isStale', 'maybe')).toThrow(
      'metadata.isStale answered "maybe", not a boolean',
    );
  });

  it('describing a value never throws, whatever the value', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('no');
        },
      },
    );
    fc.assert(fc.property(fc.anything(), (v) => typeof describeValue(v) === 'string'));
    expect(describeValue(hostile)).toBe('an object');
    expect(outcome(() => parseGraftAnswer('h', hostile))).toBe('refused');
  });
});
