import { describe, expect, it } from 'vitest';
import {
  getPeers,
  type PlumtreeEffect,
  step,
  type TimerKey,
} from '../../src/broadcast/core/index.js';
import { announce, broadcastMsg, deliver, entry, H, makeState, ofType, sent } from './helpers.js';

const immediate = { delayedGraft: false, treeOptimization: false } as const;

function fireGraftTimer(s: ReturnType<typeof makeState>, key: TimerKey, stale = false) {
  const asks = ofType(step(s, { type: 'timer', key }, 0), 'isStale');
  return asks.flatMap((ask) => step(s, { type: 'isStaleResult', token: ask.token, stale }, 0));
}

function timerKeyOf(effects: PlumtreeEffect[]): TimerKey {
  const set = ofType(effects, 'setTimer')[0];
  if (set === undefined) throw new Error('no timer armed');
  return set.key;
}

describe('receiving i_have', () => {
  it('asks isStale once per announcement of a batch', () => {
    const s = makeState();
    const entries = [entry({ id: 1 }), entry({ id: 2 }), entry({ id: 3 })];
    const effects = step(
      s,
      {
        type: 'receive',
        from: 'd',
        msg: { type: 'i_have', entries, from: 'd' },
      },
      0,
    );
    expect(ofType(effects, 'isStale').map((e) => e.id)).toEqual([1, 2, 3]);
  });

  it('answers ignored_i_have for a stale announcement', () => {
    const s = makeState();
    const effects = announce(s, 'd', [entry({ round: 2 })], true);
    expect(sent(effects, 'ignored_i_have')).toEqual([
      [
        'd',
        {
          type: 'ignored_i_have',
          entries: [{ id: 'm1', handler: H, round: 2, root: 'e' }],
          from: 'a',
        },
      ],
    ]);
    expect(sent(effects, 'graft')).toEqual([]);
  });

  it('without delayed grafts, grafts the announcer at once and makes it eager', () => {
    const s = makeState({ options: immediate });
    const effects = announce(s, 'd', [entry({ round: 2 })], false);
    expect(sent(effects, 'graft')).toEqual([
      [
        'd',
        { type: 'graft', id: 'm1', handler: H, round: 2, root: 'e', from: 'a', linkOnly: false },
      ],
    ]);
    expect(getPeers(s, 'e').eagers).toContain('d');
  });

  it('with delayed grafts, waits graftTimeout1 before grafting', () => {
    const s = makeState({ options: { graftTimeout1: 700 } });
    const effects = announce(s, 'd', [entry()], false);
    expect(sent(effects, 'graft')).toEqual([]);
    expect(ofType(effects, 'setTimer')).toMatchObject([{ delayMs: 700 }]);
    expect(getPeers(s, 'e').eagers).not.toContain('d');
  });

  it('with delayed grafts, grafts only the first announcer when the timer fires', () => {
    const s = makeState({ options: { graftTimeout2: 500 } });
    const key = timerKeyOf(announce(s, 'd', [entry({ round: 3 })], false));
    announce(s, 'e', [entry({ round: 1 })], false);
    const effects = fireGraftTimer(s, key);
    expect(sent(effects, 'graft').map(([to, m]) => [to, m.round])).toEqual([['d', 3]]);
    expect(getPeers(s, 'e').eagers).toContain('d');
    expect(ofType(effects, 'setTimer')).toMatchObject([{ key, delayMs: 500 }]);
  });

  it('grafts the next announcer after graftTimeout2 if the payload is still missing', () => {
    const s = makeState();
    const key = timerKeyOf(announce(s, 'd', [entry()], false));
    announce(s, 'e', [entry()], false);
    fireGraftTimer(s, key);
    const effects = fireGraftTimer(s, key);
    expect(sent(effects, 'graft').map(([to]) => to)).toEqual(['e']);
    expect(ofType(effects, 'setTimer')).toEqual([]);
    expect(s.missing.size).toBe(0);
  });

  it('asks isStale again when the timer fires and grafts nobody if the payload came another way', () => {
    const s = makeState();
    const key = timerKeyOf(announce(s, 'd', [entry()], false));
    const effects = fireGraftTimer(s, key, true);
    expect(sent(effects, 'graft')).toEqual([]);
    expect(s.missing.size).toBe(0);
  });

  it('cancels the graft timer and forgets the announcers when the payload arrives', () => {
    const s = makeState();
    const key = timerKeyOf(announce(s, 'd', [entry()], false));
    const effects = deliver(s, broadcastMsg({ from: 'b' }), true);
    expect(ofType(effects, 'cancelTimer')).toEqual([{ type: 'cancelTimer', key }]);
    expect(fireGraftTimer(s, key)).toEqual([]);
  });

  it('remembers a repeated announcer once', () => {
    const s = makeState();
    const key = timerKeyOf(announce(s, 'd', [entry()], false));
    expect(ofType(announce(s, 'd', [entry()], false), 'setTimer')).toEqual([]);
    const effects = fireGraftTimer(s, key);
    expect(sent(effects, 'graft').map(([to]) => to)).toEqual(['d']);
    // No second announcer to wait for.
    expect(ofType(effects, 'setTimer')).toEqual([]);
  });

  it('keeps at most maxAnnouncersPerMessage announcers', () => {
    const s = makeState({ options: { maxAnnouncersPerMessage: 2 } });
    const key = timerKeyOf(announce(s, 'b', [entry()], false));
    announce(s, 'c', [entry()], false);
    announce(s, 'd', [entry()], false);
    const grafted = [fireGraftTimer(s, key), fireGraftTimer(s, key), fireGraftTimer(s, key)].map(
      (effects) => sent(effects, 'graft').map(([to]) => to),
    );
    expect(grafted).toEqual([['b'], ['c'], []]);
  });

  it('drops the oldest missing message beyond maxMissing, cancelling its timer', () => {
    const s = makeState({ options: { maxMissing: 1 } });
    const key1 = timerKeyOf(announce(s, 'd', [entry({ id: 1 })], false));
    const effects = announce(s, 'd', [entry({ id: 2 })], false);
    expect(ofType(effects, 'cancelTimer')).toEqual([{ type: 'cancelTimer', key: key1 }]);
    expect(ofType(effects, 'metric').map((m) => m.metric.kind)).toEqual(['missingEvicted']);
    expect(s.missing.size).toBe(1);
  });

  it('ignores announcements for an unregistered handler', () => {
    const s = makeState();
    const effects = step(
      s,
      {
        type: 'receive',
        from: 'd',
        msg: { type: 'i_have', entries: [entry({ handler: 'nope' })], from: 'd' },
      },
      0,
    );
    expect(ofType(effects, 'isStale')).toEqual([]);
    expect(ofType(effects, 'metric')[0]?.metric.kind).toBe('unknownHandlerDropped');
  });

  it('treats an isStale that threw as not stale, and logs it', () => {
    const s = makeState({ options: immediate });
    const [ask] = ofType(
      step(
        s,
        {
          type: 'receive',
          from: 'd',
          msg: { type: 'i_have', entries: [entry()], from: 'd' },
        },
        0,
      ),
      'isStale',
    );
    if (ask === undefined) throw new Error('no isStale');
    const effects = step(s, { type: 'isStaleFailed', token: ask.token, error: new Error('x') }, 0);
    expect(sent(effects, 'graft').map(([to]) => to)).toEqual(['d']);
    expect(ofType(effects, 'log')).toHaveLength(1);
  });
});

