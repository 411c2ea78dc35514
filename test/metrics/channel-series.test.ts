import { describe, expect, it } from 'vitest';
import { ChannelMetricNames, MeteredCounters } from '../../src/channels/metrics.js';
import { MetricsRegistry } from '../../src/metrics/index.js';

describe('channel metrics', () => {
  it('every declared channel has its byte and frame series at 0 before any traffic', () => {
    const registry = new MetricsRegistry();
    new MeteredCounters(registry, ['default', 'membership', 'gossip']);
    for (const name of [
      ChannelMetricNames.bytesSent,
      ChannelMetricNames.bytesReceived,
      ChannelMetricNames.framesSent,
      ChannelMetricNames.framesReceived,
    ]) {
      const family = registry.snapshot().find((f) => f.name === name);
      expect(family?.samples).toEqual([
        { labels: { channel: 'default' }, value: 0 },
        { labels: { channel: 'membership' }, value: 0 },
        { labels: { channel: 'gossip' }, value: 0 },
      ]);
    }
  });

  it('traffic on a declared channel is added to its series', () => {
    const registry = new MetricsRegistry();
    const counters = new MeteredCounters(registry, ['gossip']);
    counters.recordSent('gossip', 40);
    counters.flush();
    const c = registry.counter(ChannelMetricNames.bytesSent, '');
    expect(c.get({ channel: 'gossip' })).toBe(40);
  });
});
