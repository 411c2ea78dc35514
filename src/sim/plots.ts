import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { failuresMarkdown, roundsMarkdown } from './report.js';
import { type FailuresResult, runFailures } from './scenario-failures.js';
import { type RoundScenario, type RoundsResult, runRoundScenario } from './scenario-rounds.js';
import { type ScenarioName, scenarioNames } from './scenarios.js';
import { lineChart, type Series } from './svg-plot.js';

/** Every documented run. */
export interface Matrix {
  readonly rounds: readonly RoundsResult[];
  readonly failures: readonly FailuresResult[];
  /** The large `single` run (first seed only), with its wall-clock time. */
  readonly large?: { readonly result: RoundsResult; readonly wallMs: number };
}

/** Runs `scenarios` for every size and seed, then the large single run (unless `large` is 0). */
export function runMatrix(
  sizes: readonly number[],
  seeds: readonly (number | bigint)[],
  large: number,
  progress: (line: string) => void = () => {},
  scenarios: readonly ScenarioName[] = scenarioNames,
): Matrix {
  const rounds: RoundsResult[] = [];
  const failures: FailuresResult[] = [];
  for (const nodes of sizes) {
    for (const seed of seeds) {
      for (const scenario of ['single', 'random', 'burst'] as const) {
        if (!scenarios.includes(scenario)) continue;
        progress(`${scenario} ${nodes} nodes seed ${seed}`);
        rounds.push(runRoundScenario(scenario, nodes, seed));
      }
      if (!scenarios.includes('failures')) continue;
      progress(`failures ${nodes} nodes seed ${seed}`);
      failures.push(runFailures(nodes, seed));
    }
  }
  const seed = seeds[0];
  if (large === 0 || seed === undefined) return { rounds, failures };
  progress(`single ${large} nodes seed ${seed}`);
  const start = performance.now();
  const result = runRoundScenario('single', large, seed);
  return { rounds, failures, large: { result, wallMs: performance.now() - start } };
}

/** Writes the SVG plots of `matrix` into `dir`; returns the paths written. */
export function writePlots(matrix: Matrix, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const write = (name: string, svg: string): void => {
    const path = join(dir, name);
    writeFileSync(path, svg);
    written.push(path);
  };
  const sizes = [...new Set(matrix.rounds.map((r) => r.nodes))];
  for (const nodes of sizes) {
    for (const metric of ['rmr', 'ldh'] as const) {
      write(
        `sim-${metric}-n${nodes}.svg`,
        lineChart({
          title: `${metric.toUpperCase()} per round, ${nodes} nodes (mean over seeds)`,
          xLabel: 'round',
          yLabel: metric.toUpperCase(),
          series: perRoundSeries(matrix.rounds, nodes, metric),
        }),
      );
    }
  }
  for (const nodes of [...new Set(matrix.failures.map((r) => r.nodes))]) {
    write(
      `sim-reliability-n${nodes}.svg`,
      lineChart({
        title: `Reliability after crashing nodes, ${nodes} nodes (lowest over seeds)`,
        xLabel: '% of nodes crashed at once',
        yLabel: '% of connected live nodes delivering',
        yMin: 0,
        yMax: 100,
        series: reliabilitySeries(matrix.failures, nodes),
      }),
    );
  }
  return written;
}

function perRoundSeries(
  results: readonly RoundsResult[],
  nodes: number,
  metric: 'rmr' | 'ldh',
): Series[] {
  const series: Series[] = [];
  for (const protocol of ['plumtree', 'flood'] as const) {
    for (const scenario of ['single', 'random', 'burst'] as RoundScenario[]) {
      const runs = results.filter((r) => r.nodes === nodes && r.scenario === scenario);
      const perRun = runs.map((r) => r[protocol]?.rounds ?? []);
      const length = Math.min(...perRun.map((rs) => rs.length));
      if (perRun.length === 0 || length === 0) continue;
      const points: [number, number][] = [];
      for (let i = 0; i < length; i++) {
        const mean = perRun.reduce((s, rs) => s + (rs[i]?.[metric] ?? 0), 0) / perRun.length;
        points.push([i + 1, mean]);
      }
      series.push({
        name: `${protocol === 'plumtree' ? 'Plumtree' : 'flooding'} ${scenario}`,
        points,
        dashed: protocol === 'flood',
      });
    }
  }
  return series;
}

function reliabilitySeries(results: readonly FailuresResult[], nodes: number): Series[] {
  const runs = results.filter((r) => r.nodes === nodes);
  const percents = runs[0]?.cases.filter((c) => !c.exchange).map((c) => c.percent) ?? [];
  const line = (
    name: string,
    exchange: boolean,
    pick: (c: FailuresResult['cases'][number]) => number,
    dashed = false,
  ): Series => ({
    name,
    dashed,
    points: percents.map((p) => {
      const values = runs.flatMap((r) =>
        r.cases.filter((c) => c.percent === p && c.exchange === exchange).map(pick),
      );
      return [p, 100 * Math.min(...values)];
    }),
  });
  return [
    line('first broadcast', false, (c) => c.first.ofConnected),
    line('same, healed, no exchange', false, (c) => c.firstHealed.ofConnected),
    line('same, healed, exchange', true, (c) => c.firstHealed.ofConnected),
    line('new broadcast after heal', false, (c) => c.afterHeal.ofConnected),
    line('flooding, first', false, (c) => c.flood.first.ofConnected, true),
  ];
}

/** The markdown tables of `docs/simulation.md`. */
export function matrixMarkdown(matrix: Matrix): string {
  const out = [
    roundsMarkdown(matrix.rounds),
    '#### `failures`',
    '',
    failuresMarkdown(matrix.failures),
  ];
  if (matrix.large !== undefined) {
    const { result, wallMs } = matrix.large;
    out.push('', `#### \`single\` at ${result.nodes} nodes`, '', roundsMarkdown([result], false));
    out.push(`wall clock: ${(wallMs / 1000).toFixed(1)} s (one core, flooding baseline included)`);
  }
  return out.join('\n');
}
