export type { MessageRecord, MessageSummary } from './broadcast-stats.js';
export { BroadcastStats, summarize } from './broadcast-stats.js';
export type { CliCommand } from './cli-args.js';
export { parseCliArgs, referenceSeeds, UsageError, usage } from './cli-args.js';
export type { Delivery, DeliveryPath, TrackedMessage } from './delivery-tracker.js';
export { DeliveryTracker } from './delivery-tracker.js';
export { EventQueue } from './event-queue.js';
export { fastRng } from './fast-rng.js';
export type { RandomFaultRates, ScriptedFaults } from './faults.js';
export { combineFaults, randomFaults, scriptedFaults } from './faults.js';
export type { FloodGraph, FloodOutcome } from './flood-model.js';
export { FloodModel } from './flood-model.js';
export type { FloodHost } from './flooder.js';
export { Flooder } from './flooder.js';
export type {
  FaultDecision,
  FaultModel,
  LatencyRange,
  NetworkStats,
  SendInfo,
  SimNetworkOptions,
  SimNode,
} from './network.js';
export { DuplicateNodeError, SimNetwork } from './network.js';
export type { OverlayReport } from './overlay-analysis.js';
export { liveComponents, overlayReport } from './overlay-analysis.js';
export type { OverlayClusterConfig } from './overlay-cluster.js';
export { OverlayCluster } from './overlay-cluster.js';
export type { OverlayLayer, OverlayMessage, SimPeer } from './overlay-messages.js';
export type { OverlayNodeConfig, OverlayPhases } from './overlay-node.js';
export { OVERLAY_HANDLER, OverlayNode, overlayPlumtreeHost } from './overlay-node.js';
export type { Matrix } from './plots.js';
export { matrixMarkdown, runMatrix, writePlots } from './plots.js';
export type { PlumtreeClusterConfig } from './plumtree-cluster.js';
export { PlumtreeCluster, UnknownNodeError } from './plumtree-cluster.js';
export type { PlumtreeHost, PlumtreeObserver, TickSchedule } from './plumtree-node.js';
export { AsyncHandlerError, PlumtreeSimNode } from './plumtree-node.js';
export { PullSetHandler } from './pull-set-handler.js';
export { failuresMarkdown, formatResult, roundsMarkdown } from './report.js';
export type { RoundMetrics } from './round-metrics.js';
export { meanMetrics, roundMetrics } from './round-metrics.js';
export type {
  FailureCase,
  FailuresResult,
  FailuresTiming,
  Reliability,
} from './scenario-failures.js';
export { defaultCrashPercents, defaultFailuresTiming, runFailures } from './scenario-failures.js';
export type { ProtocolRounds, RoundScenario, RoundsResult } from './scenario-rounds.js';
export { roundScenarioShape, runRoundScenario } from './scenario-rounds.js';
export type { ScenarioSettings } from './scenario-settings.js';
export { defaultJoinStaggerMs, defaultScenarioSettings } from './scenario-settings.js';
export type { ScenarioName, ScenarioResult } from './scenarios.js';
export { isScenarioName, runScenario, scenarioNames } from './scenarios.js';
export { SetHandler } from './set-handler.js';
export type { LineChart, Series } from './svg-plot.js';
export { lineChart, niceTicks } from './svg-plot.js';
