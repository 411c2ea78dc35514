import { describe, expect, it } from 'vitest';
import { GraftTiming } from '../../src/broadcast/core/graft-timing.js';
import { type PlumtreeOptions, step, type TimerKey } from '../../src/broadcast/core/index.js';
import { announce, broadcastMsg, entry, makeState, ofType, sent } from './helpers.js';

describe('GraftTiming', () => {
  it('answers the fixed timeout before any round trip was measured', () => {
    const t = new GraftTiming();
    expect(t.timeout(1, 500, 20)).toBe(500);
    expect(t.timeout(2, 250, 20)).toBe(250);
  });

  it('waits twice the retransmission timeout before a first graft and once it before a further one', () => {
    const t = new GraftTiming();
    t.sample(10); // estimate 10, variation 5: RFC 6298 timeout 30
    expect(t.timeout(1, 500, 1)).toBe(60);
    expect(t.timeout(2, 250, 1)).toBe(30);
  });

  it('never waits longer than the fixed timeout nor shorter than the minimum', () => {
    const slow = new GraftTiming();
    slow.sample(400);
    expect(slow.timeout(1, 500, 20)).toBe(500);
    const fast = new GraftTiming();
    fast.sample(0.5);
    expect(fast.timeout(2, 250, 20)).toBe(20);
  });

  it('smooths samples with the gains of RFC 6298', () => {
    const t = new GraftTiming();
    t.sample(10);
    t.sample(20); // variation 0.75*5 + 0.25*10 = 6.25; estimate 11.25
    expect(t.timeout(2, 1000, 0)).toBeCloseTo(11.25 + 4 * 6.25);
  });

  it('samples a payload only from the peer that was grafted', () => {
    const t = new GraftTiming();
    t.sent('k1', 'd', 100);
    expect(t.received('k1', 'b', 105)).toBe(false);
    t.sent('k2', 'd', 100);
    expect(t.received('k2', 'd', 112)).toBe(true);
    expect(t.sampleCount).toBe(1);
    expect(t.timeout(2, 1000, 0)).toBe(12 + 4 * 6);
  });

  it('remembers a bounded number of grafts awaiting their payload', () => {
    const t = new GraftTiming();
    for (let i = 0; i < 1000; i++) t.sent(`k${i}`, 'd', i);
    expect(t.pendingCount).toBe(256);
    expect(t.received('k0', 'd', 2000)).toBe(false);
    expect(t.received('k999', 'd', 1009)).toBe(true);
  });
});

describe('graft timeouts in the core', () => {
  /** Announces m1 from d at 0, grafts it at 500 and gets its payload from d at 500 + rtt. */
  function graftRoundTrip(options: Partial<PlumtreeOptions>, rtt: number) {
    const s = makeState({ options });
    const [armed] = ofType(announce(s, 'd', [entry({ id: 'm1' })], false, 0), 'setTimer');
    const key = armed?.key as TimerKey;
    const asks = ofType(step(s, { type: 'timer', key }, 500), 'isStale');
    const grafts = asks.flatMap((a) =>
      sent(step(s, { type: 'isStaleResult', token: a.token, stale: false }, 500), 'graft'),
    );
    expect(grafts.map(([to]) => to)).toEqual(['d']);
    const payload = broadcastMsg({ id: 'm1', from: 'd', round: 1 });
    const merges = ofType(
      step(s, { type: 'receive', from: 'd', msg: payload }, 500 + rtt),
      'merge',
    );
    for (const m of merges)
      step(s, { type: 'mergeResult', token: m.token, isNew: true }, 500 + rtt);
    return s;
  }

  it('with fitted timeouts, arms the next first graft from the measured round trip', () => {
    const s = graftRoundTrip({ graftTimeouts: 'fitted' }, 10);
    const effects = announce(s, 'd', [entry({ id: 'm2' })], false, 600);
    expect(ofType(effects, 'setTimer')).toMatchObject([{ delayMs: 60 }]);
  });

  it('with fixed timeouts (the default), keeps graftTimeout1 whatever the round trips', () => {
    const s = graftRoundTrip({}, 10);
    const effects = announce(s, 'd', [entry({ id: 'm2' })], false, 600);
    expect(ofType(effects, 'setTimer')).toMatchObject([{ delayMs: 500 }]);
  });

  it('refuses an unknown graft timeout policy', () => {
    expect(() => makeState({ options: { graftTimeouts: 'rtt' as never } })).toThrow(
      /graftTimeouts/,
    );
  });
});
