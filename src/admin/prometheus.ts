/**
 * Renders metrics registries in Prometheus text format through prom-client, so the
 * exposition (escaping, HELP/TYPE lines, label order) is prom-client's, not ours.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { MetricFamily, MetricsRegistry } from '../metrics/registry.js';

function labelNames(f: MetricFamily): string[] {
  const names = new Set<string>();
  for (const s of f.samples) for (const k of Object.keys(s.labels)) names.add(k);
  return [...names].sort();
}

/**
 * The text of `/metrics` for the given registries. A family that appears in several
 * (a node's own and the process-wide one) is rendered once, from the first.
 */
export async function renderPrometheus(registries: readonly MetricsRegistry[]): Promise<string> {
  const out = new Registry();
  const seen = new Set<string>();
  for (const registry of registries) {
    for (const family of registry.snapshot()) {
      if (seen.has(family.name)) continue;
      seen.add(family.name);
      const config = {
        name: family.name,
        help: family.help || family.name,
        labelNames: labelNames(family),
        registers: [out],
      };
      if (family.kind === 'counter') {
        const c = new Counter(config);
        for (const s of family.samples) c.inc({ ...s.labels }, s.value);
      } else {
        const g = new Gauge(config);
        for (const s of family.samples) g.set({ ...s.labels }, s.value);
      }
    }
  }
  return out.metrics();
}

/** The content type of {@link renderPrometheus}'s output. */
export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
