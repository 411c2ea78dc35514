/**
 * A whole cluster under load: N node processes on loopback (`cluster-node.ts`), every
 * broadcast from the first node, 100-byte payloads, defaults otherwise. Beside it, in
 * the same processes and the same run, a raw relay: bare ws + msgpackr forwarding the
 * same payloads over the spanning tree our nodes settled on, with no actors and no
 * protocol, the physical limit of this design here. Throughput rounds alternate between
 * the two, and medians are compared, so machine noise hits both alike.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RECOMMENDED_V8_FLAGS } from '../src/node/index.js';
import { buildNodeScript as compileNodeScript } from './build-node-script.js';
import type { NodeCommand } from './cluster-node.js';

/** What one run does; the defaults are the figures of the issue. */
export interface ClusterBenchOptions {
  readonly nodes: number;
  readonly lazyTickPeriod: number;
  readonly latCount: number;
  readonly latIntervalMs: number;
  readonly tpCount: number;
  readonly tpRounds: number;
  /**
   * Rounds of `tpCount` back-to-back messages each side runs before it is measured,
   * not counted: ours before `lat`, the raw relay's before `tp`. A process's first
   * thousands of messages run in V8's interpreter and baseline tiers at several times
   * the steady cost (round 1 costs 2-5x round 5 for both sides), and a node in service
   * is warm. 0 measures cold processes.
   */
  readonly warmupRounds: number;
  readonly killCount: number;
  readonly killIntervalMs: number;
  readonly killAfterMs: number;
  readonly idleMs: number;
  /** How long a phase may take to deliver everything before it is reported incomplete. */
  readonly phaseTimeoutMs: number;
  /** Node number (1 = the root) to run under `--cpu-prof`, written to `<tmpdir>/plumtree-cluster-prof-n<k>/` on stop; 0 = none. */
  readonly profileNode: number;
  /** Sampling interval of `profileNode`'s profiler in µs (V8's default: 1000); smaller resolves short frames. */
  readonly profileIntervalUs: number;
  /**
   * 1: compile the nodes to JavaScript first and run them on plain node, as a deployed
   * node runs (the TypeScript loader alone costs about 34 MiB of RSS per process);
   * 0: run them from source through the loader (no compile step, for quick runs).
   */
  readonly build: number;
  /** 1: form the cluster, let it settle, measure only `idle` (any `nodes` ≥ 1). */
  readonly idleOnly: number;
  /** Node number whose `idle` window alone is profiled, to `<tmpdir>/plumtree-idle-n<k>.cpuprofile`; 0 = none. */
  readonly profileIdle: number;
  /** Quiet time between forming and the `idle` measurement of an `idleOnly` run. */
  readonly settleMs: number;
  /** Nodes joining at once (0 = all): a loaded machine may not answer 31 joins in time. */
  readonly joinBatch: number;
  /** 1: graft timeouts fitted to round trips (`graftTimeouts: 'fitted'`); 0: fixed (the default). */
  readonly fittedGrafts: number;
  /** The core's `optimizationThreshold` on every node; -1: the core's default. */
  readonly optimizationThreshold: number;
  /**
   * 1: start the nodes with `RECOMMENDED_V8_FLAGS`, as a deployed node runs; 0: with
   * V8's defaults (the figures recorded before the flags existed).
   */
  readonly v8Flags: number;
  /** More flags for the nodes' `node` command line, space-separated (after `v8Flags`'s), e.g. `--node-flags "--max-semi-space-size=1"`. */
  readonly nodeFlags: string;
  /**
   * > 0: during `lat` and `tp`, every that many ms, read every node's eager set of the
   * root's tree and report the links that changed (`treeChanges`): which links flap.
   */
  readonly traceTreeMs: number;
}

