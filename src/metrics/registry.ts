/**
 * A small in-process metrics registry: counters and gauges with labels. Every layer
 * records into one; the admin layer renders it in Prometheus text format.
 */

/** Label values of one series. */
export type Labels = Readonly<Record<string, string>>;

/** One series' current value. */
export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

/** A metric family as read back by {@link MetricsRegistry.snapshot}. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly kind: 'counter' | 'gauge';
  readonly samples: readonly Sample[];
}

const NO_LABELS: Labels = Object.freeze({});

function seriesKey(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  keys.sort();
  return keys.map((k) => `${k}=${labels[k]}`).join(',');
}

class Family {
  readonly series = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly kind: 'counter' | 'gauge',
  ) {}

  add(labels: Labels, delta: number): void {
    const key = seriesKey(labels);
    const s = this.series.get(key);
    if (s) s.value += delta;
    else this.series.set(key, { labels: { ...labels }, value: delta });
  }

  set(labels: Labels, value: number): void {
    const key = seriesKey(labels);
    const s = this.series.get(key);
    if (s) s.value = value;
    else this.series.set(key, { labels: { ...labels }, value });
  }

  get(labels: Labels): number {
    return this.series.get(seriesKey(labels))?.value ?? 0;
  }

  /** The series of `labels`, created at 0 so it is exported before its first increment. */
  seriesOf(labels: Labels): { value: number } {
    const key = seriesKey(labels);
    const s = this.series.get(key);
    if (s) return s;
    const created = { labels: { ...labels }, value: 0 };
    this.series.set(key, created);
    return created;
  }
}

/** A monotonically increasing count. */
export interface Counter {
  inc(labels?: Labels, by?: number): void;
  get(labels?: Labels): number;
  /**
   * The series of `labels`, bound once: it exists (at 0) from now on, so a scrape shows
   * every known label value, and incrementing it skips the per-call label lookup.
   */
  bind(labels?: Labels): BoundCounter;
}

/** One series of a {@link Counter}. */
export interface BoundCounter {
  inc(by?: number): void;
  get(): number;
}

/** A value that goes up and down. */
export interface Gauge {
  set(value: number, labels?: Labels): void;
  inc(labels?: Labels, by?: number): void;
  dec(labels?: Labels, by?: number): void;
  get(labels?: Labels): number;
}

/** A set of named metric families. */
export class MetricsRegistry {
  private readonly families = new Map<string, Family>();

  private family(name: string, help: string, kind: 'counter' | 'gauge'): Family {
    const existing = this.families.get(name);
    if (existing) {
      if (existing.kind !== kind) {
        throw new TypeError(`metric ${name} is already registered as a ${existing.kind}`);
      }
      return existing;
    }
    const f = new Family(name, help, kind);
    this.families.set(name, f);
    return f;
  }

  /** The counter `name`, created on first use. */
  counter(name: string, help: string): Counter {
    const f = this.family(name, help, 'counter');
    return {
      inc(labels = NO_LABELS, by = 1) {
        if (by < 0) throw new RangeError(`counter ${name} cannot decrease`);
        f.add(labels, by);
      },
      get: (labels = NO_LABELS) => f.get(labels),
      bind(labels = NO_LABELS) {
        const series = f.seriesOf(labels);
        return {
          inc(by = 1) {
            if (by < 0) throw new RangeError(`counter ${name} cannot decrease`);
            series.value += by;
          },
          get: () => series.value,
        };
      },
    };
  }

  /** The gauge `name`, created on first use. */
  gauge(name: string, help: string): Gauge {
    const f = this.family(name, help, 'gauge');
    return {
      set: (value, labels = NO_LABELS) => f.set(labels, value),
      inc: (labels = NO_LABELS, by = 1) => f.add(labels, by),
      dec: (labels = NO_LABELS, by = 1) => f.add(labels, -by),
      get: (labels = NO_LABELS) => f.get(labels),
    };
  }

  /** Every family and series, in registration order. */
  snapshot(): MetricFamily[] {
    return [...this.families.values()].map((f) => ({
      name: f.name,
      help: f.help,
      kind: f.kind,
      samples: [...f.series.values()].map((s) => ({ labels: s.labels, value: s.value })),
    }));
  }
}

/** The process-wide registry, used where no node-specific one is given. */
export const globalMetrics = new MetricsRegistry();
