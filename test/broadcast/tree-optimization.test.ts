import { describe, expect, it } from 'vitest';
import { getPeers, step } from '../../src/broadcast/core/index.js';
import { announce, broadcastMsg, deliver, entry, makeState, ofType, sent } from './helpers.js';

describe('tree optimisation (paper 3.8)', () => {
  it('swaps the eager link for a lazy one announcing a round smaller by more than the threshold', () => {
    const s = makeState({ options: { optimizationThreshold: 2 } });
    deliver(s, broadcastMsg({ from: 'b', round: 6 }), true);
    const effects = announce(s, 'd', [entry({ round: 3 })], true);
    expect(sent(effects, 'graft')).toEqual([
      [
        'd',
        { type: 'graft', id: 'm1', handler: 'kv', round: 3, root: 'e', from: 'a', linkOnly: true },
      ],
    ]);
    expect(sent(effects, 'prune')).toEqual([['b', { type: 'prune', root: 'e', from: 'a' }]]);
    expect(getPeers(s, 'e')).toEqual({ eagers: ['c', 'd'], lazys: ['b'] });
    expect(ofType(effects, 'metric').map((m) => m.metric)).toEqual([
      { kind: 'treeOptimized', root: 'e', grafted: 'd', pruned: 'b' },
    ]);
  });

  it('still acknowledges the announcement it optimised on', () => {
    const s = makeState({ options: { optimizationThreshold: 2 } });
    deliver(s, broadcastMsg({ from: 'b', round: 6 }), true);
    expect(sent(announce(s, 'd', [entry({ round: 3 })], true), 'ignored_i_have')).toHaveLength(1);
  });

  it('leaves the tree alone when the gain is not above the threshold', () => {
    const s = makeState({ options: { optimizationThreshold: 3 } });
    deliver(s, broadcastMsg({ from: 'b', round: 6 }), true);
    const effects = announce(s, 'd', [entry({ round: 3 })], true);
    expect(sent(effects, 'graft')).toEqual([]);
    expect(getPeers(s, 'e').eagers).toContain('b');
  });

  it('swaps at most once per message for equally short announcements', () => {
    const s = makeState({ options: { optimizationThreshold: 1 } });
    deliver(s, broadcastMsg({ from: 'b', round: 6 }), true);
    announce(s, 'd', [entry({ round: 2 })], true);
    expect(sent(announce(s, 'e', [entry({ round: 2 })], true), 'graft')).toEqual([]);
  });

  it('does nothing when switched off', () => {
    const s = makeState({ options: { treeOptimization: false } });
    deliver(s, broadcastMsg({ from: 'b', round: 9 }), true);
    expect(sent(announce(s, 'd', [entry({ round: 0 })], true), 'graft')).toEqual([]);
  });

  it('also swaps at delivery for an announcement that arrived before the eager copy', () => {
    const s = makeState({ options: { optimizationThreshold: 1 } });
    announce(s, 'd', [entry({ round: 1 })], false);
    const effects = deliver(s, broadcastMsg({ from: 'b', round: 5 }), true);
    expect(sent(effects, 'graft').map(([to, m]) => [to, m.linkOnly])).toEqual([['d', true]]);
    expect(sent(effects, 'prune').map(([to]) => to)).toEqual(['b']);
  });

  it('does not swap after the round of the message was forgotten (bounded memory)', () => {
    const s = makeState({ options: { optimizationThreshold: 1, roundCacheSize: 1 } });
    deliver(s, broadcastMsg({ id: 'old', from: 'b', round: 6 }), true);
    deliver(s, broadcastMsg({ id: 'new', from: 'c', round: 0 }), true);
    expect(sent(announce(s, 'd', [entry({ id: 'old', round: 0 })], true), 'graft')).toEqual([]);
    expect(s.recent.size).toBe(1);
  });

  it('a graft timer for a message delivered meanwhile grafts nobody', () => {
    const s = makeState();
    const [timer] = ofType(announce(s, 'd', [entry()], false), 'setTimer');
    deliver(s, broadcastMsg(), true);
    if (timer === undefined) throw new Error('no graft timer armed');
    expect(step(s, { type: 'timer', key: timer.key }, 0)).toEqual([]);
  });
});
