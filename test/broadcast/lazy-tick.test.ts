import { describe, expect, it } from 'vitest';
import { step } from '../../src/broadcast/core/index.js';
import { H, makeState, ofType, sent } from './helpers.js';

function broadcastN(s: ReturnType<typeof makeState>, n: number) {
  for (let i = 0; i < n; i++) step(s, { type: 'localBroadcast', handler: H, id: i, payload: i });
}

describe('lazy tick', () => {
  it('sends each peer one i_have carrying all its announcements', () => {
    const s = makeState({ lazys: ['d', 'e'] });
    broadcastN(s, 3);
    const ihaves = sent(step(s, { type: 'lazyTick' }), 'i_have');
    expect(ihaves.map(([to, m]) => [to, m.entries.map((e) => e.id)])).toEqual([
      ['d', [0, 1, 2]],
      ['e', [0, 1, 2]],
    ]);
  });

  it('splits a batch at maxIHaveEntries', () => {
    const s = makeState({ options: { maxIHaveEntries: 2 } });
    broadcastN(s, 5);
    const ihaves = sent(step(s, { type: 'lazyTick' }), 'i_have');
    expect(ihaves.map(([, m]) => m.entries.length)).toEqual([2, 2, 1]);
  });

  it('without batching sends one i_have per announcement', () => {
    const s = makeState({ options: { batchIHaves: false } });
    broadcastN(s, 3);
    expect(sent(step(s, { type: 'lazyTick' }), 'i_have').map(([, m]) => m.entries.length)).toEqual([
      1, 1, 1,
    ]);
  });

  it('repeats announcements every tick until they are acknowledged', () => {
    const s = makeState();
    broadcastN(s, 1);
    expect(sent(step(s, { type: 'lazyTick' }), 'i_have')).toHaveLength(1);
    expect(sent(step(s, { type: 'lazyTick' }), 'i_have')).toHaveLength(1);
    step(s, {
      type: 'receive',
      from: 'd',
      msg: { type: 'ignored_i_have', id: 0, handler: H, round: 0, root: 'a', from: 'd' },
    });
    expect(step(s, { type: 'lazyTick' })).toEqual([]);
  });

  it('skips peers that are down, and includes them again once up', () => {
    const s = makeState({ lazys: ['d', 'e'] });
    broadcastN(s, 1);
    step(s, { type: 'peerDown', peer: 'd' });
    expect(sent(step(s, { type: 'lazyTick' }), 'i_have').map(([to]) => to)).toEqual(['e']);
    step(s, { type: 'peerUp', peer: 'd' });
    expect(sent(step(s, { type: 'lazyTick' }), 'i_have').map(([to]) => to)).toEqual(['d', 'e']);
  });

  it('keeps announcing to a down peer later: its entries are kept meanwhile', () => {
    const s = makeState();
    step(s, { type: 'peerDown', peer: 'd' });
    broadcastN(s, 2);
    expect(s.outstanding.countFor('d')).toBe(2);
  });
});

describe('outstanding cap', () => {
  it('evicts the oldest announcement beyond maxOutstandingPerPeer and counts it', () => {
    const s = makeState({ options: { maxOutstandingPerPeer: 2 } });
    broadcastN(s, 2);
    const effects = step(s, { type: 'localBroadcast', handler: H, id: 'late', payload: 0 });
    expect(ofType(effects, 'metric').map((m) => m.metric)).toEqual([
      { kind: 'outstandingEvicted', peer: 'd', handler: H },
    ]);
    expect([...s.outstanding.entriesFor('d')].map((e) => e.id)).toEqual([1, 'late']);
  });
});
