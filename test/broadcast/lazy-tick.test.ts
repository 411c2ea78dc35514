import { describe, expect, it } from 'vitest';
import { step } from '../../src/broadcast/core/index.js';
import { H, makeState, ofType, sent } from './helpers.js';

function broadcastN(s: ReturnType<typeof makeState>, n: number) {
  for (let i = 0; i < n; i++) step(s, { type: 'localBroadcast', handler: H, id: i, payload: i }, 0);
}

describe('lazy tick', () => {
  it('sends each peer one i_have carrying all its announcements', () => {
    const s = makeState({ lazys: ['d', 'e'] });
    broadcastN(s, 3);
    const ihaves = sent(step(s, { type: 'timer', key: { type: 'lazyTick' } }, 0), 'i_have');
    expect(ihaves.map(([to, m]) => [to, m.entries.map((e) => e.id)])).toEqual([
      ['d', [0, 1, 2]],
      ['e', [0, 1, 2]],
    ]);
  });

  it('splits a batch at maxIHaveEntries', () => {
    const s = makeState({ options: { maxIHaveEntries: 2 } });
    broadcastN(s, 5);
    const ihaves = sent(step(s, { type: 'timer', key: { type: 'lazyTick' } }, 0), 'i_have');
    expect(ihaves.map(([, m]) => m.entries.length)).toEqual([2, 2, 1]);
  });

  it('without batching sends one i_have per announcement', () => {
    const s = makeState({ options: { batchIHaves: false } });
    broadcastN(s, 3);
    expect(
      sent(step(s, { type: 'timer', key: { type: 'lazyTick' } }, 0), 'i_have').map(
        ([, m]) => m.entries.length,
      ),
    ).toEqual([1, 1, 1]);
  });

  it('repeats announcements every tick until they are acknowledged', () => {
    const s = makeState();
    broadcastN(s, 1);
    expect(sent(step(s, { type: 'timer', key: { type: 'lazyTick' } }, 0), 'i_have')).toHaveLength(
      1,
    );
    expect(sent(step(s, { type: 'timer', key: { type: 'lazyTick' } }, 0), 'i_have')).toHaveLength(
      1,
    );
    step(
      s,
      {
        type: 'receive',
        from: 'd',
        msg: {
          type: 'ignored_i_have',
          entries: [{ id: 0, handler: H, round: 0, root: 'a' }],
          from: 'd',
        },
      },
      0,
    );
    expect(step(s, { type: 'timer', key: { type: 'lazyTick' } }, 0)).toEqual([]);
  });

  it('skips peers that are down, and includes them again once up', () => {
    const s = makeState({ lazys: ['d', 'e'] });
    broadcastN(s, 1);
    step(s, { type: 'peerDown', peer: 'd' }, 0);
    expect(
      sent(step(s, { type: 'timer', key: { type: 'lazyTick' } }, 0), 'i_have').map(([to]) => to),
    ).toEqual(['e']);
    step(s, { type: 'peerUp', peer: 'd' }, 0);
    expect(
      sent(step(s, { type: 'timer', key: { type: 'lazyTick' } }, 0), 'i_have').map(([to]) => to),
    ).toEqual(['d', 'e']);
  });

  it('keeps announcing to a down peer later: its entries are kept meanwhile', () => {
    const s = makeState();
    step(s, { type: 'peerDown', peer: 'd' }, 0);
    broadcastN(s, 2);
    expect(s.outstanding.countFor('d')).toBe(2);
  });
});

describe('outstanding cap', () => {
  const lazyTick = { type: 'timer', key: { type: 'lazyTick' } } as const;

  it('evicts the oldest announcement beyond maxOutstandingPerPeer for a peer that is down, counting it', () => {
    const s = makeState({ options: { maxOutstandingPerPeer: 2 } });
    step(s, { type: 'peerDown', peer: 'd' }, 0);
    broadcastN(s, 2);
    const effects = step(s, { type: 'localBroadcast', handler: H, id: 'late', payload: 0 }, 0);
    expect(ofType(effects, 'metric').map((m) => m.metric)).toEqual([
      { kind: 'outstandingEvicted', peer: 'd', handler: H, reason: 'down' },
    ]);
    expect([...s.outstanding.entriesFor('d')].map((e) => e.id)).toEqual([1, 'late']);
  });

  it('keeps every announcement beyond the cap for a connected peer that answers', () => {
    const s = makeState({ options: { maxOutstandingPerPeer: 2 } });
    broadcastN(s, 5);
    expect(s.outstanding.countFor('d')).toBe(5);
    step(s, lazyTick, 1000);
    step(
      s,
      {
        type: 'receive',
        from: 'd',
        msg: {
          type: 'ignored_i_have',
          entries: [{ id: 0, handler: H, round: 0, root: 'a' }],
          from: 'd',
        },
      },
      1100,
    );
    const effects = step(s, lazyTick, 60_000);
    expect(ofType(effects, 'metric')).toEqual([]);
    expect(s.outstanding.countFor('d')).toBe(4);
  });

  it('trims a connected peer to the cap once it left farBehindTicks lazy ticks unanswered', () => {
    const s = makeState({ options: { maxOutstandingPerPeer: 2, farBehindTicks: 3 } });
    broadcastN(s, 5);
    step(s, lazyTick, 1000);
    expect(ofType(step(s, lazyTick, 3999), 'metric')).toEqual([]);
    const evicted = ofType(step(s, lazyTick, 4000), 'metric').map((m) => m.metric);
    expect(evicted).toHaveLength(3);
    expect(evicted[0]).toEqual({
      kind: 'outstandingEvicted',
      peer: 'd',
      handler: H,
      reason: 'farBehind',
    });
    expect([...s.outstanding.entriesFor('d')].map((e) => e.id)).toEqual([3, 4]);
  });
});
