/**
 * The oracles: what must hold once the cluster has healed and settled. Each judges
 * the final state (the peer service's own views, the replicas, the tables), never
 * the links at the time a message was sent.
 */
import { getEagerPeers } from '../../broadcast/core/index.js';
import { descends } from '../../handlers/metadata/version-vector.js';
import type { SimHost } from './sim-host.js';
import type { World } from './world.js';

/** Names of the oracles. */
export type OracleName =
  | 'delivery'
  | 'trees'
  | 'metadata'
  | 'memory'
  | 'overlay'
  | 'crash'
  | 'thrash';

/** One broken promise. */
export interface Violation {
  readonly oracle: OracleName;
  readonly detail: string;
}

const SHOWN = 3;

function summary(what: string, items: readonly string[]): string {
  const shown = items.slice(0, SHOWN).join('; ');
  return `${items.length} ${what}: ${shown}${items.length > SHOWN ? '; ...' : ''}`;
}

/**
 * Connected components of the peer service's views among live nodes: `u` and `v`
 * are linked when either lists the other (full membership: as a member; HyParView:
 * in its active view). Returns each live node's component.
 */
export function components(world: World): Map<string, ReadonlySet<string>> {
  const live = new Map(world.live().map((h) => [h.name, h]));
  const adj = new Map<string, Set<string>>();
  for (const name of live.keys()) adj.set(name, new Set());
  for (const [name, host] of live) {
    for (const peer of host.view()) {
      if (!live.has(peer)) continue;
      adj.get(name)?.add(peer);
      adj.get(peer)?.add(name);
    }
  }
  const out = new Map<string, ReadonlySet<string>>();
  for (const start of live.keys()) {
    if (out.has(start)) continue;
    const comp = new Set<string>([start]);
    const todo = [start];
    for (let n = todo.pop(); n !== undefined; n = todo.pop()) {
      for (const m of adj.get(n) ?? []) {
        if (!comp.has(m)) {
          comp.add(m);
          todo.push(m);
        }
      }
    }
    for (const n of comp) out.set(n, comp);
  }
  return out;
}

/** Who must hold a thing first accepted at `origin` and now held by `holders`. */
function obliged(
  comps: Map<string, ReadonlySet<string>>,
  origin: string,
  holders: readonly string[],
): Set<string> {
  const out = new Set<string>();
  const own = comps.get(origin);
  if (own !== undefined) for (const n of own) out.add(n);
  else for (const h of holders) for (const n of comps.get(h) ?? []) out.add(n);
  return out;
}

