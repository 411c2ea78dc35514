import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PING_TIMEOUT_MS,
  type LivenessAction,
  type LivenessState,
  livenessDeadline,
  livenessReceived,
  livenessTick,
  startLiveness,
} from '../../src/channels/liveness.js';

/** A 1 s interval and a 3 s timeout, so the figures below read easily. */
const SECOND = { intervalMs: 1000, timeoutMs: 3000 } as const;

describe('liveness', () => {
  it('defaults to a 60 s ping interval and a 180 s timeout (a keepalive, not the detector)', () => {
    const state = startLiveness(0);
    expect(state.intervalMs).toBe(DEFAULT_PING_INTERVAL_MS);
    expect(state.timeoutMs).toBe(DEFAULT_PING_TIMEOUT_MS);
    expect([DEFAULT_PING_INTERVAL_MS, DEFAULT_PING_TIMEOUT_MS]).toEqual([60_000, 180_000]);
  });

  it('waits while the connection has been idle for less than the interval', () => {
    expect(livenessTick(startLiveness(0, SECOND), 999).action).toEqual({ type: 'none' });
  });

  it('pings once the connection has been idle for the interval', () => {
    expect(livenessTick(startLiveness(0, SECOND), 1000).action).toEqual({ type: 'ping', seq: 0 });
  });

  it('pings again each interval while the peer stays silent, with rising seq', () => {
    let state = startLiveness(0, SECOND);
    const actions: LivenessAction[] = [];
    for (const now of [1000, 1500, 2000, 2999]) {
      const tick = livenessTick(state, now);
      state = tick.state;
      actions.push(tick.action);
    }
    expect(actions).toEqual([
      { type: 'ping', seq: 0 },
      { type: 'none' },
      { type: 'ping', seq: 1 },
      { type: 'none' },
    ]);
  });

  it('declares the peer down after the timeout of silence', () => {
    const state = livenessTick(startLiveness(0, SECOND), 1000).state;
    expect(livenessTick(state, 3000).action).toEqual({ type: 'down', silentForMs: 3000 });
  });

  it('never pings a connection on which frames keep arriving', () => {
    let state = startLiveness(0, SECOND);
    for (let now = 0; now < 10_000; now += 400) {
      state = livenessReceived(state, now);
      expect(livenessTick(state, now + 399).action).toEqual({ type: 'none' });
    }
  });

  it('counts any received frame, a pong included, as the peer being alive', () => {
    let state = livenessTick(startLiveness(0, SECOND), 1000).state;
    state = livenessReceived(state, 1200);
    expect(livenessTick(state, 3500).action.type).not.toBe('down');
  });

  it('ignores a frame timestamped before the last one', () => {
    const state = livenessReceived(livenessReceived(startLiveness(0, SECOND), 2000), 1000);
    expect(state.lastReceivedAt).toBe(2000);
  });

  it('gives a deadline at which the next tick acts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant('recv' as const), fc.constant('tick' as const)), {
          maxLength: 20,
        }),
        fc.array(fc.nat(1500), { minLength: 20, maxLength: 20 }),
        (events, gaps) => {
          let state: LivenessState = startLiveness(0, SECOND);
          let now = 0;
          events.forEach((event, i) => {
            now += gaps[i] ?? 0;
            if (event === 'recv') state = livenessReceived(state, now);
            else {
              const tick = livenessTick(state, now);
              if (tick.action.type === 'down') return;
              state = tick.state;
            }
          });
          const deadline = livenessDeadline(state);
          if (deadline > now)
            expect(livenessTick(state, deadline - 1).action).toEqual({ type: 'none' });
          expect(livenessTick(state, Math.max(deadline, now)).action.type).not.toBe('none');
        },
      ),
    );
  });

  it('refuses a timeout not longer than the interval', () => {
    expect(() => startLiveness(0, { intervalMs: 1000, timeoutMs: 1000 })).toThrow(RangeError);
    expect(() => startLiveness(0, { intervalMs: 0 })).toThrow(RangeError);
  });
});

describe('liveness of the watching side', () => {
  it('never pings, since the other side’s pings keep it informed', () => {
    let state = startLiveness(0, SECOND, 'watcher');
    for (const now of [1000, 2000, 2999]) {
      const tick = livenessTick(state, now);
      state = tick.state;
      expect(tick.action).toEqual({ type: 'none' });
    }
  });

  it('declares the peer down after the timeout of silence', () => {
    expect(livenessTick(startLiveness(0, SECOND, 'watcher'), 3000).action).toEqual({
      type: 'down',
      silentForMs: 3000,
    });
  });

  it('wakes only at the timeout', () => {
    expect(livenessDeadline(livenessReceived(startLiveness(0, SECOND, 'watcher'), 500))).toBe(3500);
  });
});
