/**
 * A node's data for the dashboard: who is up since when, the tree of a root, the raw
 * counters, and the store's `/kv` keys. Up/down times are recorded from the node's
 * start, so a page opened later still says since when; everything else is read when
 * a sample is asked for, so an idle dashboard costs nothing.
 */
import type {
  DashboardBackend,
  DashboardCounters,
  DashboardState,
  KvEntryView,
  TreeView,
} from '../admin/dashboard-backend.js';
import type { TreeRow } from '../broadcast/api.js';
import type { PeersReply } from '../broadcast/server.js';
import type { Channels } from '../channels/channels.js';
import type { FoldEntry, MetadataStore } from '../handlers/metadata/metadata-api.js';
import type { ChangeEvent } from '../handlers/metadata/subscribers.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import type { PeerService } from '../peer-service/peer-service.js';

/** What the source reads from its node. */
export interface DashboardSourceParts {
  readonly name: string;
  readonly overlay: 'full' | 'hyparview';
  readonly address: { readonly host: string; readonly port: number };
  readonly peerService: PeerService;
  readonly channels: Channels;
  readonly store: MetadataStore;
  readonly kvPrefix: readonly [string, string];
  readonly registry: MetricsRegistry;
  readonly broadcastMembers: () => Promise<string[]>;
  readonly getPeers: (root: string) => Promise<PeersReply>;
  readonly debugGetTree: (root: string, nodes: string[], timeoutMs: number) => Promise<TreeRow[]>;
  readonly now?: () => number;
}

/** How long a sample waits for a peer's part of the tree: short, so a dead node shows as down soon. */
const TREE_TIMEOUT_MS = 1500;
/** Remote store changes whose arrival delay makes the latency figure. */
const LATENCY_WINDOW = 64;

function sum(registry: MetricsRegistry, name: string): number {
  const f = registry.snapshot().find((x) => x.name === name);
  return f ? f.samples.reduce((a, s) => a + s.value, 0) : 0;
}

function byLabel(
  families: ReturnType<MetricsRegistry['snapshot']>,
  name: string,
  label: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of families.find((x) => x.name === name)?.samples ?? []) {
    const k = s.labels[label] ?? '';
    out[k] = (out[k] ?? 0) + s.value;
  }
  return out;
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Creates the dashboard's source for one node; the up/down watch starts at once. */
export function createDashboardSource(parts: DashboardSourceParts): DashboardBackend {
  const now = parts.now ?? Date.now;
  const startedAt = now();
  const since = new Map<string, number>();
  const memberListeners = new Set<() => void>();
  const kvListeners = new Set<(e: KvEntryView) => void>();
  const latencies: number[] = [];
  const changed = (peer: string) => {
    since.set(peer, now());
    for (const l of memberListeners) l();
  };
  parts.peerService.onUp('*', changed);
  parts.peerService.onDown('*', changed);
  parts.peerService.subscribe(() => {
    for (const l of memberListeners) l();
  }, 'dashboard');
  parts.store.subscribe(parts.kvPrefix, (e: ChangeEvent) => {
    if (typeof e.key !== 'string') return;
    if (e.origin === 'remote') {
      const newest = Math.max(...e.object.siblings.map((s) => s.timestamp));
      const delay = now() - newest;
      if (Number.isFinite(delay) && delay >= 0) {
        latencies.push(delay);
        if (latencies.length > LATENCY_WINDOW) latencies.shift();
      }
    }
    const entry: KvEntryView = { key: e.key, values: [...e.values], deleted: e.deleted };
    for (const l of kvListeners) l(entry);
  });

  const counters = (): DashboardCounters => {
    const fams = parts.registry.snapshot();
    return {
      delivered: sum(parts.registry, 'plumtree_delivered_total'),
      duplicates: sum(parts.registry, 'plumtree_duplicates_total'),
      sent: byLabel(fams, 'plumtree_messages_sent_total', 'type'),
      received: byLabel(fams, 'plumtree_messages_received_total', 'type'),
      outstanding: sum(parts.registry, 'plumtree_outstanding'),
      exchanges: sum(parts.registry, 'plumtree_exchanges'),
      bytesSent: sum(parts.registry, 'plumtree_channel_bytes_sent_total'),
      bytesReceived: sum(parts.registry, 'plumtree_channel_bytes_received_total'),
    };
  };

  const address = (peer: string): string | undefined => {
    if (peer === parts.name) return `${parts.address.host}:${parts.address.port}`;
    const a = parts.channels.peerSpec(peer)?.listenAddrs[0];
    return a ? `${a.host}:${a.port}` : undefined;
  };

  const rtt = (peer: string): number | undefined => {
    const rtts = parts.channels
      .connections(peer)
      .flatMap((c) => (c.rttMs === undefined ? [] : [c.rttMs]));
    return rtts.length > 0 ? Math.min(...rtts) : undefined;
  };

  const entryView = (e: FoldEntry): KvEntryView => ({
    key: String(e.key),
    values: e.siblings.flatMap((s) => (s.kind === 'value' ? [s.value] : [])),
    deleted: e.deleted,
  });

  return {
    async state(root: string): Promise<DashboardState> {
      const known = [...parts.peerService.lastMembers()];
      const connected = new Set(parts.channels.connectedPeers());
      const [active, peers] = await Promise.all([
        parts.broadcastMembers(),
        parts.getPeers(root).catch(() => ({ eagers: [], lazys: [] })),
      ]);
      const names = [...new Set([...known, ...active, parts.name])].sort();
      const isUp = (n: string) => n === parts.name || connected.has(n);
      // Asking a node known to be down would only wait for its timeout.
      const ask = names.filter(isUp);
      const rows = await parts.debugGetTree(root, ask, TREE_TIMEOUT_MS);
      const tree: TreeView = {};
      for (const n of names) tree[n] = 'down';
      for (const r of rows)
        tree[r.node] =
          r.peers === 'down' ? 'down' : { eagers: [...r.peers.eagers], lazys: [...r.peers.lazys] };
      const kvLatencyMs = median(latencies);
      return {
        at: now(),
        name: parts.name,
        overlay: parts.overlay,
        members: names.map((n) => {
          const a = address(n);
          const r = rtt(n);
          return {
            name: n,
            self: n === parts.name,
            up: isUp(n),
            since: since.get(n) ?? startedAt,
            ...(a !== undefined ? { address: a } : {}),
            ...(r !== undefined ? { rttMs: r } : {}),
          };
        }),
        active,
        root,
        peers: { eagers: [...peers.eagers], lazys: [...peers.lazys] },
        tree,
        counters: counters(),
        ...(kvLatencyMs !== undefined ? { kvLatencyMs } : {}),
      };
    },
    kvList(prefix, limit) {
      const entries: KvEntryView[] = [];
      let more = false;
      for (const e of parts.store.iterate([...parts.kvPrefix])) {
        if (typeof e.key !== 'string' || !e.key.startsWith(prefix)) continue;
        if (entries.length >= limit) {
          more = true;
          break;
        }
        entries.push(entryView(e));
      }
      return { entries, more };
    },
    watchKv(listener) {
      kvListeners.add(listener);
      return () => kvListeners.delete(listener);
    },
    watchMembers(listener) {
      memberListeners.add(listener);
      return () => memberListeners.delete(listener);
    },
  };
}
