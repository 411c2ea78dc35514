/**
 * The whole-stack deterministic simulator: composed node cores with their handlers
 * over a simulated channel layer and simulated disks, seeded faults, and strict
 * oracles. See docs/dst.md.
 */

export { KNOWN_FAILING } from './known-failing.js';
export type { OracleName, Violation } from './oracles.js';
export {
  appliesTo,
  type DstFailure,
  type DstOptions,
  type DstReport,
  runDst,
  runOne,
  UnknownScenarioError,
} from './runner.js';
export { batchScenarios, type Scenario, type ScenarioOutcome, scenarios } from './scenarios.js';
export { World, type WorldConfig } from './world.js';
