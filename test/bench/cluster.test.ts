import { describe, expect, it } from 'vitest';
import { benchCluster } from '../../bench/cluster.js';

// The cluster benchmark is measured by `npm run bench -- cluster`; this only checks that a
// tiny run completes every phase and reports the figures the issue asks for.
describe('cluster benchmark', () => {
  it('a three-node run delivers every message of every phase and reports each figure', async () => {
    const r = (await benchCluster({
      nodes: 3,
      lazyTickPeriod: 100,
      latCount: 10,
      latIntervalMs: 5,
      tpCount: 50,
      tpRounds: 1,
      warmupRounds: 1,
      killCount: 60,
      killIntervalMs: 4,
      killAfterMs: 100,
      idleMs: 200,
      phaseTimeoutMs: 20_000,
      build: 0,
    })) as Record<string, Record<string, unknown>>;
    expect(r.nodes).toBe(3);
    for (const phase of ['first', 'lat', 'tp', 'raw', 'kill'])
      expect({ phase, delivered: r[phase]?.allDelivered }).toEqual({ phase, delivered: true });
    for (const [phase, keys] of [
      ['tp', ['msgPerSec', 'cpuMsPerBroadcast', 'controlPerBroadcast', 'framesPerBroadcast']],
      ['raw', ['msgPerSec', 'cpuMsPerBroadcast']],
      ['lat', ['p50Ms', 'p99Ms', 'maxMs']],
      ['kill', ['maxExtraMs', 'late100']],
      ['idle', ['cpuPercentOfOneCore', 'rssMiBMean', 'rssMiBMax']],
      ['formation', ['ms']],
    ] as const) {
      for (const k of keys) expect(r[phase], `${phase}.${k}`).toHaveProperty(k);
    }
    expect(typeof r.tp?.msgPerSec).toBe('number');
    expect(typeof r.raw?.cpuMsPerBroadcast).toBe('number');
    expect(typeof r.kill?.maxExtraMs).toBe('number');
    const warmup = r.warmup as {
      ours: { allDelivered: boolean }[];
      raw: { allDelivered: boolean }[];
    };
    expect([warmup.ours.length, warmup.raw.length]).toEqual([1, 1]);
    expect([...warmup.ours, ...warmup.raw].every((x) => x.allDelivered)).toBe(true);
  }, 120_000);
});
