import { describe, expect, it } from 'vitest';
import {
  broadcastMembers,
  getEagerPeers,
  getLazyPeers,
  getPeers,
  isConnected,
  outstandingCount,
  outstandingFor,
  step,
} from '../../src/broadcast/core/index.js';
import { H, makeState } from './helpers.js';

describe('queries', () => {
  it('broadcastMembers lists every member, self included, sorted', () => {
    const s = makeState({ node: 'c', members: ['e', 'a', 'd', 'b'], eagers: ['a'], lazys: ['b'] });
    expect(broadcastMembers(s)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('getPeers, getEagerPeers and getLazyPeers agree and are sorted', () => {
    const s = makeState({ eagers: ['c', 'b'], lazys: ['e', 'd'] });
    expect(getPeers(s, 'x')).toEqual({ eagers: ['b', 'c'], lazys: ['d', 'e'] });
    expect(getEagerPeers(s, 'x')).toEqual(['b', 'c']);
    expect(getLazyPeers(s, 'x')).toEqual(['d', 'e']);
  });

  it('getPeers of an unseen root creates no tree', () => {
    const s = makeState();
    getPeers(s, 'x');
    expect(s.sets.hasTree('x')).toBe(false);
  });

  it('outstanding counts and lists what is owed', () => {
    const s = makeState({ lazys: ['d', 'e'] });
    step(s, { type: 'localBroadcast', handler: H, id: 'x', payload: 0 }, 0);
    expect(outstandingCount(s)).toBe(2);
    expect(outstandingFor(s, 'e')).toEqual([{ id: 'x', handler: H, round: 0, root: 'a' }]);
  });

  it('isConnected follows peerUp and peerDown', () => {
    const s = makeState();
    expect(isConnected(s, 'b')).toBe(true);
    step(s, { type: 'peerDown', peer: 'b' }, 0);
    expect(isConnected(s, 'b')).toBe(false);
    step(s, { type: 'peerUp', peer: 'b' }, 0);
    expect(isConnected(s, 'b')).toBe(true);
    expect(isConnected(s, 'a')).toBe(false);
  });
});
