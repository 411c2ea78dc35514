import { describe, expect, it } from 'vitest';
import {
  broadcastMembers,
  createPlumtreeState,
  getPeers,
  step,
} from '../../src/broadcast/core/index.js';
import { seededRng } from '../../src/util/rng.js';
import { announce, broadcastMsg, deliver, entry, H, makeState, ofType, sorted } from './helpers.js';

describe('update(members)', () => {
  it('adds a new member as eager in the common sets', () => {
    const s = makeState({ options: { newRootSeed: 'common' } });
    step(s, { type: 'update', members: ['a', 'b', 'c', 'd', 'e', 'f'] }, 0);
    expect(broadcastMembers(s)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(getPeers(s, 'anyRoot')).toEqual({ eagers: ['b', 'c', 'f'], lazys: ['d'] });
  });

  it('keeps learned trees and adds the new member as eager to each', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'b', root: 'e' }), false);
    step(s, { type: 'update', members: ['a', 'b', 'c', 'd', 'e', 'f'] }, 0);
    expect(getPeers(s, 'e')).toEqual({ eagers: ['c', 'f'], lazys: ['b', 'd'] });
  });

  it('in reset mode forgets every learned tree, as the reference', () => {
    const s = makeState({ options: { joinMode: 'reset' } });
    deliver(s, broadcastMsg({ from: 'b', root: 'e' }), false);
    step(s, { type: 'update', members: ['a', 'b', 'c', 'd', 'e', 'f'] }, 0);
    expect(getPeers(s, 'e')).toEqual({ eagers: ['b', 'c', 'f'], lazys: ['d'] });
  });

  it('strips a removed member from the membership, the common sets and every tree', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'd', root: 'e' }), true);
    step(s, { type: 'update', members: ['a', 'c', 'd', 'e'] }, 0);
    expect(broadcastMembers(s)).toEqual(['a', 'c', 'd', 'e']);
    expect(getPeers(s, 'e')).toEqual({ eagers: ['c', 'd'], lazys: [] });
    expect(s.sets.commonEagers.has('b')).toBe(false);
  });

  it('keeps the tree rooted at a removed member: under a partial view the root lives on', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'b', root: 'e' }), false);
    step(s, { type: 'update', members: ['a', 'b', 'c', 'd'] }, 0);
    expect(getPeers(s, 'e')).toEqual({ eagers: ['c'], lazys: ['b', 'd'] });
  });

  it('a root that leaves the view and comes back keeps the links its neighbours agree on', () => {
    // Seed the template from another root, so a reseeded tree of e would differ.
    const s = makeState();
    deliver(s, broadcastMsg({ id: 'm0', from: 'c', root: 'f' }), false);
    deliver(s, broadcastMsg({ from: 'd', root: 'e' }), true);
    const before = getPeers(s, 'e');
    step(s, { type: 'update', members: ['a', 'b', 'c', 'd'] }, 0);
    step(s, { type: 'update', members: ['a', 'b', 'c', 'd', 'e'] }, 0);
    expect(getPeers(s, 'e')).toEqual({
      eagers: sorted([...before.eagers, 'e']),
      lazys: before.lazys,
    });
  });

  it('deletes every announcement owed to a removed member', () => {
    const s = makeState();
    step(s, { type: 'localBroadcast', handler: H, id: 'x', payload: 1 }, 0);
    step(s, { type: 'update', members: ['a', 'b', 'c', 'e'] }, 0);
    expect(s.outstanding.countFor('d')).toBe(0);
  });

  it('forgets a removed announcer, cancelling a graft timer left without announcers', () => {
    const s = makeState();
    const [timer] = ofType(announce(s, 'd', [entry()], false), 'setTimer');
    const effects = step(s, { type: 'update', members: ['a', 'b', 'c', 'e'] }, 0);
    expect(ofType(effects, 'cancelTimer')).toEqual([{ type: 'cancelTimer', key: timer?.key }]);
    expect(s.missing.size).toBe(0);
  });

  it('never removes the node itself', () => {
    const s = makeState();
    step(s, { type: 'update', members: ['b', 'c'] }, 0);
    expect(broadcastMembers(s)).toEqual(['a', 'b', 'c']);
  });

  it('ignores peerDown for non-members', () => {
    const s = makeState();
    step(s, { type: 'peerDown', peer: 'zz' }, 0);
    expect(s.down.size).toBe(0);
  });
});

describe('re-linking the ring (documented initial sets)', () => {
  const documented = () =>
    createPlumtreeState({
      node: 'a',
      members: ['a', 'b', 'c', 'd', 'e', 'f'],
      handlers: [H],
      rng: seededRng(3),
    });
  const linked = (s: ReturnType<typeof documented>, p: string) =>
    s.sets.commonEagers.has(p) || s.sets.commonLazys.has(p);

  it('links the next live successor when the successor is removed', () => {
    const s = documented();
    expect(s.sets.commonEagers.has('b')).toBe(true);
    step(s, { type: 'update', members: ['a', 'c', 'd', 'e', 'f'] }, 0);
    expect(linked(s, 'c')).toBe(true);
  });

  it('links the next live successor when the successor goes down', () => {
    const s = documented();
    step(s, { type: 'peerDown', peer: 'b' }, 0);
    expect(linked(s, 'c')).toBe(true);
    expect(s.sets.commonEagers.has('b')).toBe(true);
  });

  it('leaves explicit initial sets alone', () => {
    const s = makeState();
    step(s, { type: 'update', members: ['a', 'c', 'd', 'e'] }, 0);
    expect(sorted([...s.sets.commonEagers, ...s.sets.commonLazys])).toEqual(['c', 'd']);
  });
});
