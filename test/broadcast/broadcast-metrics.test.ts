import { afterEach, describe, expect, it } from 'vitest';
import { type SystemRef, start, stop } from '../../src/actors/index.js';
import { renderPrometheus } from '../../src/admin/prometheus.js';
import {
  BroadcastMetricNames,
  BroadcastMetrics,
  broadcast,
  broadcastServerName,
  type core,
  DROP_REASON_VALUES,
  spawnBroadcastServer,
  WIRE_MESSAGE_TYPES,
} from '../../src/broadcast/index.js';
import { MetricsRegistry } from '../../src/metrics/index.js';
import { eventually } from '../support/actors.js';
import { setHandler } from '../support/memory-broadcast.js';

type MetricEvent = core.MetricEvent;

/** One event of every kind: a kind missing here fails to compile. */
const ONE_OF_EACH: { readonly [K in MetricEvent['kind']]: Extract<MetricEvent, { kind: K }> } = {
  delivered: { kind: 'delivered', handler: 'h' },
  duplicate: { kind: 'duplicate', handler: 'h' },
  outstandingEvicted: { kind: 'outstandingEvicted', peer: 'p', handler: 'h', reason: 'down' },
  unknownHandlerDropped: { kind: 'unknownHandlerDropped', handler: 'other', from: 'p' },
  missingEvicted: { kind: 'missingEvicted', handler: 'h' },
  treeOptimized: { kind: 'treeOptimized', root: 'r', grafted: 'g', pruned: 'p' },
};

/** Where each kind is counted. */
const SERIES_OF: { readonly [K in MetricEvent['kind']]: [string, Record<string, string>] } = {
  delivered: [BroadcastMetricNames.delivered, { handler: 'h' }],
  duplicate: [BroadcastMetricNames.duplicates, { handler: 'h' }],
  outstandingEvicted: [BroadcastMetricNames.outstandingEvicted, { reason: 'down' }],
  unknownHandlerDropped: [BroadcastMetricNames.dropped, { reason: 'unknown_handler' }],
  missingEvicted: [BroadcastMetricNames.missingEvicted, {}],
  treeOptimized: [BroadcastMetricNames.treeOptimized, {}],
};

function value(
  r: MetricsRegistry,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  const family = r.snapshot().find((f) => f.name === name);
  const keys = Object.keys(labels);
  return family?.samples.find(
    (s) =>
      Object.keys(s.labels).length === keys.length && keys.every((k) => s.labels[k] === labels[k]),
  )?.value;
}

describe('broadcast metrics', () => {
  for (const kind of Object.keys(ONE_OF_EACH) as MetricEvent['kind'][]) {
    it(`a ${kind} metric event is counted in its own series`, () => {
      const r = new MetricsRegistry();
      const m = new BroadcastMetrics(r, ['h']);
      const [name, labels] = SERIES_OF[kind];
      expect(value(r, name, labels)).toBe(0);
      expect(m.record(ONE_OF_EACH[kind])).toBe(true);
      expect(value(r, name, labels)).toBe(1);
    });
  }

  it('an unknown metric kind from an untyped caller is refused, not counted anywhere', () => {
    const r = new MetricsRegistry();
    const m = new BroadcastMetrics(r, ['h']);
    const before = JSON.stringify(r.snapshot());
    expect(m.record({ kind: 'fromTheFuture' } as never)).toBe(false);
    expect(JSON.stringify(r.snapshot())).toBe(before);
  });

  it('every wire type, drop reason and registered handler has a series at 0 from start', () => {
    const r = new MetricsRegistry();
    new BroadcastMetrics(r, ['h1', 'h2']);
    for (const type of WIRE_MESSAGE_TYPES) {
      expect(value(r, BroadcastMetricNames.sent, { type })).toBe(0);
      expect(value(r, BroadcastMetricNames.received, { type })).toBe(0);
    }
    for (const reason of DROP_REASON_VALUES) {
      expect(value(r, BroadcastMetricNames.dropped, { reason })).toBe(0);
    }
    for (const handler of ['h1', 'h2']) {
      expect(value(r, BroadcastMetricNames.delivered, { handler })).toBe(0);
      expect(value(r, BroadcastMetricNames.duplicates, { handler })).toBe(0);
    }
    expect(WIRE_MESSAGE_TYPES).toHaveLength(5);
  });
});

describe('a broadcast server scraped by Prometheus', () => {
  let system: SystemRef | undefined;
  afterEach(() => {
    if (system) stop(system);
    system = undefined;
  });

  it('a node that only ever sends exposes its received counters at 0', async () => {
    system = start();
    const registry = new MetricsRegistry();
    const sent: string[] = [];
    spawnBroadcastServer(system, {
      node: 'a',
      members: ['a', 'b'],
      handlers: [setHandler('test')],
      metrics: registry,
      transport: { send: (_peer, _channel, msg) => void sent.push(msg.type) },
    });
    broadcast(broadcastServerName('a'), { id: 'only-out' }, 'test');
    await eventually(() => sent.includes('broadcast'), 10_000, 'the send');
    const text = await renderPrometheus([registry]);
    expect(text).toContain('plumtree_messages_sent_total{type="broadcast"} 1');
    expect(text).toContain('plumtree_messages_received_total{type="broadcast"} 0');
    for (const type of WIRE_MESSAGE_TYPES) {
      expect(text).toContain(`plumtree_messages_received_total{type="${type}"} 0`);
    }
    expect(text).toContain('plumtree_broadcast_dropped_total{reason="malformed"} 0');
    expect(text).toContain('plumtree_delivered_total{handler="test"} 0');
    expect(text).toContain('plumtree_duplicates_total{handler="test"} 0');
    expect(text).toContain('plumtree_missing_evicted_total 0');
    expect(text).toContain('plumtree_tree_optimized_total 0');
    expect(text).toContain('plumtree_outstanding_evicted_total{reason="down"} 0');
    expect(text).toContain('plumtree_outstanding_evicted_total{reason="farBehind"} 0');
  });
});
