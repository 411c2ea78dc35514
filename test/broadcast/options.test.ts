import { describe, expect, it } from 'vitest';
import {
  createPlumtreeState,
  defaultPlumtreeOptions,
  InvalidConfigError,
  InvalidOptionError,
  messageKey,
  resolveOptions,
  UnsupportedMessageIdError,
} from '../../src/broadcast/core/index.js';
import { seededRng } from '../../src/util/rng.js';
import { broadcastMsg, deliver, makeState, ofType } from './helpers.js';

describe('options', () => {
  it('defaults switch every improvement on', () => {
    const o = resolveOptions();
    expect(o).toMatchObject({
      delayedGraft: true,
      treeOptimization: true,
      batchIHaves: true,
      joinMode: 'keepLearned',
      newRootSeed: 'learned',
      initialSets: 'documented',
      startExchangeLimit: 1,
      lazyTickPeriod: 1000,
      exchangeTickPeriod: 10_000,
    });
    expect(Number.isFinite(o.maxOutstandingPerPeer)).toBe(true);
  });

  it('overrides keep the other defaults', () => {
    const o = resolveOptions({ graftTimeout1: 5 });
    expect(o.graftTimeout1).toBe(5);
    expect(o.graftTimeout2).toBe(defaultPlumtreeOptions.graftTimeout2);
  });

  it.each([
    ['lazyTickPeriod', -1],
    ['maxIHaveEntries', 0],
    ['startExchangeLimit', 1.5],
    ['joinMode', 'sometimes'],
    ['delayedGraft', 'yes'],
    ['maxOutstandingPerPeer', 0],
    ['farBehindTicks', 0],
    ['maxGraftPostpone', -1],
  ])('refuses %s = %s', (option, value) => {
    expect(() => resolveOptions({ [option]: value })).toThrow(InvalidOptionError);
  });

  it('accepts an unbounded outstanding table', () => {
    expect(
      resolveOptions({ maxOutstandingPerPeer: Number.POSITIVE_INFINITY }).maxOutstandingPerPeer,
    ).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses a duplicate handler and an empty node name', () => {
    const base = { members: ['a'], rng: seededRng(1) };
    expect(() => createPlumtreeState({ ...base, node: 'a', handlers: ['h', 'h'] })).toThrow(
      InvalidConfigError,
    );
    expect(() => createPlumtreeState({ ...base, node: '', handlers: [] })).toThrow(
      InvalidConfigError,
    );
  });
});

describe('messageKey', () => {
  it('equal structures give equal keys', () => {
    expect(messageKey('h', [1, { b: 'x', a: 2n }])).toBe(messageKey('h', [1, { a: 2n, b: 'x' }]));
  });

  it('distinguishes values that print alike', () => {
    const keys = [
      messageKey('h', '1'),
      messageKey('h', 1),
      messageKey('h', ['a,b']),
      messageKey('h', ['a', 'b']),
      messageKey('h2', '1'),
      messageKey('h', new Uint8Array([1, 2])),
      messageKey('h', [1, 2]),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('refuses ids that cannot be compared', () => {
    expect(() => messageKey('h', () => 0)).toThrow(UnsupportedMessageIdError);
  });
});

describe('unusable ids from the wire', () => {
  it('a message whose id the key function rejects is dropped with a log, not thrown', () => {
    const s = makeState({
      options: {
        messageKey: (_h, id) => {
          if (id === 'bad') throw new TypeError('no');
          return String(id);
        },
      },
    });
    const effects = deliver(s, broadcastMsg({ id: 'bad' }), true);
    expect(ofType(effects, 'send')).toEqual([]);
    expect(ofType(effects, 'log')).toHaveLength(1);
    expect(s.sets.hasTree('e')).toBe(false);
  });
});
