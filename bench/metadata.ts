/**
 * The replicated metadata store on an in-memory 4-node cluster (broadcasts delivered
 * to every other node's handler, exchanges as direct calls, everything through
 * msgpackr): put throughput on one node while the other three merge, the time until
 * every replica holds every write, and the time one exchange needs to repair 10,000
 * keys a node missed. Memory-only and data-dir (fsync per group commit) modes.
 */
import { Cluster } from '../test/handlers/metadata/cluster-harness.js';

const P = ['bench', 'kv'] as const;
const MEMORY_PUTS = 20_000;
const DISK_SEQUENTIAL_PUTS = 1_000;
const CONCURRENT_PUTS = 10_000;
const IN_FLIGHT = 64;
const REPAIR_KEYS = 10_000;

function rate(n: number, ms: number): number {
  return Math.round(n / (ms / 1000));
}

async function putRun(
  persistent: boolean,
  n: number,
  inFlight: number,
): Promise<{ putsPerSec: number; convergeMs: number }> {
  const cluster = await Cluster.start({ persistent });
  try {
    const a = cluster.store('a');
    const t0 = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < n) {
        const i = next++;
        await a.put(P, `k${i}`, { i, owner: 'a', tags: ['x', 'y'] });
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    const putMs = performance.now() - t0;
    await cluster.settle();
    const convergeMs = performance.now() - t0;
    if (!cluster.converged()) throw new Error('replicas did not converge');
    return { putsPerSec: rate(n, putMs), convergeMs: Math.round(convergeMs) };
  } finally {
    await cluster.close();
  }
}

async function repairRun(persistent: boolean): Promise<{ ms: number; requests: number }> {
  const cluster = await Cluster.start({ persistent });
  try {
    cluster.partition(['a', 'b', 'c'], ['d']);
    const a = cluster.store('a');
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < REPAIR_KEYS) {
        const i = next++;
        await a.put(P, `k${i}`, { i });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await cluster.settle();
    cluster.heal();
    const t0 = performance.now();
    const summary = await cluster.exchange('d', 'a');
    const ms = performance.now() - t0;
    if (summary.outcome !== 'completed' || summary.objectsReceived !== REPAIR_KEYS) {
      throw new Error(`exchange did not repair: ${JSON.stringify(summary)}`);
    }
    if (!cluster.converged()) throw new Error('replicas did not converge after the exchange');
    return { ms: Math.round(ms), requests: summary.requests };
  } finally {
    await cluster.close();
  }
}

/** Runs every measurement once and returns the numbers. */
export async function benchMetadata(): Promise<Record<string, unknown>> {
  const memorySequential = await putRun(false, MEMORY_PUTS, 1);
  const memoryConcurrent = await putRun(false, CONCURRENT_PUTS, IN_FLIGHT);
  const diskSequential = await putRun(true, DISK_SEQUENTIAL_PUTS, 1);
  const diskConcurrent = await putRun(true, CONCURRENT_PUTS, IN_FLIGHT);
  const repairMemory = await repairRun(false);
  const repairDisk = await repairRun(true);
  return {
    nodes: 4,
    memoryPuts: MEMORY_PUTS,
    memoryPutsPerSec: memorySequential.putsPerSec,
    memoryConvergeMs: memorySequential.convergeMs,
    memoryConcurrentPuts: CONCURRENT_PUTS,
    memoryConcurrentPutsPerSec: memoryConcurrent.putsPerSec,
    memoryConcurrentConvergeMs: memoryConcurrent.convergeMs,
    diskSequentialPuts: DISK_SEQUENTIAL_PUTS,
    diskPutsPerSec: diskSequential.putsPerSec,
    diskConvergeMs: diskSequential.convergeMs,
    diskConcurrentPuts: CONCURRENT_PUTS,
    diskConcurrentPutsPerSec: diskConcurrent.putsPerSec,
    diskConcurrentConvergeMs: diskConcurrent.convergeMs,
    inFlight: IN_FLIGHT,
    repairKeys: REPAIR_KEYS,
    repairMemoryMs: repairMemory.ms,
    repairMemoryRequests: repairMemory.requests,
    repairDiskMs: repairDisk.ms,
    repairDiskRequests: repairDisk.requests,
  };
}
