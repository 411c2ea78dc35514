/** An in-memory admin backend with dashboard data, recording what it was asked. */
import type { AdminBackend } from '../../src/admin/backend.js';
import type { DashboardState, KvEntryView } from '../../src/admin/dashboard-backend.js';

export interface FakeBackend extends AdminBackend {
  readonly kv: Map<string, unknown>;
  /** How many state samples were taken, by root. */
  readonly samples: Map<string, number>;
  /** Reports a member change to the dashboard's watchers. */
  memberChanged(): void;
  readonly watchers: { members: number; kv: number };
}

export function fakeBackend(): FakeBackend {
  const kv = new Map<string, unknown>();
  const samples = new Map<string, number>();
  const memberWatchers = new Set<() => void>();
  const kvWatchers = new Set<(e: KvEntryView) => void>();
  const changed = (key: string, deleted: boolean) => {
    const entry: KvEntryView = { key, values: deleted ? [] : [kv.get(key)], deleted };
    for (const w of kvWatchers) w(entry);
  };
  const state = (root: string): DashboardState => ({
    at: Date.now(),
    name: 'a',
    overlay: 'full',
    members: [
      { name: 'a', self: true, up: true, since: 0, address: '127.0.0.1:1' },
      { name: 'b', self: false, up: false, since: 0 },
    ],
    active: ['a', 'b'],
    root,
    peers: { eagers: ['b'], lazys: [] },
    tree: { a: { eagers: ['b'], lazys: [] }, b: 'down' },
    counters: {
      delivered: 0,
      duplicates: 0,
      sent: {},
      received: {},
      outstanding: 0,
      exchanges: 0,
      bytesSent: 0,
      bytesReceived: 0,
    },
  });
  return {
    name: 'a',
    kv,
    samples,
    watchers: {
      get members() {
        return memberWatchers.size;
      },
      get kv() {
        return kvWatchers.size;
      },
    },
    memberChanged: () => {
      for (const w of memberWatchers) w();
    },
    members: async () => ['a', 'b'],
    peers: async () => ({ eagers: ['b'], lazys: [] }),
    tree: async () => ({ a: { eagers: ['b'], lazys: [] }, b: 'down' as const }),
    exchanges: async () => [],
    kvPut: async (k, v) => {
      kv.set(k, v);
      changed(k, false);
    },
    kvGet: async (k) => (kv.has(k) ? { found: true, value: kv.get(k) } : { found: false }),
    kvDelete: async (k) => {
      kv.delete(k);
      changed(k, true);
    },
    join: async () => undefined,
    leave: async () => undefined,
    metrics: async () => '',
    dashboard: {
      state: async (root) => {
        samples.set(root, (samples.get(root) ?? 0) + 1);
        return state(root);
      },
      kvList: (prefix, limit) => {
        const keys = [...kv.keys()].filter((k) => k.startsWith(prefix)).sort();
        return {
          entries: keys
            .slice(0, limit)
            .map((key) => ({ key, values: [kv.get(key)], deleted: false })),
          more: keys.length > limit,
        };
      },
      watchKv: (l) => {
        kvWatchers.add(l);
        return () => kvWatchers.delete(l);
      },
      watchMembers: (l) => {
        memberWatchers.add(l);
        return () => memberWatchers.delete(l);
      },
    },
  };
}
