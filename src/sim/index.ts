export type { MessageRecord, MessageSummary } from './broadcast-stats.js';
export { BroadcastStats, summarize } from './broadcast-stats.js';
export { EventQueue } from './event-queue.js';
export type { RandomFaultRates, ScriptedFaults } from './faults.js';
export { combineFaults, randomFaults, scriptedFaults } from './faults.js';
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
export type { PlumtreeClusterConfig } from './plumtree-cluster.js';
export { PlumtreeCluster, UnknownNodeError } from './plumtree-cluster.js';
export type { PlumtreeObserver, TickSchedule } from './plumtree-node.js';
export { AsyncHandlerError, PlumtreeSimNode } from './plumtree-node.js';
export { SetHandler } from './set-handler.js';
