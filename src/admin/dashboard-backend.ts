/**
 * What the dashboard's event stream asks of a node, beyond the JSON API's backend:
 * one cheap snapshot of the node's state, the store's keys, and change notifications
 * so the stream can push at once instead of waiting for its next sample.
 */

/** One member as this node sees it. */
export interface MemberView {
  readonly name: string;
  /** This node itself. */
  readonly self: boolean;
  /** A live connection to it (always true for this node). */
  readonly up: boolean;
  /** `host:port` it listens on, when known. */
  readonly address?: string;
  /** When it last went up or down (ms since the epoch), or when this node started watching. */
  readonly since: number;
  /** Smallest ping round trip on its connections, ms, once measured. */
  readonly rttMs?: number;
}

/** Raw counters; the page turns consecutive samples into rates. */
export interface DashboardCounters {
  readonly delivered: number;
  readonly duplicates: number;
  /** Broadcast-server messages by type (broadcast, prune, i_have, ignored_i_have, graft). */
  readonly sent: Readonly<Record<string, number>>;
  readonly received: Readonly<Record<string, number>>;
  readonly outstanding: number;
  readonly exchanges: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

/** A tree as `GET /tree` answers it. */
export type TreeView = Record<string, { eagers: string[]; lazys: string[] } | 'down'>;

/** One sample of the node's state for the tree of `root`. */
export interface DashboardState {
  /** ms since the epoch. */
  readonly at: number;
  readonly name: string;
  readonly overlay: 'full' | 'hyparview';
  readonly members: readonly MemberView[];
  /** The overlay's view: the broadcast server's members (HyParView: the active view). */
  readonly active: readonly string[];
  /** HyParView's passive view when the overlay exposes it. */
  readonly passive?: readonly string[];
  readonly root: string;
  /** This node's eager and lazy peers in the tree of `root`. */
  readonly peers: { readonly eagers: readonly string[]; readonly lazys: readonly string[] };
  readonly tree: TreeView;
  readonly counters: DashboardCounters;
  /** Store changes merged from peers: how long after the write they arrived (ms), recent median. */
  readonly kvLatencyMs?: number;
}

/** One key of the store as the dashboard shows it. */
export interface KvEntryView {
  readonly key: string;
  /** Live values; several when writes were concurrent (siblings). */
  readonly values: readonly unknown[];
  readonly deleted: boolean;
}

/** The dashboard's source of data on a node. */
export interface DashboardBackend {
  state(root: string): Promise<DashboardState>;
  /** Keys of the admin `/kv` store starting with `prefix`, in key order, at most `limit`. */
  kvList(prefix: string, limit: number): { entries: KvEntryView[]; more: boolean };
  /** Calls `listener` on every change of a `/kv` key; returns the unsubscribe. */
  watchKv(listener: (entry: KvEntryView) => void): () => void;
  /** Calls `listener` when a member goes up or down or membership changes; returns the unsubscribe. */
  watchMembers(listener: () => void): () => void;
}
