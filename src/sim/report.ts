import type { RoundMetrics } from './round-metrics.js';
import type { FailureCase, FailuresResult, Reliability } from './scenario-failures.js';
import type { RepairResult } from './scenario-repair.js';
import type { RoundsResult } from './scenario-rounds.js';
import type { ScenarioResult } from './scenarios.js';

/** A scenario result as a plain-text report for the terminal. */
export function formatResult(result: ScenarioResult): string {
  switch (result.scenario) {
    case 'single':
    case 'random':
    case 'burst':
      return formatRounds(result);
    case 'failures':
      return formatFailures(result);
    case 'repair':
      return formatRepair(result);
    default: {
      const never: never = result;
      throw new Error(`unknown result ${JSON.stringify(never)}`);
    }
  }
}

function formatRepair(r: RepairResult): string {
  const late = Object.entries(r.late100ByNode)
    .map(([n, k]) => `${n} ${k}`)
    .join(', ');
  return [
    `repair: ${r.nodes} nodes, seed ${r.seed}, killed ${r.victim} at ${r.timing.killAtMs} ms`,
    `baseline ${r.baselineMs} ms; worst extra delay ${r.maxExtraMs} ms; later than 100 ms: ${r.late100} (${late}); all delivered: ${r.allDelivered}`,
  ].join('\n');
}

function formatRounds(r: RoundsResult): string {
  const o = r.overlay;
  const lines = [
    `${r.scenario}: ${r.nodes} nodes, seed ${r.seed}`,
    `overlay after bootstrap: ${o.components.length} component(s), active view ${o.minActive}..${o.maxActive} (mean ${o.meanActive.toFixed(2)}), ${o.violations.length} invariant violation(s)`,
    '',
    table(
      ['round', 'RMR', 'LDH', 'missed', 'ms', 'flood RMR', 'flood LDH', 'flood missed', 'flood ms'],
      [
        ...r.plumtree.rounds.map((m, i) => [
          String(i + 1),
          ...cells(m),
          ...cells(r.flood?.rounds[i]),
        ]),
        ['mean', ...cells(r.plumtree.mean), ...cells(r.flood?.mean)],
      ],
    ),
    '',
    `simulated ${(r.simulatedMs / 1000).toFixed(1)} s, ${r.networkSends} messages on the network`,
  ];
  return lines.join('\n');
}

function cells(m: RoundMetrics | undefined): string[] {
  if (m === undefined) return ['-', '-', '-', '-'];
  return [m.rmr.toFixed(3), fmt(m.ldh), fmt(m.missed), m.durationMs.toFixed(0)];
}

function formatFailures(r: FailuresResult): string {
  const rows = r.cases.map((c) => [
    `${c.percent}%`,
    c.exchange ? 'on' : 'off',
    String(c.live),
    `${c.connected}/${c.components}`,
    pct(c.first),
    pct(c.firstHealed),
    pct(c.afterHeal),
    pct(c.flood.first),
    pct(c.flood.afterHeal),
  ]);
  return [
    `failures: ${r.nodes} nodes, seed ${r.seed}; heal ${r.timing.healMs / 1000} s; reliability = share of the largest connected live component that delivered (share of all live nodes in brackets)`,
    '',
    table(
      [
        'crash',
        'exchange',
        'live',
        'connected/components',
        'first',
        'first, healed',
        'after heal',
        'flood first',
        'flood after heal',
      ],
      rows,
    ),
  ].join('\n');
}

/** `93.3% (90.0%)`: share of the connected component, then of all live nodes. */
export function pct(r: Reliability): string {
  return `${(100 * r.ofConnected).toFixed(1)}% (${(100 * r.ofLive).toFixed(1)}%)`;
}

/** Markdown tables of round scenarios: one row per size and seed, Plumtree beside flooding. */
export function roundsMarkdown(results: readonly RoundsResult[], headings = true): string {
  const out: string[] = [];
  for (const scenario of ['single', 'random', 'burst'] as const) {
    const rows = results.filter((r) => r.scenario === scenario);
    if (rows.length === 0) continue;
    if (headings) out.push(`#### \`${scenario}\``, '');
    out.push(
      '| nodes | seed | RMR | LDH | missed | ms | flood RMR | flood LDH | flood missed | flood ms |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.nodes} | ${r.seed} | ${cells(r.plumtree.mean).join(' | ')} | ${cells(r.flood?.mean).join(' | ')} |`,
      ),
      '',
    );
  }
  return out.join('\n');
}

/**
 * Markdown table of the failures scenario: one row per size, crash share and
 * exchange setting, with the lowest reliability over the seeds (the worst case).
 */
export function failuresMarkdown(results: readonly FailuresResult[]): string {
  const out = [
    '| nodes | crash | exchange | first | first, healed | after heal | flood first | flood after heal | components (max) |',
    '|---:|---:|:---:|---:|---:|---:|---:|---:|---:|',
  ];
  const sizes = [...new Set(results.map((r) => r.nodes))];
  for (const nodes of sizes) {
    const runs = results.filter((r) => r.nodes === nodes);
    const keys = runs[0]?.cases.map((c) => [c.percent, c.exchange] as const) ?? [];
    for (const [percent, exchange] of keys) {
      const cases = runs.flatMap((r) =>
        r.cases.filter((c) => c.percent === percent && c.exchange === exchange),
      );
      const worst = (f: (c: FailureCase) => Reliability): string =>
        `${(100 * Math.min(...cases.map((c) => f(c).ofConnected))).toFixed(1)}%`;
      out.push(
        `| ${nodes} | ${percent}% | ${exchange ? 'on' : 'off'} | ${worst((c) => c.first)} | ${worst((c) => c.firstHealed)} | ${worst((c) => c.afterHeal)} | ${worst((c) => c.flood.first)} | ${worst((c) => c.flood.afterHeal)} | ${Math.max(...cases.map((c) => c.components))} |`,
      );
    }
  }
  return out.join('\n');
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cols: readonly string[]): string =>
    cols.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
