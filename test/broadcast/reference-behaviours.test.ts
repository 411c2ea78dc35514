import { describe, expect, it } from 'vitest';
import {
  createPlumtreeState,
  getPeers,
  type PlumtreeEffect,
  type PlumtreeOptions,
  type PlumtreeState,
  referencePlumtreeOptions,
  step,
} from '../../src/broadcast/core/index.js';
import { seededRng } from '../../src/util/rng.js';
import { H, ofType, sent } from './helpers.js';

/**
 * Two servers wired by hand: `a` has `b` as its only lazy peer, `b` has `a` eager.
 * Each test moves the messages one by one so the reference's exchange reads in order.
 */
function pair(options: Partial<PlumtreeOptions> = referencePlumtreeOptions) {
  const mk = (node: string, eagers: string[], lazys: string[]) =>
    createPlumtreeState({
      node,
      members: ['a', 'b', 'c'],
      handlers: [H],
      rng: seededRng(1),
      eagers,
      lazys,
      options,
    });
  return { a: mk('a', [], ['b']), b: mk('b', ['a'], []) };
}

/** Delivers every message `from` sent to `to`; returns the effects at `to`. */
function relay(effects: PlumtreeEffect[], from: string, to: PlumtreeState): PlumtreeEffect[] {
  return ofType(effects, 'send')
    .filter((e) => e.to === to.node)
    .flatMap((e) => step(to, { type: 'receive', from, msg: e.msg }, 0));
}

function answerIsStale(s: PlumtreeState, effects: PlumtreeEffect[], stale: boolean) {
  return ofType(effects, 'isStale').flatMap((e) =>
    step(s, { type: 'isStaleResult', token: e.token, stale }, 0),
  );
}

describe('reference behaviours', () => {
  it('a duplicate payload makes the receiver prune the sender for that root', () => {
    const { a, b } = pair();
    const push = step(b, { type: 'localBroadcast', handler: H, id: 'x', payload: 1 }, 0);
    const [merge] = ofType(relay(push, 'b', a), 'merge');
    if (merge === undefined) throw new Error('no merge');
    const answer = step(a, { type: 'mergeResult', token: merge.token, isNew: false }, 0);
    expect(sent(answer, 'prune')).toEqual([['b', { type: 'prune', root: 'b', from: 'a' }]]);
    relay(answer, 'a', b);
    expect(getPeers(b, 'b')).toEqual({ eagers: [], lazys: ['a'] });
  });

  it('an i_have for a stale message gets ignored_i_have, which clears the outstanding entry', () => {
    const { a, b } = pair();
    step(a, { type: 'localBroadcast', handler: H, id: 'x', payload: 1 }, 0);
    expect(a.outstanding.countFor('b')).toBe(1);
    const ignore = answerIsStale(
      b,
      relay(step(a, { type: 'timer', key: { type: 'lazyTick' } }, 0), 'a', b),
      true,
    );
    expect(sent(ignore, 'ignored_i_have')).toHaveLength(1);
    relay(ignore, 'b', a);
    expect(a.outstanding.countFor('b')).toBe(0);
    expect(step(a, { type: 'timer', key: { type: 'lazyTick' } }, 0)).toEqual([]);
  });

  it('a graft answered stale clears the outstanding entry', () => {
    const { a, b } = pair();
    step(a, { type: 'localBroadcast', handler: H, id: 'x', payload: 1 }, 0);
    const graft = answerIsStale(
      b,
      relay(step(a, { type: 'timer', key: { type: 'lazyTick' } }, 0), 'a', b),
      false,
    );
    const [call] = ofType(relay(graft, 'b', a), 'graft');
    if (call === undefined) throw new Error('no graft call');
    step(a, { type: 'graftResult', token: call.token, result: 'stale' }, 0);
    expect(a.outstanding.countFor('b')).toBe(0);
  });

  it('a graft answered {ok} keeps the outstanding entry until the next ignore', () => {
    const { a, b } = pair();
    step(a, { type: 'localBroadcast', handler: H, id: 'x', payload: 1 }, 0);
    const graft = answerIsStale(
      b,
      relay(step(a, { type: 'timer', key: { type: 'lazyTick' } }, 0), 'a', b),
      false,
    );
    expect(getPeers(b, 'a').eagers).toContain('a');
    const [call] = ofType(relay(graft, 'b', a), 'graft');
    if (call === undefined) throw new Error('no graft call');
    const payload = step(a, { type: 'graftResult', token: call.token, result: { ok: 1 } }, 0);
    expect(sent(payload, 'broadcast').map(([to]) => to)).toEqual(['b']);
    expect(getPeers(a, 'a').eagers).toEqual(['b']);
    expect(a.outstanding.countFor('b')).toBe(1);

    const [merge] = ofType(relay(payload, 'a', b), 'merge');
    if (merge === undefined) throw new Error('no merge');
    step(b, { type: 'mergeResult', token: merge.token, isNew: true }, 0);
    const ignore = answerIsStale(
      b,
      relay(step(a, { type: 'timer', key: { type: 'lazyTick' } }, 0), 'a', b),
      true,
    );
    relay(ignore, 'b', a);
    expect(a.outstanding.countFor('b')).toBe(0);
  });

  it('the reference options graft on the first i_have and send one i_have per announcement', () => {
    const { a, b } = pair();
    step(a, { type: 'localBroadcast', handler: H, id: 'x', payload: 1 }, 0);
    step(a, { type: 'localBroadcast', handler: H, id: 'y', payload: 2 }, 0);
    const tick = step(a, { type: 'timer', key: { type: 'lazyTick' } }, 0);
    expect(sent(tick, 'i_have').map(([, m]) => m.entries.length)).toEqual([1, 1]);
    const grafts = answerIsStale(b, relay(tick, 'a', b), false);
    expect(sent(grafts, 'graft')).toHaveLength(2);
  });
});