/** Every probe broadcast reaches its component; merged as new at most once per incarnation. */
export function checkDelivery(world: World): Violation[] {
  const comps = components(world);
  const live = world.live();
  const missing: string[] = [];
  for (const [id, { node }] of world.accepted) {
    const holders = live.filter((h) => h.probe.has(id)).map((h) => h.name);
    const held = new Set(holders);
    for (const n of obliged(comps, node, holders)) {
      if (!held.has(n)) missing.push(`${id} (from ${node}) never reached ${n}`);
    }
  }
  const out: Violation[] = [];
  if (missing.length > 0)
    out.push({ oracle: 'delivery', detail: summary('deliveries missing', missing) });
  const twice = [...world.mergedNewCount].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`);
  if (twice.length > 0) {
    out.push({ oracle: 'delivery', detail: summary('merged as new more than once', twice) });
  }
  return out;
}

/** For each root, the eager links of live nodes reach its whole component. */
export function checkTrees(world: World, roots: readonly string[]): Violation[] {
  const comps = components(world);
  const hosts = new Map(world.live().map((h) => [h.name, h]));
  const lazyOnly: string[] = [];
  for (const root of roots) {
    const comp = comps.get(root);
    if (comp === undefined) continue;
    const seen = new Set([root]);
    const todo = [root];
    for (let u = todo.pop(); u !== undefined; u = todo.pop()) {
      const host = hosts.get(u) as SimHost;
      for (const v of getEagerPeers(host.core.plumtree, root)) {
        if (seen.has(v) || !comp.has(v) || !world.channels.isUp(u, v)) continue;
        seen.add(v);
        todo.push(v);
      }
    }
    for (const n of comp) if (!seen.has(n)) lazyOnly.push(`${n} not in the eager tree of ${root}`);
  }
  return lazyOnly.length > 0
    ? [{ oracle: 'trees', detail: summary('nodes reachable only lazily', lazyOnly) }]
    : [];
}

/** Acknowledged writes everywhere, identical replicas, superseded values never back. */
export function checkMetadata(world: World): Violation[] {
  const comps = components(world);
  const live = world.live();
  const byName = new Map(live.map((h) => [h.name, h]));
  const out: Violation[] = [];
  const lost: string[] = [];
  // Who holds each acknowledged write (its clock descended, or collected after it).
  const writeHolders = world.acked.map((w) =>
    live
      .filter((h) => {
        const clock =
          h.metadata.replica.get(w.prefix, w.key)?.object.clock ??
          h.metadata.replica.forgottenClock(w.prefix, w.key);
        return clock !== undefined && descends(clock, w.clock);
      })
      .map((h) => h.name),
  );
  for (const [i, w] of world.acked.entries()) {
    const holders = writeHolders[i] as string[];
    const held = new Set(holders);
    for (const n of obliged(comps, w.node, holders)) {
      if (!held.has(n)) lost.push(`write ${w.key}@${w.dot.join('/')} by ${w.node} missing on ${n}`);
    }
  }
  if (lost.length > 0)
    out.push({ oracle: 'metadata', detail: summary('acknowledged writes missing', lost) });
  const differ: string[] = [];
  const seenComps = new Set<ReadonlySet<string>>();
  for (const comp of comps.values()) {
    if (seenComps.has(comp)) continue;
    seenComps.add(comp);
    const hashes = [...comp].map((n) => [
      n,
      byName.get(n)?.metadata.replica.rootHash(['sim', 'kv']),
    ]);
    const first = hashes[0]?.[1];
    for (const [n, h] of hashes)
      if (h !== first) differ.push(`${String(n)} differs from ${String(hashes[0]?.[0])}`);
  }
  if (differ.length > 0)
    out.push({ oracle: 'metadata', detail: summary('replicas not identical', differ) });
  // A superseded value may linger only where the superseding write is not owed, and
  // the write is owed exactly where the check above demands it: its origin's component,
  // or, once the origin is gone for good, the components of the nodes holding the write.
  // A write that died with the only node holding it supersedes nothing anywhere.
  const back: string[] = [];
  for (const [i, w] of world.acked.entries()) {
    if (w.superseded.length === 0) continue;
    const gone = new Set(w.superseded.map((d) => `${d[0]}/${d[1]}`));
    for (const n of obliged(comps, w.node, writeHolders[i] as string[])) {
      const object = byName.get(n)?.metadata.replica.get(w.prefix, w.key)?.object;
      for (const s of object?.siblings ?? []) {
        const dot = `${s.dot[0]}/${s.dot[1]}`;
        if (gone.has(dot))
          back.push(`${n} holds ${w.key}@${dot}, superseded by ${w.dot.join('/')}`);
      }
    }
  }
  if (back.length > 0)
    out.push({ oracle: 'metadata', detail: summary('superseded values returned', back) });
  return out;
}

/** Every table within its documented bound. */
export function checkMemory(world: World): Violation[] {
  const over: string[] = [];
  for (const h of world.live()) {
    const p = h.core.plumtree;
    const o = p.options;
    for (const peer of p.outstanding.peers()) {
      const n = p.outstanding.countFor(peer);
      if (n > o.maxOutstandingPerPeer) over.push(`${h.name} outstanding for ${peer} ${n}`);
      if (!p.allMembers.has(peer)) over.push(`${h.name} keeps outstanding for non-member ${peer}`);
    }
    if (p.missing.size > o.maxMissing) over.push(`${h.name} missing ${p.missing.size}`);
    const trees = [...p.sets.roots()].length;
    if (trees > o.maxTrees) over.push(`${h.name} trees ${trees} > ${o.maxTrees}`);
    if (p.recent.size > o.roundCacheSize) over.push(`${h.name} recent ${p.recent.size}`);
    if (p.offTree.size > o.roundCacheSize) over.push(`${h.name} offTree ${p.offTree.size}`);
    const running = p.exchanges.size + p.pendingExchanges.size;
    if (running > o.startExchangeLimit) over.push(`${h.name} exchanges ${running}`);
    for (const d of p.down) if (!p.allMembers.has(d)) over.push(`${h.name} down-set keeps ${d}`);
    const m = h.core.membership;
    if (m.overlay === 'hyparview') {
      const hv = m.core;
      if (hv.active.size > hv.options.activeMaxSize)
        over.push(`${h.name} active ${hv.active.size}`);
      if (hv.passive.size > hv.options.passiveMaxSize)
        over.push(`${h.name} passive ${hv.passive.size}`);
      if (hv.shuffles.size > 8) over.push(`${h.name} shuffles ${hv.shuffles.size}`);
    }
  }
  return over.length > 0
    ? [{ oracle: 'memory', detail: summary('tables over their bound', over) }]
    : [];
}

/** Every live node that did not leave is in one overlay: no island. */
export function checkOverlay(world: World): Violation[] {
  const comps = components(world);
  const expected = world
    .live()
    .filter((h) => !world.outside.has(h.name))
    .map((h) => h.name);
  const first = expected[0];
  if (first === undefined) return [];
  const main = comps.get(first) as ReadonlySet<string>;
  const apart = expected.filter((n) => !main.has(n));
  if (apart.length === 0) return [];
  const islands = new Set(apart.map((n) => [...(comps.get(n) ?? [])].sort().join(',')));
  return [
    {
      oracle: 'overlay',
      detail: `the overlay is split: {${[...main].sort().join(',')}} and ${[...islands].map((i) => `{${i}}`).join(' ')}`,
    },
  ];
}

/** No node crashed on its own (a core or handler fault a real process would die of). */
export function checkCrash(world: World): Violation[] {
  if (world.faults.length === 0) return [];
  return [
    {
      oracle: 'crash',
      detail: summary(
        'node faults',
        world.faults.map((f) => `${f.node} at ${f.time} ms: ${f.detail}`),
      ),
    },
  ];
}
