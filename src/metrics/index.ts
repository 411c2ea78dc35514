export {
  type BoundCounter,
  type Counter,
  type Gauge,
  globalMetrics,
  type Labels,
  type MetricFamily,
  MetricsRegistry,
  type Sample,
} from './registry.js';
