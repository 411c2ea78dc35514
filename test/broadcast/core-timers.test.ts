import { describe, expect, it } from 'vitest';
import { graftTimer, step, type TimerKey, timerId } from '../../src/broadcast/core/index.js';
import { announce, entry, H, makeState, ofType } from './helpers.js';

const lazyTick = { type: 'timer', key: { type: 'lazyTick' } } as const;

function armed(effects: ReturnType<typeof step>): [TimerKey, number][] {
  return ofType(effects, 'setTimer').map((e) => [e.key, e.delayMs]);
}

describe('core timers', () => {
  it('timerId names each timer uniquely', () => {
    const ids = [
      timerId({ type: 'lazyTick' }),
      timerId({ type: 'exchangeTick' }),
      timerId(graftTimer('a')),
      timerId(graftTimer('b')),
    ];
    expect(new Set(ids).size).toBe(4);
    expect(timerId(graftTimer('a'))).toBe(timerId({ type: 'graft', key: 'a' }));
  });

  it('start arms the exchange tick, and no lazy tick while nothing is owed', () => {
    const s = makeState();
    expect(armed(step(s, { type: 'start' }, 100))).toEqual([[{ type: 'exchangeTick' }, 10_000]]);
  });

  it('the exchange tick re-arms itself every exchangeTickPeriod', () => {
    const s = makeState();
    step(s, { type: 'start', exchangePhaseMs: 3 }, 0);
    const effects = step(s, { type: 'timer', key: { type: 'exchangeTick' } }, 3);
    expect(armed(effects)).toEqual([[{ type: 'exchangeTick' }, 10_000]]);
  });

  it('the first announcement owed arms the lazy tick at its next slot on the grid', () => {
    const s = makeState();
    step(s, { type: 'start', lazyPhaseMs: 200 }, 0);
    const effects = step(s, { type: 'localBroadcast', handler: H, id: 1, payload: 1 }, 1500);
    expect(armed(effects)).toEqual([[{ type: 'lazyTick' }, 700]]);
    // Already armed: a second announcement arms nothing.
    expect(armed(step(s, { type: 'localBroadcast', handler: H, id: 2, payload: 2 }, 1600))).toEqual(
      [],
    );
  });

  it('the lazy tick re-arms while announcements are owed, and stops once all are acknowledged', () => {
    const s = makeState();
    step(s, { type: 'start' }, 0);
    step(s, { type: 'localBroadcast', handler: H, id: 1, payload: 1 }, 0);
    expect(armed(step(s, lazyTick, 1000))).toEqual([[{ type: 'lazyTick' }, 1000]]);
    step(
      s,
      {
        type: 'receive',
        from: 'd',
        msg: {
          type: 'ignored_i_have',
          entries: [{ id: 1, handler: H, round: 0, root: 'a' }],
          from: 'd',
        },
      },
      1100,
    );
    expect(step(s, lazyTick, 2000)).toEqual([]);
  });

  it('start arms the lazy tick at once for announcements a previous incarnation left owed', () => {
    const first = makeState();
    step(first, { type: 'localBroadcast', handler: H, id: 1, payload: 1 }, 0);
    const restarted = makeState({ outstanding: first.outstanding });
    const effects = step(restarted, { type: 'start', lazyPhaseMs: 50 }, 0);
    expect(armed(effects)).toContainEqual([{ type: 'lazyTick' }, 50]);
  });

  it('arms no tick before start, so a core driven by hand sees only its events', () => {
    const s = makeState();
    const effects = step(s, { type: 'localBroadcast', handler: H, id: 1, payload: 1 }, 0);
    expect(armed(effects)).toEqual([]);
  });

  it('a clock going backwards counts as the previous time', () => {
    const s = makeState();
    step(s, { type: 'peerUp', peer: 'b' }, 500);
    step(s, { type: 'peerUp', peer: 'b' }, 100);
    step(s, { type: 'peerUp', peer: 'b' }, Number.NaN);
    expect(s.now).toBe(500);
  });

  it('a graft timer is keyed by the missing message', () => {
    const s = makeState();
    const [set] = ofType(announce(s, 'd', [entry({ id: 'x' })], false), 'setTimer');
    expect(set?.key).toEqual({ type: 'graft', key: s.options.messageKey(H, 'x') });
  });
});
