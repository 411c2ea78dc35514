import { describe, expect, it } from 'vitest';
import { dispatch, start, stop } from '../../src/actors/index.js';
import { renderPrometheus } from '../../src/admin/prometheus.js';
import { frameWeight, InboxBound } from '../../src/broadcast/inbox-bound.js';
import { spawnBroadcastServer } from '../../src/broadcast/index.js';
import { MetricsRegistry } from '../../src/metrics/index.js';
import { eventually } from '../support/actors.js';
import { setHandler } from '../support/memory-broadcast.js';

function filled(limit: number): { bound: InboxBound; shed: string[] } {
  const bound = new InboxBound(limit);
  const shed: string[] = [];
  bound.onShed = () => void shed.push('shed');
  for (let i = 0; i < limit; i++) expect(bound.admit('broadcast')).toBe(true);
  return { bound, shed };
}

describe('inbox bound', () => {
  it('admits frames up to the limit', () => {
    const { bound, shed } = filled(3);
    expect(bound.size).toBe(3);
    expect(shed).toEqual([]);
  });

  it('sheds eager copies and announcements past the limit, and tells of each', () => {
    const { bound, shed } = filled(2);
    expect(bound.admit('broadcast')).toBe(false);
    expect(bound.admit('i_have')).toBe(false);
    expect(shed).toHaveLength(2);
    expect(bound.size).toBe(2);
  });

  it('never sheds prunes, grafts or acknowledgements, which carry tree state', () => {
    const { bound, shed } = filled(1);
    for (const type of ['prune', 'graft', 'ignored_i_have']) expect(bound.admit(type)).toBe(true);
    expect(shed).toEqual([]);
  });

  it('admits again once the server has taken frames off its mailbox', () => {
    const { bound } = filled(1);
    bound.taken();
    expect(bound.admit('broadcast')).toBe(true);
  });

  it('starts over at zero for a restarted server, whose mailbox is empty', () => {
    const { bound } = filled(2);
    bound.reset();
    expect(bound.size).toBe(0);
    expect(bound.admit('i_have')).toBe(true);
  });

  it('weighs a frame as one plus the announcements it carries', () => {
    const entries = Array.from({ length: 256 }, (_, i) => ({ id: i }));
    expect(frameWeight({ type: 'i_have', entries })).toBe(257);
    expect(frameWeight({ type: 'ignored_i_have', entries: [] })).toBe(1);
    expect(frameWeight({ type: 'prune' })).toBe(1);
    expect(frameWeight(null)).toBe(1);
  });

  it('sheds a batch of announcements that would take the queue past the limit, in weight not frames', () => {
    const bound = new InboxBound(1000);
    const batch = { type: 'i_have', entries: Array.from({ length: 256 }, (_, i) => i) };
    const admitted = [0, 1, 2, 3, 4].filter(() => bound.admit('i_have', frameWeight(batch)));
    expect(admitted).toHaveLength(3);
    expect(bound.size).toBe(3 * 257);
    bound.taken(frameWeight(batch));
    expect(bound.size).toBe(2 * 257);
    expect(bound.admit('i_have', frameWeight(batch))).toBe(true);
  });

  it('takes a batch heavier than the whole limit when nothing is queued', () => {
    const bound = new InboxBound(10);
    expect(bound.admit('i_have', 50)).toBe(true);
    expect(bound.admit('i_have', 1)).toBe(false);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new InboxBound(0)).toThrow(RangeError);
    expect(() => new InboxBound(1.5)).toThrow(RangeError);
  });
});

describe('inbox bound shared with a broadcast server', () => {
  it('counts down as the server takes wire frames, and exports overloaded drops at 0', async () => {
    const system = start();
    try {
      const inbox = new InboxBound(10);
      const metrics = new MetricsRegistry();
      const server = spawnBroadcastServer(system, {
        node: 'a',
        members: ['a', 'b'],
        handlers: [setHandler()],
        inbox,
        metrics,
      });
      for (let i = 0; i < 3; i++) {
        expect(inbox.admit('prune')).toBe(true);
        dispatch(server, { type: 'wire', from: 'b', msg: { type: 'prune', root: 'a', from: 'b' } });
      }
      await eventually(() => inbox.size === 0);
      expect(await renderPrometheus([metrics])).toContain(
        'plumtree_broadcast_dropped_total{reason="overloaded"} 0',
      );
    } finally {
      stop(system);
    }
  });
});
