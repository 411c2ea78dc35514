import { type FailuresResult, runFailures } from './scenario-failures.js';
import { type RepairResult, type RepairTiming, runRepair } from './scenario-repair.js';
import { type RoundsResult, runRoundScenario } from './scenario-rounds.js';
import { defaultScenarioSettings, type ScenarioSettings } from './scenario-settings.js';

/** Every scenario the simulator runs, as named on the command line. */
export const scenarioNames = ['single', 'random', 'burst', 'failures', 'repair'] as const;

/** One of {@link scenarioNames}. */
export type ScenarioName = (typeof scenarioNames)[number];

/** The outcome of any scenario; `scenario` tells which. */
export type ScenarioResult = RoundsResult | FailuresResult | RepairResult;

/** Whether `name` is a scenario. */
export function isScenarioName(name: string): name is ScenarioName {
  return (scenarioNames as readonly string[]).includes(name);
}

/** Runs scenario `name` on `nodes` nodes with `seed`: same arguments, same result. */
export function runScenario(
  name: ScenarioName,
  nodes: number,
  seed: number | bigint,
  settings: ScenarioSettings = defaultScenarioSettings,
  repairTiming?: RepairTiming,
): ScenarioResult {
  switch (name) {
    case 'single':
    case 'random':
    case 'burst':
      return runRoundScenario(name, nodes, seed, settings);
    case 'failures':
      return runFailures(nodes, seed, settings);
    case 'repair':
      return runRepair(nodes, seed, repairTiming);
    default: {
      const never: never = name;
      throw new Error(`unknown scenario ${String(never)}`);
    }
  }
}