describe('receiving ignored_i_have', () => {
  it('acknowledges the announcement owed to that peer only', () => {
    const s = makeState({ lazys: ['d', 'e'] });
    step(s, { type: 'localBroadcast', handler: H, id: 'x', payload: 1 }, 0);
    step(
      s,
      {
        type: 'receive',
        from: 'd',
        msg: {
          type: 'ignored_i_have',
          entries: [{ id: 'x', handler: H, round: 0, root: 'a' }],
          from: 'd',
        },
      },
      0,
    );
    expect(s.outstanding.countFor('d')).toBe(0);
    expect(s.outstanding.countFor('e')).toBe(1);
  });
});

describe('graft postponed while the eager parent is busy', () => {
  const at = (s: ReturnType<typeof makeState>, t: number, key: TimerKey) =>
    step(s, { type: 'timer', key }, t);

  function busyParent() {
    const s = makeState();
    // b delivers a payload of e's tree at 400; d announces another one at 0.
    const key = timerKeyOf(announce(s, 'd', [entry({ id: 'queued' })], false));
    step(s, { type: 'receive', from: 'b', msg: broadcastMsg({ id: 'x' }) }, 400);
    step(s, { type: 'mergeResult', token: broadcastMsg({ id: 'x' }), isNew: true }, 400);
    return { s, key };
  }

  it('re-arms the graft timer instead of grafting while the parent pushed within graftTimeout1', () => {
    const { s, key } = busyParent();
    const effects = at(s, 500, key);
    expect(ofType(effects, 'isStale')).toEqual([]);
    expect(ofType(effects, 'setTimer')).toEqual([{ type: 'setTimer', key, delayMs: 250 }]);
  });

  it('grafts once the parent has been silent for graftTimeout1', () => {
    const { s, key } = busyParent();
    expect(ofType(at(s, 900, key), 'isStale')).toHaveLength(1);
  });

  it('grafts a parent that is down at once', () => {
    const { s, key } = busyParent();
    step(s, { type: 'peerDown', peer: 'b' }, 450);
    expect(ofType(at(s, 500, key), 'isStale')).toHaveLength(1);
  });

  it('grafts after maxGraftPostpone even while the parent keeps pushing', () => {
    const { s, key } = busyParent();
    step(s, { type: 'mergeResult', token: broadcastMsg({ id: 'y' }), isNew: true }, 4900);
    expect(ofType(at(s, 5000, key), 'isStale')).toHaveLength(1);
  });
});
