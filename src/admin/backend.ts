import type { MetadataStore } from '../handlers/metadata/metadata-api.js';
import type { DashboardBackend } from './dashboard-backend.js';

/** What the admin HTTP API asks of a node (contract section 5). */
export interface AdminBackend {
  readonly name: string;
  /** The broadcast server's view of the members. */
  members(): Promise<string[]>;
  peers(root: string): Promise<{ eagers: string[]; lazys: string[] }>;
  /** For each node, its peers in the tree rooted at `root`, or `'down'`. */
  tree(root: string): Promise<Record<string, { eagers: string[]; lazys: string[] } | 'down'>>;
  exchanges(): Promise<unknown[]>;
  kvPut(key: string, value: unknown): Promise<void>;
  kvGet(key: string): Promise<{ found: true; value: unknown } | { found: false }>;
  join(peer: string): Promise<void>;
  leave(): Promise<void>;
  /** Prometheus text. */
  metrics(): Promise<string>;
  /** Removes another member by hand (`DELETE /members/:name`); it comes back if alive. */
  removeMember?(name: string): Promise<void>;
  /** Removes a `/kv` key (a tombstone, replicated like a write). */
  kvDelete?(key: string): Promise<void>;
  /** The dashboard's data (`GET /events`); without it the page shows only what the JSON API tells. */
  readonly dashboard?: DashboardBackend | undefined;
  /** The metadata store behind `/kv` (deletes, siblings, contexts, listing) and `/watch`. */
  readonly kvStore?: () => KvStore;
}

/**
 * What the `/kv` and `/watch` routes use of the replicated metadata store: the store
 * itself satisfies it. A backend without it keeps the plain `kvGet`/`kvPut` routes.
 */
export type KvStore = Pick<MetadataStore, 'read' | 'put' | 'delete' | 'list' | 'watch'>;
