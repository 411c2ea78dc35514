/**
 * An in-memory cluster of metadata stores for tests and the benchmark. Broadcasts are
 * delivered straight to every other reachable node's handler `merge` (a full fan-out,
 * standing in for the broadcast tree); exchange calls go straight to the peer's
 * `handleExchangeRequest`. Both are dropped between partitioned nodes, and everything
 * crossing is run through msgpackr, so only what survives the wire arrives.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import type { BroadcastHandler } from '../../../src/broadcast/handler.js';
import {
  createMetadataHandler,
  type ExchangeRequest,
  type ExchangeResponse,
  type ExchangeSummary,
  type MetadataBroadcast,
  type MetadataId,
  MetadataStore,
  type MetadataStoreOptions,
} from '../../../src/handlers/metadata/index.js';

const wire = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  structuredClone: false,
  moreTypes: false,
});

/** What the wire would deliver. */
export function overTheWire<T>(value: T): T {
  return wire.unpack(wire.pack(value)) as T;
}

/** Options of {@link Cluster.start}. */
export interface ClusterOptions {
  readonly nodes?: readonly string[];
  /** Give every node a data directory under a fresh temporary directory. */
  readonly persistent?: boolean;
  /** Let stores collect tombstones, knowing the cluster's members. */
  readonly collectTombstones?: boolean;
  readonly store?: Partial<Omit<MetadataStoreOptions, 'node' | 'broadcast' | 'rpc' | 'dataDir'>>;
}

/** Thrown by the fake peer call between partitioned or stopped nodes. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

/** A manual clock shared by every node of a cluster. */
export interface ManualClock {
  now(): number;
  advance(ms: number): void;
}

/** A clock that only moves when told to. */
export function manualClock(start = 1_000_000): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

type Handler = BroadcastHandler<MetadataBroadcast, MetadataId, MetadataBroadcast>;

/** A running cluster. */
export class Cluster {
  readonly nodes: readonly string[];
  readonly clock = manualClock();
  readonly stores = new Map<string, MetadataStore>();
  readonly handlers = new Map<string, Handler>();
  /** Broadcast deliveries performed, and dropped by partitions. */
  delivered = 0;
  dropped = 0;
  private readonly inflight = new Set<Promise<unknown>>();
  private groups: Map<string, number> | undefined;
  private root: string | undefined;
  private readonly errors: unknown[] = [];

  private constructor(
    nodes: readonly string[],
    private readonly options: ClusterOptions,
  ) {
    this.nodes = nodes;
  }

  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const cluster = new Cluster(options.nodes ?? ['a', 'b', 'c', 'd'], options);
    if (options.persistent === true) cluster.root = await mkdtemp(join(tmpdir(), 'metadata-test-'));
    for (const node of cluster.nodes) await cluster.open(node);
    return cluster;
  }

  /** The data directory of a node (persistent clusters only). */
  dataDir(node: string): string | undefined {
    return this.root === undefined ? undefined : join(this.root, node);
  }

  store(node: string): MetadataStore {
    const store = this.stores.get(node);
    if (store === undefined) throw new Error(`node ${node} is not running`);
    return store;
  }

  handler(node: string): Handler {
    const handler = this.handlers.get(node);
    if (handler === undefined) throw new Error(`node ${node} is not running`);
    return handler;
  }

  /** Errors stores reported through `onError` (failed exchanges included). */
  reportedErrors(): readonly unknown[] {
    return this.errors;
  }

  /** Splits the cluster: nodes in different groups cannot reach each other. */
  partition(...groups: readonly (readonly string[])[]): void {
    this.groups = new Map();
    groups.forEach((group, i) => {
      for (const node of group) this.groups?.set(node, i);
    });
  }

  heal(): void {
    this.groups = undefined;
  }

  reachable(from: string, to: string): boolean {
    if (!this.stores.has(from) || !this.stores.has(to)) return false;
    if (this.groups === undefined) return true;
    return this.groups.get(from) === this.groups.get(to);
  }

  /** Waits until no broadcast delivery is in flight (deliveries can trigger more). */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  /** `from` runs one exchange with `to`. */
  exchange(from: string, to: string): Promise<ExchangeSummary> {
    return this.store(from).exchange(to).done;
  }

  /** Every running node exchanges with every other, one after another. */
  async exchangeAll(): Promise<ExchangeSummary[]> {
    const out: ExchangeSummary[] = [];
    for (const a of this.stores.keys()) {
      for (const b of this.stores.keys()) if (a !== b) out.push(await this.exchange(a, b));
    }
    return out;
  }

  /** Stops a node (its store is closed; what it acknowledged is on disk if persistent). */
  async stop(node: string): Promise<void> {
    const store = this.store(node);
    this.stores.delete(node);
    this.handlers.delete(node);
    await store.close();
  }

  /** Starts a stopped node again, from its data directory if it has one. */
  async restart(node: string): Promise<MetadataStore> {
    if (this.stores.has(node)) await this.stop(node);
    return this.open(node);
  }

  /** Per node, a digest of everything it holds. */
  digests(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [node, store] of this.stores) out.set(node, JSON.stringify(store.digest()));
    return out;
  }

  /** True when every running node holds the same data. */
  converged(): boolean {
    return new Set(this.digests().values()).size <= 1;
  }

  async close(): Promise<void> {
    await this.settle();
    for (const node of [...this.stores.keys()]) await this.stop(node);
    if (this.root !== undefined) await rm(this.root, { recursive: true, force: true });
  }

  private async open(node: string): Promise<MetadataStore> {
    const dataDir = this.dataDir(node);
    const store = await MetadataStore.open({
      now: this.clock.now,
      onError: (error) => this.errors.push(error),
      ...(this.options.collectTombstones === true
        ? { members: () => this.nodes, tombstoneGraceMs: 0 }
        : {}),
      ...this.options.store,
      node,
      ...(dataDir !== undefined ? { dataDir } : {}),
      broadcast: (message) => this.broadcastFrom(node, message),
      rpc: {
        call: (peer, request, _timeoutMs) => this.call(node, peer, request),
      },
    });
    this.stores.set(node, store);
    this.handlers.set(node, createMetadataHandler(store));
    return store;
  }

  private broadcastFrom(from: string, message: MetadataBroadcast): void {
    const { id, payload } = this.handler(from).broadcastData(message);
    for (const to of this.nodes) {
      if (to === from) continue;
      if (!this.reachable(from, to)) {
        this.dropped++;
        continue;
      }
      const handler = this.handler(to);
      const wiredId = overTheWire(id);
      const wiredPayload = overTheWire(payload);
      const delivery = Promise.resolve()
        .then(() => handler.merge(wiredId, wiredPayload))
        .then(() => void this.delivered++)
        .catch((error: unknown) => void this.errors.push(error))
        .finally(() => this.inflight.delete(delivery));
      this.inflight.add(delivery);
    }
  }

  private async call(
    from: string,
    to: string,
    request: ExchangeRequest,
  ): Promise<ExchangeResponse> {
    if (!this.reachable(from, to)) throw new UnreachableError(`${from} cannot reach ${to}`);
    const response = await this.store(to).handleExchangeRequest(overTheWire(request));
    if (!this.reachable(from, to)) throw new UnreachableError(`${from} lost ${to}`);
    return overTheWire(response);
  }
}