export const CLUSTER_DEFAULTS: ClusterBenchOptions = {
  nodes: 4,
  lazyTickPeriod: 1000,
  latCount: 200,
  latIntervalMs: 20,
  tpCount: 1000,
  tpRounds: 3,
  warmupRounds: 2,
  killCount: 500,
  killIntervalMs: 4,
  killAfterMs: 1000,
  idleMs: 10_000,
  phaseTimeoutMs: 30_000,
  profileNode: 0,
  profileIntervalUs: 1000,
  build: 1,
  idleOnly: 0,
  profileIdle: 0,
  settleMs: 3_000,
  joinBatch: 0,
  fittedGrafts: 0,
  optimizationThreshold: -1,
  v8Flags: 0,
  nodeFlags: '',
  traceTreeMs: 0,
};

/** Compiles the nodes (see {@link compileNodeScript}) for this bench. */
function buildNodeScript(): string {
  return compileNodeScript(
    'tsconfig.bench-cluster.json',
    'plumtree-cluster-bench',
    'cluster-node.js',
  );
}

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

type Reply = Record<string, unknown>;

/** One node process and its IPC. */
class NodeProc {
  private ref = 0;
  private readonly pending = new Map<number, (r: Reply) => void>();
  private readonly completions = new Map<string, () => void>();
  readonly completed = new Set<string>();
  exited = false;
  /** Resolves once the process has loaded and listens for commands. */
  readonly ready: Promise<void>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    let ready = (): void => undefined;
    this.ready = new Promise((resolve) => {
      ready = resolve;
    });
    child.on('message', (m: Reply) => {
      if (m.cmd === 'ready') return ready();
      if (m.cmd === 'complete') {
        const phase = m.phase as string;
        this.completed.add(phase);
        this.completions.get(phase)?.();
        return;
      }
      const resolve = this.pending.get(m.ref as number);
      this.pending.delete(m.ref as number);
      resolve?.(m);
    });
    child.once('exit', () => {
      this.exited = true;
      for (const r of this.pending.values()) r({ error: `${name} exited` });
      this.pending.clear();
    });
  }

  ask(c: NodeCommand): Promise<Reply> {
    const ref = ++this.ref;
    return new Promise((resolve, reject) => {
      this.pending.set(ref, (r) =>
        r.error ? reject(new Error(`${this.name} ${c.cmd}: ${r.error}`)) : resolve(r),
      );
      this.child.send({ ...c, ref });
    });
  }

  /** Resolves when this node has every message of `phase`, or false after `ms`. */
  complete(phase: string, ms: number): Promise<boolean> {
    if (this.completed.has(phase)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.completions.set(phase, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function median(xs: readonly number[]): number {
  return quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

/** Eager links of every node for root `root`, as a BFS tree: children per node and depth. */
function treeOf(root: string, eagers: ReadonlyMap<string, readonly string[]>) {
  const children = new Map<string, string[]>([[root, []]]);
  let frontier = [root];
  let depth = 0;
  while (frontier.length) {
    const next: string[] = [];
    for (const x of frontier) {
      for (const y of eagers.get(x) ?? []) {
        if (children.has(y)) continue;
        children.set(y, []);
        children.get(x)?.push(y);
        next.push(y);
      }
    }
    if (next.length) depth++;
    frontier = next;
  }
  const reached = children.size;
  // nodes the eager links do not reach hang off the root, so the raw relay spans everyone
  for (const x of eagers.keys()) {
    if (!children.has(x)) {
      children.set(x, []);
      children.get(root)?.push(x);
    }
  }
  return { children, depth, reached };
}

export async function benchCluster(
  partial: Partial<ClusterBenchOptions> = {},
): Promise<Record<string, unknown>> {
  const o: ClusterBenchOptions = { ...CLUSTER_DEFAULTS, ...partial };
  if (!(o.nodes >= (o.idleOnly ? 1 : 2)))
    throw new Error('the cluster bench needs at least 2 nodes (1 with --idle-only 1)');
  const script = o.build
    ? buildNodeScript()
    : fileURLToPath(new URL('./cluster-node.ts', import.meta.url));
  const loader = o.build ? [] : ['--import', 'tsx'];
  const v8Flags = [
    ...(o.v8Flags ? RECOMMENDED_V8_FLAGS : []),
    ...o.nodeFlags.split(' ').filter((f) => f !== ''),
  ];
  const loadBefore = loadavg().map((x) => round(x));
  const procs: NodeProc[] = [];
  for (let k = 1; k <= o.nodes; k++) {
    // one profile per thread (the loader has its own), in a directory named for the node
    const profDir = join(tmpdir(), `plumtree-cluster-prof-n${k}`);
    const prof =
      k === o.profileNode
        ? ['--cpu-prof', '--cpu-prof-dir', profDir, `--cpu-prof-interval=${o.profileIntervalUs}`]
        : [];
    const child = fork(script, [], {
      execArgv: [...v8Flags, ...loader, ...prof],
      stdio: 'inherit',
    });
    procs.push(new NodeProc(`n${k}`, child));
  }
  const [root, ...others] = procs as [NodeProc, ...NodeProc[]];
  const alive = () => procs.filter((p) => !p.exited);
  const all = <T>(ps: readonly NodeProc[], f: (p: NodeProc, i: number) => Promise<T>) =>
    Promise.all(ps.map(f));

  const membersEverywhere = async (ps: readonly NodeProc[]) => {
    const deadline = Date.now() + o.phaseTimeoutMs;
    for (;;) {
      const m = await all(ps, (p) => p.ask({ cmd: 'members' }));
      if (m.every((r) => r.members === o.nodes)) return;
      if (Date.now() > deadline) throw new Error('the cluster did not form');
      await sleep(20);
    }
  };

  const tree = async () => {
    const eagers = new Map<string, readonly string[]>();
    for (const p of alive()) {
      const r = await p.ask({ cmd: 'peers', root: root.name });
      eagers.set(p.name, r.eagers as string[]);
    }
    return treeOf(root.name, eagers);
  };

  const usage = async (ps: readonly NodeProc[]) => {
    const rs = await all(ps, (p) => p.ask({ cmd: 'usage' }));
    return {
      cpuMs: rs.reduce((s, r) => s + (r.cpuMs as number), 0),
      perNode: rs.map((r) => r.cpuMs as number),
      rss: rs.map((r) => r.rss as number),
      heap: rs.map((r) => r.heapUsed as number),
      private: rs.map((r) => r.privateBytes as number | undefined),
    };
  };

  const controlTotals = async () => {
    const rs = await all(alive(), (p) => p.ask({ cmd: 'metrics' }));
    const sent: Record<string, number> = {};
    const received: Record<string, number> = {};
    const events: Record<string, number> = {};
    const prunesByNode: Record<string, number> = {};
    alive().forEach((p, i) => {
      const r = rs[i] as Record<string, Record<string, number>>;
      for (const [k, v] of Object.entries(r.sent ?? {})) sent[k] = (sent[k] ?? 0) + v;
      for (const [k, v] of Object.entries(r.received ?? {})) received[k] = (received[k] ?? 0) + v;
      for (const [k, v] of Object.entries(r.events ?? {})) events[k] = (events[k] ?? 0) + v;
      prunesByNode[p.name] = r.sent?.prune ?? 0;
    });
    return { sent, received, events, prunesByNode };
  };

  /**
   * The totals once every frame sent has been read (sent equals received, summed over
   * the cluster, for every type), or after 10 s. A node that fell behind still reads
   * the duplicates of the phase before for a while; without this its prunes and
   * duplicates would be charged to the next phase.
   */
  const quietTotals = async () => {
    const deadline = now() + 10_000;
    for (;;) {
      const t = await controlTotals();
      const types = new Set([...Object.keys(t.sent), ...Object.keys(t.received)]);
      const quiet = [...types].every((k) => (t.sent[k] ?? 0) === (t.received[k] ?? 0));
      if (quiet || now() > deadline) return { ...t, quiet };
      await sleep(100);
    }
  };

  /** Frames sent per broadcast by type between two totals, and the redundancy of payloads. */
  const perBroadcast = (
    a: Awaited<ReturnType<typeof quietTotals>>,
    b: Awaited<ReturnType<typeof quietTotals>>,
    count: number,
    receivers: number,
  ) => {
    const byType: Record<string, number> = {};
    let control = 0;
    for (const [k, v] of Object.entries(b.sent)) {
      const d = v - (a.sent[k] ?? 0);
      byType[k] = round(d / count, 3);
      if (k !== 'broadcast') control += d;
    }
    const payloads = (b.received.broadcast ?? 0) - (a.received.broadcast ?? 0);
    // What else happened meanwhile (summed over the nodes, non-zero only): a restart,
    // a connection closed, a drop, a tree optimisation would explain extra frames.
    const events = nonZeroChanges(a.events, b.events);
    const prunesByNode = nonZeroChanges(a.prunesByNode, b.prunesByNode);
    const payloadsSent = (b.sent.broadcast ?? 0) - (a.sent.broadcast ?? 0);
    return {
      events,
      prunesByNode,
      /** Payload frames sent and read per broadcast: equal unless a phase spilt over. */
      payloadsSentPerBroadcast: round(payloadsSent / count, 3),
      payloadsReceivedPerBroadcast: round(payloads / count, 3),
      quiet: a.quiet && b.quiet,
      framesPerBroadcast: byType,
      controlPerBroadcast: round(control / count, 3),
      rmr: round(payloads / (count * receivers) - 1, 4),
    };
  };

  /** While running, samples every node's eager set of the root's tree; returns the changes seen. */
  const watchTree = () => {
    if (o.traceTreeMs <= 0) return async () => undefined;
    const t0 = now();
    let last = new Map<string, string>();
    const changes: string[] = [];
    const flips: Record<string, number> = {};
    let stopped = false;
    let samples = 0;
    const loop = (async () => {
      while (!stopped) {
        const seen = new Map<string, string>();
        for (const p of alive()) {
          const r = await p.ask({ cmd: 'peers', root: root.name });
          seen.set(p.name, [...(r.eagers as string[])].sort().join(','));
        }
        samples++;
        for (const [n, e] of seen) {
          const before = last.get(n);
          if (before !== undefined && before !== e) {
            flips[n] = (flips[n] ?? 0) + 1;
            if (changes.length < 60)
              changes.push(`${round(now() - t0, 0)}ms ${n}: [${before}] -> [${e}]`);
          }
        }
        last = seen;
        await sleep(o.traceTreeMs);
      }
    })();
    return async () => {
      stopped = true;
      await loop;
      return { samples, flips, changes, final: Object.fromEntries(last) };
    };
  };

  /** Runs one phase of broadcasts from the root; arrival times at every receiver. */
  const phase = async (
    name: string,
    count: number,
    intervalMs: number,
    raw: boolean,
    during?: () => void,
  ) => {
    const receivers = alive().filter((p) => p !== root);
    await all(receivers, (p) => p.ask({ cmd: 'expect', phase: name, count }));
    const before = await usage(alive());
    const sending = root.ask({ cmd: 'broadcast', phase: name, count, intervalMs, raw });
    during?.();
    const sentAt = (await sending).sentAt as number[];
    const survivors = () => receivers.filter((p) => !p.exited);
    const done = await all(survivors(), (p) => p.complete(name, o.phaseTimeoutMs));
    const after = await usage(alive());
    const arrivals = new Map<string, number[]>();
    const downAt = new Map<string, Record<string, number>>();
    for (const p of survivors()) {
      const r = await p.ask({ cmd: 'arrivals' });
      arrivals.set(p.name, r.arrivals as number[]);
      downAt.set(p.name, r.downAt as Record<string, number>);
    }
    const last = Math.max(...[...arrivals.values()].flat());
    return {
      sentAt,
      arrivals,
      downAt,
      allDelivered: done.every(Boolean) && survivors().length > 0,
      cpuMsPerBroadcast: (after.cpuMs - before.cpuMs) / count,
      msgPerSec: count / ((last - (sentAt[0] as number)) / 1000),
    };
  };

  const latencies = (r: Awaited<ReturnType<typeof phase>>, pick = (_i: number) => true) => {
    const xs: number[] = [];
    for (const a of r.arrivals.values())
      a.forEach((t, i) => {
        if (t >= 0 && pick(i)) xs.push(t - (r.sentAt[i] as number));
      });
    return xs.sort((x, y) => x - y);
  };

  /** CPU summed over the cluster (% of one core) and RSS per node while nothing is sent. */
  const measureIdle = async () => {
    const profiled = procs[o.profileIdle - 1];
    await profiled?.ask({ cmd: 'profileStart' });
    const i0 = await usage(procs);
    const iStart = now();
    await sleep(o.idleMs);
    const i1 = await usage(procs);
    const file = join(tmpdir(), `plumtree-idle-n${o.profileIdle}.cpuprofile`);
    await profiled?.ask({ cmd: 'profileStop', file });
    const idleWall = now() - iStart;
    const rssMiB = i1.rss.map((b) => b / 2 ** 20);
    const heapMiB = i1.heap.map((b) => b / 2 ** 20);
    const privateMiB = i1.private.flatMap((b) => (b === undefined ? [] : [b / 2 ** 20]));
    const perNode = i1.perNode.map((c, k) => (c - (i0.perNode[k] as number)) / idleWall);
    const busiest = perNode.indexOf(Math.max(...perNode));
    return {
      ms: round(idleWall, 0),
      cpuPercentOfOneCore: round(((i1.cpuMs - i0.cpuMs) / idleWall) * 100, 3),
      cpuPercentPerNode: round(((i1.cpuMs - i0.cpuMs) / idleWall / procs.length) * 100, 4),
      rssMiBMean: round(rssMiB.reduce((s, x) => s + x, 0) / rssMiB.length, 1),
      rssMiBMax: round(Math.max(...rssMiB), 1),
      heapUsedMiBMean: round(heapMiB.reduce((s, x) => s + x, 0) / heapMiB.length, 1),
      // RSS less the shared pages of the node binary: what each node adds to the host
      privateMiBMean:
        privateMiB.length === 0
          ? null
          : round(privateMiB.reduce((s, x) => s + x, 0) / privateMiB.length, 1),
      busiestNode: procs[busiest]?.name,
      busiestCpuPercent: round((perNode[busiest] ?? 0) * 100, 3),
    };
  };

  try {
    await Promise.all(procs.map((p) => p.ready));
    const threshold =
      o.optimizationThreshold >= 0 ? { optimizationThreshold: o.optimizationThreshold } : {};
    // formation: from the first start until every broadcast server sees everyone
    const t0 = now();
    const port = (
      await root.ask({
        cmd: 'start',
        name: root.name,
        lazyTickPeriod: o.lazyTickPeriod,
        fittedGrafts: o.fittedGrafts === 1,
        ...threshold,
      })
    ).port as number;
    const batch = o.joinBatch > 0 ? o.joinBatch : others.length;
    // in batches, each node joins through one started before it, so no seed carries all
    const joinPorts = [port];
    for (let b = 0; b < others.length; b += batch) {
      const started = await all(others.slice(b, b + batch), (p, i) =>
        p.ask({
          cmd: 'start',
          name: p.name,
          join: `127.0.0.1:${o.joinBatch > 0 ? joinPorts[(b + i) % joinPorts.length] : port}`,
          lazyTickPeriod: o.lazyTickPeriod,
          fittedGrafts: o.fittedGrafts === 1,
          ...threshold,
        }),
      );
      for (const r of started) joinPorts.push(r.port as number);
    }
    await membersEverywhere(procs);
    const formationMs = now() - t0;
    if (o.idleOnly) {
      await sleep(o.settleMs);
      return {
        nodes: o.nodes,
        loadavg: { before: loadBefore, after: loadavg().map((x) => round(x)) },
        options: o,
        formation: { ms: round(formationMs, 1) },
        idle: await measureIdle(),
      };
    }

    // first: every broadcast server restarted, so each starts from its initial sets
    await all(procs, (p) => p.ask({ cmd: 'restart' }));
    await membersEverywhere(procs);
    const initialTree = await tree();
    const c0 = await quietTotals();
    const first = await phase('first', 1, 0, false);
    await sleep(o.lazyTickPeriod + 200);
    const c1 = await quietTotals();
    const settledFirst = await tree();

    // warm-up (not counted): the code paths of a node in service, compiled
    const warmOurs: Awaited<ReturnType<typeof phase>>[] = [];
    for (let r = 0; r < o.warmupRounds; r++) {
      warmOurs.push(await phase(`warm${r}`, o.tpCount, 0, false));
      await sleep(o.lazyTickPeriod + 200);
    }

    const cLat = await quietTotals();

    // lat: spaced broadcasts over the settled tree
    const stopLatTrace = watchTree();
    const lat = await phase('lat', o.latCount, o.latIntervalMs, false);
    await sleep(o.lazyTickPeriod + 200);
    const latTree = await stopLatTrace();
    const c2 = await quietTotals();
    const latMs = latencies(lat);

    // raw relay over the tree our nodes settled on
    const settled = await tree();
    const ports = new Map<string, number>();
    for (const p of procs) ports.set(p.name, (await p.ask({ cmd: 'rawStart' })).port as number);
    for (const p of procs) {
      const kids = settled.children.get(p.name) ?? [];
      await p.ask({ cmd: 'rawTree', children: kids.map((k) => ports.get(k) as number) });
    }

    const warmRaw: Awaited<ReturnType<typeof phase>>[] = [];
    for (let r = 0; r < o.warmupRounds; r++) {
      warmRaw.push(await phase(`rawwarm${r}`, o.tpCount, 0, true));
    }
    // the raw relay's latency: the floor of this machine (wake-ups, loopback, clocks)
    const rawLat = latencies(await phase('rawlat', o.latCount, o.latIntervalMs, true));

    // tp: back to back, alternating with the raw relay
    const ours: Awaited<ReturnType<typeof phase>>[] = [];
    const raws: Awaited<ReturnType<typeof phase>>[] = [];
    let tpControl: ReturnType<typeof perBroadcast> | undefined;
    const tpTrees: unknown[] = [];
    for (let r = 0; r < o.tpRounds; r++) {
      raws.push(await phase(`raw${r}`, o.tpCount, 0, true));
      const a = await quietTotals();
      const stopTpTrace = watchTree();
      ours.push(await phase(`tp${r}`, o.tpCount, 0, false));
      await sleep(o.lazyTickPeriod + 200);
      tpTrees.push(await stopTpTrace());
      const b = await quietTotals();
      tpControl ??= perBroadcast(a, b, o.tpCount, o.nodes - 1);
    }
    const tp = {
      msgPerSec: round(median(ours.map((x) => x.msgPerSec)), 0),
      cpuMsPerBroadcast: round(median(ours.map((x) => x.cpuMsPerBroadcast)), 3),
      allDelivered: ours.every((x) => x.allDelivered),
      /** Every round, in order: the medians above hide warm-up and noise. */
      rounds: ours.map((x, i) => ({
        msgPerSec: round(x.msgPerSec, 0),
        cpuMsPerBroadcast: round(x.cpuMsPerBroadcast, 3),
        rawMsgPerSec: round((raws[i] as typeof x).msgPerSec, 0),
        rawCpuMsPerBroadcast: round((raws[i] as typeof x).cpuMsPerBroadcast, 3),
      })),
    };
    const raw = {
      msgPerSec: round(median(raws.map((x) => x.msgPerSec)), 0),
      cpuMsPerBroadcast: round(median(raws.map((x) => x.cpuMsPerBroadcast)), 3),
      allDelivered: raws.every((x) => x.allDelivered),
      treeDepth: settled.depth,
      lat: {
        p50Ms: round(quantile(rawLat, 0.5), 3),
        p99Ms: round(quantile(rawLat, 0.99), 3),
        maxMs: round(quantile(rawLat, 1), 3),
      },
    };
    const warmup = {
      rounds: o.warmupRounds,
      ours: warmOurs.map((x) => ({
        msgPerSec: round(x.msgPerSec, 0),
        cpuMsPerBroadcast: round(x.cpuMsPerBroadcast, 3),
        allDelivered: x.allDelivered,
      })),
      raw: warmRaw.map((x) => ({
        msgPerSec: round(x.msgPerSec, 0),
        cpuMsPerBroadcast: round(x.cpuMsPerBroadcast, 3),
        allDelivered: x.allDelivered,
      })),
    };

    // idle: the formed cluster doing nothing
    await sleep(Math.min(o.idleMs, o.lazyTickPeriod));
    const idle = await measureIdle();

    // kill: the eager child of the root with the largest subtree dies mid-stream
    const subtree = (x: string): number =>
      1 + (settled.children.get(x) ?? []).reduce((s, y) => s + subtree(y), 0);
    const rootKids = settled.children.get(root.name) ?? [];
    const victimName = [...rootKids].sort((a, b) => subtree(b) - subtree(a))[0] ?? others[0]?.name;
    const victim = procs.find((p) => p.name === victimName) as NodeProc;
    let killedAt = Number.POSITIVE_INFINITY;
    const kill = await phase('kill', o.killCount, o.killIntervalMs, false, () => {
      setTimeout(() => {
        killedAt = now();
        victim.child.kill('SIGKILL');
      }, o.killAfterMs);
    });
    if (process.env.CLUSTER_BENCH_DUMP) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(
        process.env.CLUSTER_BENCH_DUMP,
        JSON.stringify({
          killedAt,
          sentAt: kill.sentAt,
          arrivals: Object.fromEntries(kill.arrivals),
          tree: Object.fromEntries(settled.children),
        }),
      );
    }
    const beforeKill = latencies(kill, (i) => (kill.sentAt[i] as number) < killedAt);
    const afterKill = latencies(kill, (i) => (kill.sentAt[i] as number) >= killedAt);
    const baselineMs = quantile(beforeKill, 0.5);
    const allKill = latencies(kill);

    const loadAfter = loadavg().map((x) => round(x));
    return {
      nodes: o.nodes,
      loadavg: { before: loadBefore, after: loadAfter },
      options: o,
      formation: { ms: round(formationMs, 1) },
      first: {
        maxMs: round(Math.max(...latencies(first)), 2),
        allDelivered: first.allDelivered,
        initialDepth: initialTree.depth,
        initialReached: initialTree.reached,
        settledDepth: settledFirst.depth,
        ...perBroadcast(c0, c1, 1, o.nodes - 1),
      },
      lat: {
        p50Ms: round(quantile(latMs, 0.5), 3),
        p99Ms: round(quantile(latMs, 0.99), 3),
        maxMs: round(quantile(latMs, 1), 3),
        allDelivered: lat.allDelivered,
        treeDepth: settled.depth,
        ...perBroadcast(cLat, c2, o.latCount, o.nodes - 1),
        ...(latTree === undefined ? {} : { treeChanges: latTree }),
      },
      tp: {
        ...tp,
        ...(tpControl ?? {}),
        ...(o.traceTreeMs > 0 ? { treeChanges: tpTrees } : {}),
      },
      raw,
      warmup,
      ratio: {
        msgPerSec: round(tp.msgPerSec / raw.msgPerSec, 3),
        cpuMsPerBroadcast: round(tp.cpuMsPerBroadcast / raw.cpuMsPerBroadcast, 2),
      },
      idle,
      kill: {
        victim: victim.name,
        baselineMs: round(baselineMs, 2),
        maxExtraMs: round((afterKill.at(-1) ?? baselineMs) - baselineMs, 1),
        late100: allKill.filter((x) => x > 100).length,
        lateByNode: Object.fromEntries(
          [...kill.arrivals].map(([n, a]) => [
            n,
            a.filter((t, i) => t >= 0 && t - (kill.sentAt[i] as number) > 100).length,
          ]),
        ),
        // how long after the kill each survivor's membership reported the victim down
        detectedMs: Object.fromEntries(
          [...kill.downAt].map(([n, d]) => [
            n,
            round((d[victim.name] ?? Number.NaN) - killedAt, 1),
          ]),
        ),
        allDelivered: kill.allDelivered,
      },
    };
  } finally {
    // a child that stops exits by itself (writing its CPU profile, if any); others are killed
    await Promise.all(
      alive().map((p) => {
        const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
        p.ask({ cmd: 'stop' }).catch(() => undefined);
        return Promise.race([exited, sleep(10_000)]).then(() => {
          if (!p.exited) p.child.kill('SIGKILL');
        });
      }),
    );
  }
}

/** `after - before` per key, keeping only the keys that changed. */
function nonZeroChanges(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

/** Reads `--nodes N` style flags into options. */
export function clusterOptionsFromArgs(args: readonly string[]): Partial<ClusterBenchOptions> {
  const out: Record<string, number | string> = {};
  const keys = Object.keys(CLUSTER_DEFAULTS);
  for (let k = 0; k < args.length; k++) {
    const a = args[k] as string;
    if (!a.startsWith('--') || a === '--json') continue;
    const key = a.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (key === 'nodeFlags') {
      out[key] = args[k + 1] ?? '';
      k++;
      continue;
    }
    const v = Number(args[k + 1]);
    if (!keys.includes(key) || !Number.isFinite(v))
      throw new Error(`unknown or invalid option ${a} ${args[k + 1] ?? ''}`);
    out[key] = v;
    k++;
  }
  return out as Partial<ClusterBenchOptions>;
}

export function describeCluster(r: Record<string, unknown>): string {
  const g = (k: string) => r[k] as Record<string, unknown>;
  const tp = g('tp');
  const raw = g('raw');
  const ratio = g('ratio');
  const lat = g('lat');
  const first = g('first');
  const kill = g('kill');
  const idle = g('idle');
  const load = g('loadavg');
  const idleLine = `idle:      ${idle.cpuPercentOfOneCore} % of one core over the cluster (${idle.cpuPercentPerNode} % per node) in ${idle.ms} ms, RSS ${idle.rssMiBMean} MiB mean, ${idle.rssMiBMax} max, private (RSS less shared pages) ${idle.privateMiBMean} MiB mean, heap used ${idle.heapUsedMiBMean} MiB mean; busiest ${idle.busiestNode} ${idle.busiestCpuPercent} %`;
  if (tp === undefined)
    return [
      `nodes ${r.nodes}, load average before ${JSON.stringify(load.before)} after ${JSON.stringify(load.after)}`,
      `formation: ${g('formation').ms} ms`,
      idleLine,
    ].join('\n');
  return [
    `nodes ${r.nodes}, load average before ${JSON.stringify(load.before)} after ${JSON.stringify(load.after)}`,
    `formation: ${g('formation').ms} ms`,
    `first:     max ${first.maxMs} ms, rmr ${first.rmr}, control/broadcast ${first.controlPerBroadcast}, depth initial ${first.initialDepth} settled ${first.settledDepth}`,
    `lat:       p50 ${lat.p50Ms} ms, p99 ${lat.p99Ms} ms, max ${lat.maxMs} ms, rmr ${lat.rmr}, control/broadcast ${lat.controlPerBroadcast} ${JSON.stringify(lat.framesPerBroadcast)}`,
    `tp:        ${tp.msgPerSec} msg/s, ${tp.cpuMsPerBroadcast} CPU ms/broadcast, control/broadcast ${tp.controlPerBroadcast} ${JSON.stringify(tp.framesPerBroadcast)}`,
    `raw relay: ${raw.msgPerSec} msg/s, ${raw.cpuMsPerBroadcast} CPU ms/broadcast (tree depth ${raw.treeDepth}), lat ${JSON.stringify(raw.lat)}`,
    `ours/raw:  msg/s ${ratio.msgPerSec}, CPU per broadcast ${ratio.cpuMsPerBroadcast}×`,
    `warm-up:   ${JSON.stringify(g('warmup'))} (not counted)`,
    idleLine,
    `kill:      ${kill.victim} killed, worst extra delay ${kill.maxExtraMs} ms, ${kill.late100} later than 100 ms, all delivered at survivors: ${kill.allDelivered}`,
  ].join('\n');
}
