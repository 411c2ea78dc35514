import { describe, expect, it } from 'vitest';
import { lazyTickTimer, step } from '../../src/broadcast/core/index.js';
import { parseWireMessage } from '../../src/broadcast/wire-schema.js';
import { announce, entry, H, makeState, ofType, sent } from './helpers.js';

describe('ignored_i_have is batched per received i_have', () => {
  it('three stale announcements of one i_have are acknowledged by one message', () => {
    const s = makeState();
    const entries = [entry({ id: 1 }), entry({ id: 2 }), entry({ id: 3 })];
    const acks = sent(announce(s, 'd', entries, true), 'ignored_i_have');
    expect(acks).toEqual([['d', { type: 'ignored_i_have', entries, from: 'a' }]]);
  });

  it('the acknowledgement waits until the last check of that peer is answered', () => {
    const s = makeState();
    const entries = [entry({ id: 1 }), entry({ id: 2 })];
    const msg = { type: 'i_have', entries, from: 'd' } as const;
    const [first, second] = ofType(step(s, { type: 'receive', from: 'd', msg }, 0), 'isStale');
    if (first === undefined || second === undefined) throw new Error('two checks expected');
    const early = step(s, { type: 'isStaleResult', token: first.token, stale: true }, 0);
    expect(sent(early, 'ignored_i_have')).toEqual([]);
    const late = step(s, { type: 'isStaleResult', token: second.token, stale: true }, 0);
    expect(sent(late, 'ignored_i_have').map(([, m]) => m.entries.length)).toEqual([2]);
  });

  it('only the stale entries are acknowledged when some are missing', () => {
    const s = makeState();
    const msg = {
      type: 'i_have',
      entries: [entry({ id: 1 }), entry({ id: 2 })],
      from: 'd',
    } as const;
    const asks = ofType(step(s, { type: 'receive', from: 'd', msg }, 0), 'isStale');
    const effects = asks.flatMap((ask, i) =>
      step(s, { type: 'isStaleResult', token: ask.token, stale: i === 0 }, 0),
    );
    expect(sent(effects, 'ignored_i_have').map(([, m]) => m.entries.map((e) => e.id))).toEqual([
      [1],
    ]);
  });

  it('the lazy tick sends what is owed when a check never comes back', () => {
    const s = makeState();
    step(s, { type: 'start' }, 0);
    const msg = {
      type: 'i_have',
      entries: [entry({ id: 1 }), entry({ id: 2 })],
      from: 'd',
    } as const;
    const [first] = ofType(step(s, { type: 'receive', from: 'd', msg }, 0), 'isStale');
    if (first === undefined) throw new Error('a check expected');
    const answered = step(s, { type: 'isStaleResult', token: first.token, stale: true }, 0);
    // (A graft timer is armed too: the stale message is watched for its tree copy.)
    expect(ofType(answered, 'setTimer').map((t) => t.key)).toContainEqual(lazyTickTimer());
    const tick = step(s, { type: 'timer', key: lazyTickTimer() }, 1000);
    expect(sent(tick, 'ignored_i_have').map(([to, m]) => [to, m.entries.length])).toEqual([
      ['d', 1],
    ]);
  });

  it('without batching, each announcement gets its own acknowledgement', () => {
    const s = makeState({ options: { batchIHaves: false } });
    const acks = sent(
      announce(s, 'd', [entry({ id: 1 }), entry({ id: 2 })], true),
      'ignored_i_have',
    );
    expect(acks.map(([, m]) => m.entries.length)).toEqual([1, 1]);
  });

  it('a batched acknowledgement clears every entry it names', () => {
    const s = makeState({ lazys: ['d'] });
    for (const id of ['x', 'y']) step(s, { type: 'localBroadcast', handler: H, id, payload: 1 }, 0);
    expect(s.outstanding.countFor('d')).toBe(2);
    const entries = ['x', 'y'].map((id) => ({ id, handler: H, round: 0, root: 'a' }));
    step(s, { type: 'receive', from: 'd', msg: { type: 'ignored_i_have', entries, from: 'd' } }, 0);
    expect(s.outstanding.countFor('d')).toBe(0);
  });
});

describe('ignored_i_have on the wire', () => {
  it('a single-announcement message from an unbatched peer reads as a batch of one', () => {
    const wire = { type: 'ignored_i_have', id: 'x', handler: H, round: 0, root: 'a', from: 'd' };
    expect(parseWireMessage(wire)).toEqual({
      type: 'ignored_i_have',
      entries: [{ id: 'x', handler: H, round: 0, root: 'a' }],
      from: 'd',
    });
  });

  it('a batch with a malformed entry is refused', () => {
    const wire = { type: 'ignored_i_have', entries: [{ id: 'x', handler: H }], from: 'd' };
    expect(() => parseWireMessage(wire)).toThrow(/round/);
  });
});
