import { describe, expect, it } from 'vitest';
import { randomFaults, scriptedFaults } from '../../src/sim/faults.js';
import { DuplicateNodeError, SimNetwork, type SimNode } from '../../src/sim/network.js';
import { seededRng } from '../../src/util/rng.js';

/** A node that records what reaches it, with the time. */
class Recorder implements SimNode<string> {
  readonly got: [number, string, string][] = [];
  readonly timers: [number, string][] = [];
  constructor(
    readonly name: string,
    private readonly net: SimNetwork<string>,
  ) {}
  receive(from: string, msg: string): void {
    this.got.push([this.net.now, from, msg]);
  }
  timer(key: string): void {
    this.timers.push([this.net.now, key]);
  }
}

function net(options: Partial<ConstructorParameters<typeof SimNetwork<string>>[0]> = {}) {
  const n = new SimNetwork<string>({ rng: seededRng(9), latency: { min: 5, max: 50 }, ...options });
  const a = new Recorder('a', n);
  const b = new Recorder('b', n);
  n.add(a);
  n.add(b);
  return { n, a, b };
}

describe('SimNetwork', () => {
  it('delivers after the link latency, drawn once per pair within the range', () => {
    const { n, b, a } = net();
    n.send('a', 'b', 'm1');
    n.runFor(100);
    n.send('b', 'a', 'm2');
    n.runFor(100);
    const l = n.latencyBetween('a', 'b');
    expect(l).toBeGreaterThanOrEqual(5);
    expect(l).toBeLessThanOrEqual(50);
    expect(b.got).toEqual([[l, 'a', 'm1']]);
    expect(a.got).toEqual([[100 + l, 'b', 'm2']]);
  });

  it('keeps messages on one link in order without jitter', () => {
    const { n, b } = net();
    for (let i = 0; i < 20; i++) n.send('a', 'b', `m${i}`);
    n.runFor(100);
    expect(b.got.map(([, , m]) => m)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
  });

  it('replays the same run for the same seed', () => {
    const run = () => {
      const { n, b } = net({
        faults: randomFaults({ loss: 0.2, duplicate: 0.2, jitterMs: 30 }, seededRng(3)),
      });
      for (let i = 0; i < 50; i++) n.send('a', 'b', `m${i}`);
      n.runFor(1000);
      return b.got;
    };
    expect(run()).toEqual(run());
  });

  it('jitter can reorder messages on a link', () => {
    const { n, b } = net({ faults: randomFaults({ jitterMs: 100 }, seededRng(5)) });
    for (let i = 0; i < 30; i++) n.send('a', 'b', `${i}`);
    n.runFor(1000);
    const order = b.got.map(([, , m]) => Number(m));
    expect(order).toHaveLength(30);
    expect(order).not.toEqual([...order].sort((x, y) => x - y));
  });

  it('scripted faults drop and duplicate exactly the listed sends', () => {
    const { n, b } = net({ faults: scriptedFaults({ drop: [1], duplicate: [2] }, seededRng(1)) });
    for (const m of ['m0', 'm1', 'm2']) n.send('a', 'b', m);
    n.runFor(100);
    expect(b.got.map(([, , m]) => m)).toEqual(['m0', 'm2', 'm2']);
    expect(n.stats).toMatchObject({ sent: 3, dropped: 1, duplicated: 1, delivered: 3 });
  });

  it('a crashed node receives nothing, sends nothing and loses its timers', () => {
    const { n, a, b } = net();
    n.send('a', 'b', 'in flight');
    n.setTimer('b', 't', 10);
    n.crash('b');
    n.send('b', 'a', 'from the dead');
    n.runFor(100);
    expect(b.got).toEqual([]);
    expect(b.timers).toEqual([]);
    expect(a.got).toEqual([]);
    expect(n.stats.lostToCrash).toBe(1);
    expect(n.aliveNames()).toEqual(['a']);
  });

  it('messages a node sent before crashing still arrive', () => {
    const { n, a } = net();
    n.send('b', 'a', 'last words');
    n.crash('b');
    n.runFor(100);
    expect(a.got.map(([, , m]) => m)).toEqual(['last words']);
  });

  it('a restarted node does not get messages addressed to its previous incarnation', () => {
    const { n } = net();
    n.send('a', 'b', 'old');
    n.crash('b');
    const b2 = new Recorder('b', n);
    n.add(b2);
    n.send('a', 'b', 'new');
    n.runFor(100);
    expect(b2.got.map(([, , m]) => m)).toEqual(['new']);
  });

  it('counts only the live incarnation of a name as current', () => {
    const { n, b } = net();
    expect(n.isCurrent(b)).toBe(true);
    n.crash('b');
    expect(n.isCurrent(b)).toBe(false);
    const b2 = new Recorder('b', n);
    n.add(b2);
    expect([n.isCurrent(b), n.isCurrent(b2)]).toEqual([false, true]);
  });

  it('delivers to a name added after the send, as to any other', () => {
    const { n } = net();
    n.send('a', 'late', 'early');
    const late = new Recorder('late', n);
    n.add(late);
    n.runFor(100);
    expect(late.got.map(([, , m]) => m)).toEqual(['early']);
  });

  it('refuses a second live node with the same name', () => {
    const { n } = net();
    expect(() => n.add(new Recorder('a', n))).toThrow(DuplicateNodeError);
  });

  it('fires timers at their time; re-arming replaces and cancelling disarms', () => {
    const { n, a } = net();
    n.setTimer('a', 'x', 10);
    n.setTimer('a', 'x', 30);
    n.setTimer('a', 'y', 20);
    n.setTimer('a', 'z', 5);
    n.cancelTimer('a', 'z');
    n.runFor(100);
    expect(a.timers).toEqual([
      [20, 'y'],
      [30, 'x'],
    ]);
  });

  it('runs scripted actions at their time and leaves the clock at the end of the run', () => {
    const { n } = net();
    const seen: number[] = [];
    n.at(40, () => seen.push(n.now));
    n.after(10, () => seen.push(n.now));
    n.runUntil(25);
    expect(seen).toEqual([10]);
    expect(n.now).toBe(25);
    n.runFor(100);
    expect(seen).toEqual([10, 40]);
  });
});

describe('SimNetwork with transmission times', () => {
  it('serialises sends per directed link, each leaving once the previous one is transmitted', () => {
    const { n, a, b } = net({ latency: { min: 5, max: 5 }, transmissionMs: () => 10 });
    n.send('a', 'b', 'm1');
    n.send('a', 'b', 'm2');
    n.send('b', 'a', 'back');
    n.runFor(100);
    expect(b.got).toEqual([
      [15, 'a', 'm1'],
      [25, 'a', 'm2'],
    ]);
    expect(a.got).toEqual([[15, 'b', 'back']]);
  });
});
