import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ProbeAction,
  type ProbeState,
  probeTick,
  probeVouched,
  startProbes,
} from '../../src/channels/probe-schedule.js';
import { seededRng } from '../../src/util/rng.js';

const OPTIONS = { periodMs: 1000, ackTimeoutMs: 300, indirectProbes: 2 } as const;
const peersOf = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);

/** Runs the detector from 0 to `until`, ticking at every deadline it asks for. */
function run(
  peers: readonly string[],
  until: number,
  heard: (peer: string, now: number) => number = () => Number.NEGATIVE_INFINITY,
  seed = 1,
): { actions: (ProbeAction & { at: number })[]; ticks: number; state: ProbeState } {
  const rng = seededRng(seed);
  let state = startProbes(0, OPTIONS);
  let at: number | undefined = state.nextPeriodAt;
  const actions: (ProbeAction & { at: number })[] = [];
  let ticks = 0;
  while (at !== undefined && at <= until) {
    const now = at;
    const step = probeTick(state, { now, peers, lastHeardAt: (p) => heard(p, now) }, rng);
    ticks++;
    state = step.state;
    for (const a of step.actions) actions.push({ ...a, at: now });
    at = step.nextAt;
  }
  return { actions, ticks, state };
}

describe('probeTick', () => {
  it('pings at most one peer per period, however many peers there are', () => {
    for (const n of [2, 8, 32, 200]) {
      const { actions } = run(peersOf(n), 20_000);
      const pings = actions.filter((a) => a.type === 'ping');
      expect({ n, pings: pings.length }).toEqual({ n, pings: 20 });
    }
  });

  it('probes every peer once in each pass of as many periods as there are peers', () => {
    const peers = peersOf(8);
    // each peer answers its ping at once
    const answered = new Map<string, number>();
    const rng = seededRng(3);
    let state = startProbes(0, OPTIONS);
    const pinged: string[] = [];
    for (let now = 1000; now <= 8000; now += 1000) {
      const step = probeTick(
        state,
        { now, peers, lastHeardAt: (p) => answered.get(p) ?? Number.NEGATIVE_INFINITY },
        rng,
      );
      state = step.state;
      for (const a of step.actions) {
        if (a.type === 'ping') {
          pinged.push(a.peer);
          answered.set(a.peer, now);
        }
      }
    }
    expect([...pinged].sort()).toEqual([...peers].sort());
  });

  it('asks other peers to probe a target that has not answered after the ack timeout', () => {
    const { actions } = run(peersOf(5), 1300);
    const ping = actions.find((a) => a.type === 'ping');
    const reqs = actions.filter((a) => a.type === 'pingReq');
    expect(reqs).toHaveLength(2);
    for (const r of reqs) {
      expect(r).toMatchObject({ at: 1300, target: ping?.type === 'ping' ? ping.peer : '' });
      expect(r.type === 'pingReq' && r.via).not.toBe(r.type === 'pingReq' && r.target);
    }
  });

  it('declares a target silent when neither it nor a helper answered within the period', () => {
    const { actions } = run(peersOf(4), 2000);
    const ping = actions.find((a) => a.type === 'ping');
    const silent = actions.find((a) => a.type === 'silent');
    expect(silent).toMatchObject({ at: 2000, peer: ping?.type === 'ping' ? ping.peer : '' });
  });

  it('does not declare silent a target a helper vouched for', () => {
    const rng = seededRng(1);
    const peers = peersOf(4);
    const view = (now: number) => ({ now, peers, lastHeardAt: () => Number.NEGATIVE_INFINITY });
    let step = probeTick(startProbes(0, OPTIONS), view(1000), rng);
    const target = (step.actions[0] as { peer: string }).peer;
    step = probeTick(step.state, view(1300), rng);
    const state = probeVouched(step.state, target);
    step = probeTick(state, view(2000), rng);
    expect(step.actions.filter((a) => a.type === 'silent')).toEqual([]);
  });

  it('does not probe a peer heard from within the last period', () => {
    const { actions } = run(peersOf(6), 10_000, (_p, now) => now - 10);
    expect(actions).toEqual([]);
  });

  it('arms no timer when there is no peer', () => {
    const step = probeTick(
      startProbes(0, OPTIONS),
      { now: 1000, peers: [], lastHeardAt: () => 0 },
      seededRng(1),
    );
    expect(step).toMatchObject({ actions: [], nextAt: undefined });
  });

  it('ticks at most twice per period while probing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer(), (n, seed) => {
        const { ticks } = run(peersOf(n), 10_000, () => Number.NEGATIVE_INFINITY, seed);
        return ticks <= 2 * 10 + 1;
      }),
    );
  });

  it('refuses an ack timeout that does not fit in the period', () => {
    expect(() => startProbes(0, { periodMs: 100, ackTimeoutMs: 100 })).toThrow(RangeError);
  });

  it('starts aligned periods at the wall-clock multiples of the period at least half a period away', () => {
    // this clock reads 0 at wall-clock 10 250 ms
    const state = startProbes(0, OPTIONS, 10_250);
    expect(state.nextPeriodAt + 10_250).toBe(11_000);
    const peers = peersOf(4);
    const step = probeTick(
      state,
      { now: state.nextPeriodAt + 3, peers, lastHeardAt: () => Number.NEGATIVE_INFINITY },
      seededRng(1),
    );
    // a late tick does not push the next period back
    expect(step.state.nextPeriodAt + 10_250).toBe(12_000);
  });

  it('pings at most one peer per aligned period', () => {
    const rng = seededRng(2);
    const peers = peersOf(8);
    let state = startProbes(0, OPTIONS, 777);
    let at: number | undefined = state.nextPeriodAt;
    let pings = 0;
    while (at !== undefined && at <= 20_000) {
      const now = at;
      const step = probeTick(state, { now, peers, lastHeardAt: () => now - 5_000 }, rng);
      pings += step.actions.filter((a) => a.type === 'ping').length;
      state = step.state;
      at = step.nextAt;
    }
    expect(pings).toBeLessThanOrEqual(20);
    expect(pings).toBeGreaterThanOrEqual(19);
  });
});
