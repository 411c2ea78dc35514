/**
 * Runs batches of seeds over scenarios and overlays, and single runs with a trace.
 */
import type { Overlay } from '../../node-core/index.js';
import type { OracleName } from './oracles.js';
import { batchScenarios, type ScenarioOutcome, scenarioNamed } from './scenarios.js';

/** What a batch runs. */
export interface DstOptions {
  /** First seed and count: seeds `first` .. `first + count - 1`. */
  readonly firstSeed: number;
  readonly seeds: number;
  readonly overlays: readonly Overlay[];
  /** Scenario names; default every batch scenario. */
  readonly scenarios?: readonly string[];
  /** Node count of the random mix (0: drawn per seed). */
  readonly nodes: number;
  readonly steps: number;
  /**
   * Named regression scenarios are slower than the random mix: they run for the first
   * `namedSeeds` seeds only (the random mix runs for every seed). Default 3.
   */
  readonly namedSeeds?: number;
}

/** One violated oracle of one run. */
export interface DstFailure {
  readonly seed: number;
  readonly scenario: string;
  readonly overlay: Overlay;
  readonly oracle: OracleName;
  readonly detail: string;
}

/** A batch's result. */
export interface DstReport {
  readonly runs: number;
  /** Runs with at least one violation. */
  readonly violations: number;
  readonly failures: DstFailure[];
}

/** Thrown for an unknown scenario name. */
export class UnknownScenarioError extends Error {
  override readonly name = 'UnknownScenarioError';
  constructor(scenario: string) {
    super(`unknown scenario ${scenario}`);
  }
}

/** Runs one scenario for one seed and overlay. */
export function runOne(
  scenario: string,
  seed: number,
  overlay: Overlay,
  options: { nodes?: number; steps?: number; trace?: boolean } = {},
): ScenarioOutcome {
  const s = scenarioNamed(scenario);
  if (s === undefined) throw new UnknownScenarioError(scenario);
  return s.run({
    seed,
    overlay,
    nodes: options.nodes ?? 0,
    steps: options.steps ?? 40,
    trace: options.trace ?? false,
  });
}

/** Whether `scenario` applies to `overlay`. */
export function appliesTo(scenario: string, overlay: Overlay): boolean {
  return scenarioNamed(scenario)?.overlays.includes(overlay) ?? false;
}

/** Runs a batch. */
export function runDst(options: DstOptions): DstReport {
  const names = options.scenarios ?? batchScenarios;
  for (const n of names) if (scenarioNamed(n) === undefined) throw new UnknownScenarioError(n);
  const namedSeeds = options.namedSeeds ?? 3;
  let runs = 0;
  let violations = 0;
  const failures: DstFailure[] = [];
  for (let i = 0; i < options.seeds; i++) {
    const seed = options.firstSeed + i;
    for (const scenario of names) {
      if (scenario !== 'random' && options.scenarios === undefined && i >= namedSeeds) continue;
      for (const overlay of options.overlays) {
        if (!appliesTo(scenario, overlay)) continue;
        const out = runOne(scenario, seed, overlay, { nodes: options.nodes, steps: options.steps });
        runs++;
        if (out.violations.length > 0) violations++;
        for (const v of out.violations) failures.push({ seed, scenario, overlay, ...v });
      }
    }
  }
  return { runs, violations, failures };
}
