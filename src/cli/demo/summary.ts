/**
 * What the demo measured, computed from the merge reports of every node: delivery per
 * node, the relative message redundancy (RMR) per broadcast, and delivery latency.
 */

/** One merge report, as a node sent it. */
export interface MergeRecord {
  readonly node: string;
  readonly id: string;
  readonly isNew: boolean;
  readonly origin: boolean;
  readonly at: number;
}

/** The demo's result, printed as text or JSON. */
export interface DemoSummary {
  readonly nodes: number;
  readonly messages: number;
  /** Distinct messages each node delivered. */
  readonly deliveredPerNode: Record<string, number>;
  readonly allDelivered: boolean;
  /** RMR of the first broadcast: m / (n - 1) - 1, m payloads received, n nodes that delivered. */
  readonly rmrFirst: number;
  /** Mean RMR over the second half of the broadcasts, once the tree has settled. */
  readonly rmrSettled: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly treeRoot: string;
  readonly svgFile?: string;
}

/** The `q` quantile (0..1) of `xs` by the nearest-rank method. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[rank] as number;
}

/** RMR of one broadcast from its merge records. */
export function rmrOf(records: readonly MergeRecord[]): number {
  const received = records.filter((r) => !r.origin).length;
  const delivered = records.filter((r) => r.isNew).length;
  if (delivered <= 1) return 0;
  return received / (delivered - 1) - 1;
}

/** Summarises the run. `order` lists the message ids in the order they were broadcast. */
export function summarise(
  names: readonly string[],
  order: readonly string[],
  sentAt: ReadonlyMap<string, number>,
  records: readonly MergeRecord[],
  treeRoot: string,
): Omit<DemoSummary, 'svgFile'> {
  const byId = new Map<string, MergeRecord[]>();
  for (const r of records) {
    const list = byId.get(r.id);
    if (list) list.push(r);
    else byId.set(r.id, [r]);
  }
  const deliveredPerNode: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const r of records)
    if (r.isNew) deliveredPerNode[r.node] = (deliveredPerNode[r.node] ?? 0) + 1;
  const rmrs = order.map((id) => rmrOf(byId.get(id) ?? []));
  const settled = rmrs.slice(Math.floor(rmrs.length / 2));
  const latencies = records
    .filter((r) => r.isNew && !r.origin)
    .map((r) => r.at - (sentAt.get(r.id) ?? r.at));
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    nodes: names.length,
    messages: order.length,
    deliveredPerNode,
    allDelivered: names.every((n) => deliveredPerNode[n] === order.length),
    rmrFirst: round(rmrs[0] ?? 0),
    rmrSettled: round(settled.reduce((a, b) => a + b, 0) / Math.max(1, settled.length)),
    latencyMs: {
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: latencies.length ? Math.max(...latencies) : Number.NaN,
    },
    treeRoot,
  };
}
