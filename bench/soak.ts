/**
 * The soak benchmark: a cluster of node processes under a steady stream of writes
 * through the admin API, over a fixed set of rotating keys, sampling every node's RSS
 * and heap. The key set does not grow, so neither should memory: the numbers to watch
 * are how much each node's RSS and live heap grow over the second half of the run
 * (the acceptance bound is 2 MiB per node, both).
 *
 * `npm run bench -- soak [--minutes M] [--nodes N] [--rate W] [--keys K] [--json]`
 * (defaults 10 minutes, 8 nodes, 84 writes/s, 1000 keys); `--data-dir` gives every node
 * a data directory (fsync on), `--exchange-tick MS` sets the anti-entropy period.
 * `--quiet-ms MS` sets how long writing stands still before each of the two readings
 * (default 5000). `--heap-snapshots DIR` also writes heap snapshots of the nodes named by
 * `--snapshot-nodes a,b` (default n0) at half time and at the end, to compare
 * retainers; `--gc-samples` (diagnosis) forces a GC at every sample so the live heap
 * can be followed over time.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RECOMMENDED_V8_FLAGS } from '../src/node/index.js';
import { buildNodeScript as compileNodeScript } from './build-node-script.js';

const MiB = 1024 * 1024;

interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** Committed bytes of V8's young generation, code space and old space. */
  readonly newSpace: number;
  readonly codeSpace: number;
  readonly oldSpace: number;
  readonly v8Malloced: number;
  readonly heapPhysical: number;
  /** The kernel's split of RSS (Linux): anonymous pages, file pages, the main malloc arena. */
  readonly rssAnon?: number;
  readonly rssFile?: number;
  readonly mallocMainArena?: number;
  /** Heap used after a forced full GC (only when the sample asked for one). */
  readonly liveHeap?: number;
  /** RSS right after that GC. */
  readonly rssAfterGc?: number;
}

/** The acceptance bound of the soak: growth over the second half, per node. */
const BOUND_MIB = 2;
/** How long writing stands still before each of the two measurements of the second half (default). */
const QUIET_MS = 5000;
/** The window, before each quiet point, of the windowed (diagnosis) growth figure. */
const WINDOW_S = 120;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Sample {
  /** Seconds since writes began. */
  readonly t: number;
  readonly rssMiB: number[];
  readonly heapUsedMiB: number[];
  /** What V8 has reserved for the heap: grows with the young generation's capacity. */
  readonly heapTotalMiB: number[];
  readonly externalMiB: number[];
  readonly arrayBuffersMiB: number[];
  readonly newSpaceMiB: number[];
  readonly codeSpaceMiB: number[];
  readonly oldSpaceMiB: number[];
  readonly v8MallocedMiB: number[];
  readonly heapPhysicalMiB: number[];
  readonly rssAnonMiB: number[];
  readonly rssFileMiB: number[];
  readonly mallocMainArenaMiB: number[];
  /** Heap still referenced after a full GC, when this sample forced one. */
  readonly liveHeapMiB?: number[];
  readonly rssAfterGcMiB?: number[];
}

class NodeProcess {
  private nextId = 0;
  private readonly waiting = new Map<number, (body: unknown) => void>();
  adminPort = 0;
  port = 0;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (m: { id?: number; body?: unknown }) => {
      if (m.id === undefined) return;
      const resolve = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      resolve?.(m.body);
    });
  }

  static start(
    launch: Launch,
    name: string,
    join: string | undefined,
    exchangeTickMs: number,
    dataDir: string | undefined,
  ): Promise<NodeProcess> {
    const child = fork(launch.script, [name, join ?? '-', String(exchangeTickMs), dataDir ?? '-'], {
      execArgv: [...launch.execArgv, '--expose-gc'],
      env: { ...process.env, ...launch.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const node = new NodeProcess(name, child);
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`node ${name} exited with ${code}`)));
      child.on('message', (m: { event?: string; port?: number; adminPort?: number }) => {
        if (m.event !== 'listening') return;
        node.port = m.port ?? 0;
        node.adminPort = m.adminPort ?? 0;
        child.removeAllListeners('exit');
        resolve(node);
      });
    });
  }

  ask<T>(message: Record<string, unknown>, timeoutMs = 60_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name} did not answer ${String(message.type)}`)),
        timeoutMs,
      );
      this.waiting.set(id, (body) => {
        clearTimeout(timer);
        resolve(body as T);
      });
      this.child.send({ ...message, id });
    });
  }

  async stop(): Promise<void> {
    await this.ask({ type: 'stop' }).catch(() => undefined);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** How a node process is started: which script, node flags and environment. */
interface Launch {
  readonly script: string;
  readonly execArgv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** Compiles the nodes (see {@link compileNodeScript}) for this bench. */
function buildNodeScript(): string {
  return compileNodeScript('tsconfig.bench-soak.json', 'plumtree-soak-bench', 'soak-node.js');
}

function option(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

function stringOption(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? undefined : args[i + 1];
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? 0
    : ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
};

/** Least-squares slope of `ys` over `xs`. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Runs the soak and returns what it measured. */
export async function benchSoak(args: readonly string[] = []): Promise<Record<string, unknown>> {
  const minutes = option(args, 'minutes', 10);
  const nodeCount = option(args, 'nodes', 8);
  const rate = option(args, 'rate', 84);
  const keyCount = option(args, 'keys', 1000);
  const exchangeTickMs = option(args, 'exchange-tick', 10_000);
  const quietMs = option(args, 'quiet-ms', QUIET_MS);
  const snapshots = stringOption(args, 'heap-snapshots');
  const snapshotNodes = (stringOption(args, 'snapshot-nodes') ?? 'n0').split(',');
  // Diagnosis only: a full GC before every sample's heap reading gives the live heap
  // over time, but collecting every few seconds also changes what RSS does.
  const gcEverySample = args.includes('--gc-samples');
  const dataRoot = args.includes('--data-dir')
    ? await mkdtemp(join(tmpdir(), 'plumtree-soak-'))
    : undefined;
  const dirOf = (name: string) => (dataRoot === undefined ? undefined : join(dataRoot, name));
  const durationMs = minutes * 60_000;
  const sampleEveryMs = Math.min(10_000, Math.max(1000, durationMs / 60));
  // Compiled and on plain node, as a node is deployed: the TypeScript loader alone adds
  // about 34 MiB of RSS per process and allocates as it goes. `--from-source` skips the
  // compile step for quick runs.
  const fromSource = args.includes('--from-source');
  const script = fromSource
    ? fileURLToPath(new URL('./soak-node.ts', import.meta.url))
    : buildNodeScript();
  const launchOf = (flags: string | undefined, env: string | undefined): Launch => ({
    script,
    execArgv: [
      ...(fromSource ? ['--import', 'tsx'] : []),
      ...(flags?.split(' ').filter((f) => f !== '') ?? []),
    ],
    env: Object.fromEntries(
      (env?.split(',').filter((e) => e !== '') ?? []).map((e) => {
        const at = e.indexOf('=');
        if (at <= 0) throw new Error('--node-env takes NAME=VALUE[,NAME=VALUE...]');
        return [e.slice(0, at), e.slice(at + 1)];
      }),
    ),
  });
  // Nodes run with the flags a deployed node runs with unless told otherwise
  // (`--node-flags ''` for V8's defaults).
  const launch = launchOf(
    stringOption(args, 'node-flags') ?? RECOMMENDED_V8_FLAGS.join(' '),
    stringOption(args, 'node-env'),
  );
  // Diagnosis: the odd-numbered nodes started another way, to compare two ways of
  // running a node under the very same load.
  const altFlags = stringOption(args, 'alt-node-flags');
  const altEnv = stringOption(args, 'alt-node-env');
  const alt =
    altFlags === undefined && altEnv === undefined ? undefined : launchOf(altFlags, altEnv);
  const launchFor = (k: number): Launch => (k % 2 === 1 && alt !== undefined ? alt : launch);
  const loads: number[][] = [loadavg()];

  const nodes: NodeProcess[] = [];
  try {
    const first = await NodeProcess.start(
      launchFor(0),
      'n0',
      undefined,
      exchangeTickMs,
      dirOf('n0'),
    );
    nodes.push(first);
    const seed = `127.0.0.1:${first.port}`;
    nodes.push(
      ...(await Promise.all(
        Array.from({ length: nodeCount - 1 }, (_, i) =>
          NodeProcess.start(
            launchFor(i + 1),
            `n${i + 1}`,
            seed,
            exchangeTickMs,
            dirOf(`n${i + 1}`),
          ),
        ),
      )),
    );

    const expected = new Map<string, number>();
    let written = 0;
    let failed = 0;
    let skipped = 0;
    let inFlight = 0;
    let seq = 0;
    // Writes to one key that were in flight together (a backlog let a key come round
    // again before its last write was answered): their order is the order the nodes
    // took them in, which the client cannot see, so "the last acknowledged" says
    // nothing about which one a node should hold. Counted apart, not as lost.
    const inFlightPerKey = new Map<string, number>();
    const overlapped = new Set<string>();
    const writeOne = async (): Promise<void> => {
      const i = seq++;
      const key = `k${i % keyCount}`;
      const node = nodes[i % nodes.length] as NodeProcess;
      inFlight++;
      const sameKey = inFlightPerKey.get(key) ?? 0;
      if (sameKey > 0) overlapped.add(key);
      inFlightPerKey.set(key, sameKey + 1);
      try {
        const res = await fetch(`http://127.0.0.1:${node.adminPort}/kv/${key}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ value: { i, at: Date.now(), pad: 'x'.repeat(64) } }),
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        if (res.ok) {
          written++;
          // Writes to a key go out one after another (a key is rewritten every
          // keyCount writes, seconds apart), so the last acknowledged is the latest.
          expected.set(key, i);
        } else failed++;
      } catch {
        failed++;
      } finally {
        inFlight--;
        const left = (inFlightPerKey.get(key) ?? 1) - 1;
        if (left === 0) inFlightPerKey.delete(key);
        else inFlightPerKey.set(key, left);
      }
    };

    const samples: Sample[] = [];
    const t0 = Date.now();
    // The half-time and final samples also force a full GC on every node (after reading
    // RSS), so heap growth is measured on live objects, not on garbage not yet collected.
    const sample = async (gc = gcEverySample): Promise<Sample> => {
      const mem = await Promise.all(nodes.map((n) => n.ask<Memory>({ type: 'memory', gc })));
      const s: Sample = {
        t: round((Date.now() - t0) / 1000, 0),
        rssMiB: mem.map((m) => round(m.rss / MiB)),
        heapUsedMiB: mem.map((m) => round(m.heapUsed / MiB)),
        heapTotalMiB: mem.map((m) => round(m.heapTotal / MiB)),
        externalMiB: mem.map((m) => round(m.external / MiB)),
        arrayBuffersMiB: mem.map((m) => round(m.arrayBuffers / MiB, 2)),
        newSpaceMiB: mem.map((m) => round(m.newSpace / MiB)),
        codeSpaceMiB: mem.map((m) => round(m.codeSpace / MiB)),
        oldSpaceMiB: mem.map((m) => round(m.oldSpace / MiB)),
        v8MallocedMiB: mem.map((m) => round(m.v8Malloced / MiB, 2)),
        heapPhysicalMiB: mem.map((m) => round(m.heapPhysical / MiB)),
        rssAnonMiB: mem.map((m) => round((m.rssAnon ?? 0) / MiB)),
        rssFileMiB: mem.map((m) => round((m.rssFile ?? 0) / MiB)),
        mallocMainArenaMiB: mem.map((m) => round((m.mallocMainArena ?? 0) / MiB)),
        ...(gc
          ? {
              liveHeapMiB: mem.map((m) => round((m.liveHeap ?? m.heapUsed) / MiB, 2)),
              rssAfterGcMiB: mem.map((m) => round((m.rssAfterGc ?? m.rss) / MiB)),
            }
          : {}),
      };
      samples.push(s);
      loads.push(loadavg());
      return s;
    };
    await sample();
    const stats = (): Promise<unknown[]> => Promise.all(nodes.map((n) => n.ask({ type: 'stats' })));
    const wantStats = args.includes('--stats');
    // The probe runs once before the first half too: its first call compiles the metrics
    // rendering and the mailbox walk, and that code (about 0.25 MiB of code space on
    // every node) would otherwise land in the second half it is meant to observe.
    if (wantStats) await stats();

    // Writes are due by elapsed time, so a timer delayed by a loaded machine catches up
    // instead of quietly lowering the rate.
    let issued = 0;
    let paused = false;
    let pausedMs = 0;
    const writer = setInterval(() => {
      if (paused) return;
      const due = Math.floor(((Date.now() - t0 - pausedMs) * rate) / 1000);
      while (issued < due) {
        issued++;
        // Never queue without bound behind a stalled node: a skipped write is reported.
        if (inFlight >= 256) skipped++;
        else void writeOne();
      }
    }, 20);
    // A sample a loaded node is too slow to answer is skipped, not fatal.
    const sampler = setInterval(() => void sample().catch(() => undefined), sampleEveryMs);
    const snapshotFiles: string[] = [];
    const snapshot = async (when: string): Promise<void> => {
      if (snapshots === undefined) return;
      for (const n of nodes.filter((x) => snapshotNodes.includes(x.name))) {
        snapshotFiles.push(
          await n.ask<string>(
            { type: 'heapsnapshot', file: join(snapshots, `${n.name}-${when}.heapsnapshot`) },
            600_000,
          ),
        );
      }
    };
    // The two points the second half is judged between are quiet ones: writing stops,
    // every write is answered, and the nodes get QUIET_MS to drain what is in flight
    // between them. Otherwise the figure measures how far behind a loaded node happens
    // to be at that instant (queued frames, pending calls), not what it keeps.
    // When each quiet point began (seconds since writes began), for the windowed figures.
    const writingStopped: number[] = [];
    const quiet = async (): Promise<void> => {
      paused = true;
      writingStopped.push((Date.now() - t0) / 1000);
      while (inFlight > 0) await sleep(50);
      await sleep(quietMs);
    };
    await sleep(durationMs / 2);
    const pauseFrom = Date.now();
    await quiet();
    const halfSample = await sample(true);
    const halfStats = wantStats ? await stats() : undefined;
    await snapshot('half');
    pausedMs = Date.now() - pauseFrom;
    paused = false;
    await sleep(durationMs / 2);
    await quiet();
    clearInterval(writer);
    clearInterval(sampler);
    const end = await sample(true);
    if (wantStats) console.error(JSON.stringify({ half: halfStats, end: await stats() }));
    await snapshot('end');

    // Nothing lost, every node agrees. A write the client saw fail (a timeout) may still
    // have been taken, so a node may hold a later value than the last acknowledged one:
    // a copy is lost when it is older than that, and different when the nodes disagree.
    const keys = [...expected.keys()];
    const want = keys.map((k) => expected.get(k) as number);
    const convergeStart = Date.now();
    let disagreeing = nodes.length;
    let missing = 0;
    let lost = 0;
    let olderOverlapped = 0;
    const overlapAt = keys.map((k) => overlapped.has(k));
    while (Date.now() - convergeStart < 120_000) {
      const held = await Promise.all(nodes.map((n) => n.ask<unknown[]>({ type: 'values', keys })));
      const seqs = held.map((values) =>
        values.map((v) => (v as { i?: number } | undefined)?.i ?? -1),
      );
      const newest = keys.map((_, j) => Math.max(...seqs.map((xs) => xs[j] as number)));
      missing = 0;
      lost = 0;
      olderOverlapped = 0;
      disagreeing = 0;
      for (const xs of seqs) {
        const older = xs.filter((x, j) => x < (want[j] as number) && !overlapAt[j]).length;
        olderOverlapped += xs.filter((x, j) => x < (want[j] as number) && overlapAt[j]).length;
        const wrong = xs.filter((x, j) => x !== newest[j]).length;
        if (wrong > 0 || older > 0) disagreeing++;
        missing += Math.max(wrong, older);
        lost += older;
      }
      if (disagreeing === 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const convergeMs = Date.now() - convergeStart;

    const halfStart = halfSample;
    const mid = samples.filter((s) => s.t >= halfStart.t && s.t <= end.t);
    // Diagnosis beside the two-point figure: RSS under load swings with V8's collection
    // cycle (several MiB, about every half minute here), so a single reading lands
    // anywhere on it. The median of the samples taken while writing in the last
    // WINDOW_S seconds before each quiet point spans a few cycles.
    const windowS = Math.min(WINDOW_S, durationMs / 4000);
    const writingWindow = (stop: number) =>
      samples.filter((s) => s.t > stop - windowS && s.t <= stop && s.liveHeapMiB === undefined);
    const halfWindow = writingWindow(writingStopped[0] ?? 0);
    const endWindow = writingWindow(writingStopped[1] ?? 0);
    const writingSecondHalf = mid.filter(
      (s) => s.liveHeapMiB === undefined && s.t <= (writingStopped[1] ?? end.t),
    );
    const perNode = nodes.map((n, j) => {
      const xs = mid.map((s) => s.t / 60);
      const rssGrowth = round((end.rssMiB[j] as number) - (halfStart.rssMiB[j] as number));
      const heapGrowth = round(
        (end.liveHeapMiB?.[j] as number) - (halfStart.liveHeapMiB?.[j] as number),
        2,
      );
      return {
        node: n.name,
        rssStartMiB: (samples[0] as Sample).rssMiB[j],
        rssHalfMiB: halfStart.rssMiB[j],
        rssEndMiB: end.rssMiB[j],
        secondHalfRssGrowthMiB: rssGrowth,
        secondHalfRssSlopeMiBPerMin: round(
          slope(
            xs,
            mid.map((s) => s.rssMiB[j] as number),
          ),
          2,
        ),
        secondHalfRssWindowMedianGrowthMiB: round(
          median(endWindow.map((s) => s.rssMiB[j] as number)) -
            median(halfWindow.map((s) => s.rssMiB[j] as number)),
        ),
        secondHalfRssRangeMiB: round(
          Math.max(...writingSecondHalf.map((s) => s.rssMiB[j] as number)) -
            Math.min(...writingSecondHalf.map((s) => s.rssMiB[j] as number)),
        ),
        liveHeapHalfMiB: halfStart.liveHeapMiB?.[j],
        liveHeapEndMiB: end.liveHeapMiB?.[j],
        secondHalfHeapGrowthMiB: heapGrowth,
        // Where the RSS growth went, half -> end (read at the same instants as RSS).
        secondHalfGrowthMiB: Object.fromEntries(
          (
            [
              'heapTotalMiB',
              'heapPhysicalMiB',
              'newSpaceMiB',
              'oldSpaceMiB',
              'codeSpaceMiB',
              'v8MallocedMiB',
              'externalMiB',
              'arrayBuffersMiB',
              'rssAnonMiB',
              'rssFileMiB',
              'mallocMainArenaMiB',
              'rssAfterGcMiB',
            ] as const
          ).map((f) => [
            f,
            round(((end[f] ?? [])[j] as number) - ((halfStart[f] ?? [])[j] as number), 2),
          ]),
        ),
        rssWithinBound: rssGrowth <= BOUND_MIB,
        heapWithinBound: heapGrowth <= BOUND_MIB,
      };
    });
    const growth = perNode.map((p) => p.secondHalfRssGrowthMiB);
    const heapGrowth = perNode.map((p) => p.secondHalfHeapGrowthMiB);
    return {
      minutes,
      nodes: nodeCount,
      dataDir: dataRoot !== undefined,
      keys: keyCount,
      targetWritesPerSec: rate,
      writes: written,
      writesPerSec: round(written / (durationMs / 1000)),
      failedWrites: failed,
      skippedWrites: skipped,
      lostOrDisagreeing: missing,
      olderThanAcknowledged: lost,
      overlappedKeys: overlapped.size,
      olderThanAcknowledgedOverlapped: olderOverlapped,
      nodesDisagreeing: disagreeing,
      convergeMs,
      boundMiB: BOUND_MIB,
      secondHalfRssGrowthMiBMax: Math.max(...growth),
      secondHalfRssGrowthMiBMedian: round(median(growth)),
      secondHalfHeapGrowthMiBMax: Math.max(...heapGrowth),
      secondHalfHeapGrowthMiBMedian: round(median(heapGrowth), 2),
      quietMs,
      windowS,
      secondHalfRssWindowMedianGrowthMiBMax: Math.max(
        ...perNode.map((p) => p.secondHalfRssWindowMedianGrowthMiB),
      ),
      secondHalfRssRangeMiBMax: Math.max(...perNode.map((p) => p.secondHalfRssRangeMiB)),
      nodeLaunch: { compiled: !fromSource, execArgv: launch.execArgv, env: launch.env },
      ...(alt !== undefined ? { oddNodesLaunch: { execArgv: alt.execArgv, env: alt.env } } : {}),
      loadAverage: {
        start: loads[0]?.map((x) => round(x, 2)),
        oneMinuteMin: round(Math.min(...loads.map((l) => l[0] as number)), 2),
        oneMinuteMax: round(Math.max(...loads.map((l) => l[0] as number)), 2),
        end: loads[loads.length - 1]?.map((x) => round(x, 2)),
      },
      everyNodeWithinBound: perNode.every((p) => p.rssWithinBound && p.heapWithinBound),
      perNode,
      samples,
      ...(snapshotFiles.length > 0 ? { heapSnapshots: snapshotFiles } : {}),
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    if (dataRoot !== undefined) await rm(dataRoot, { recursive: true, force: true });
  }
}

/** The human summary of {@link benchSoak}'s result. */
export function describeSoak(r: Record<string, unknown>): string {
  const perNode = r.perNode as {
    node: string;
    rssStartMiB: number;
    rssHalfMiB: number;
    rssEndMiB: number;
    secondHalfRssGrowthMiB: number;
    secondHalfRssSlopeMiBPerMin: number;
    liveHeapHalfMiB: number;
    liveHeapEndMiB: number;
    secondHalfHeapGrowthMiB: number;
    rssWithinBound: boolean;
    heapWithinBound: boolean;
    secondHalfGrowthMiB: Record<string, number>;
  }[];
  const load = r.loadAverage as { oneMinuteMin: number; oneMinuteMax: number };
  const launch = r.nodeLaunch as {
    compiled: boolean;
    execArgv: string[];
    env: Record<string, string>;
  };
  const parts = Object.keys(perNode[0]?.secondHalfGrowthMiB ?? {});
  const samples = r.samples as Sample[];
  const everyMinute = samples.filter(
    (s, i) =>
      i === 0 ||
      i === samples.length - 1 ||
      Math.floor(s.t / 60) !== Math.floor((samples[i - 1] as Sample).t / 60),
  );
  return [
    `${r.nodes} nodes, ${r.minutes} min, ${r.writes} writes acknowledged (${r.writesPerSec}/s, ${r.failedWrites} failed, ${r.skippedWrites} skipped) over ${r.keys} keys`,
    `after the last write: ${r.lostOrDisagreeing} key copies lost or different (${r.olderThanAcknowledged} older than acknowledged), ${r.nodesDisagreeing} nodes disagreeing (checked for ${r.convergeMs} ms); ${r.overlappedKeys} keys had writes in flight together (${r.olderThanAcknowledgedOverlapped} copies of them hold an earlier-issued write, as the nodes ordered them)`,
    `growth over the second half (bound ${r.boundMiB} MiB per node): RSS max ${r.secondHalfRssGrowthMiBMax} MiB, median ${r.secondHalfRssGrowthMiBMedian} MiB; live heap max ${r.secondHalfHeapGrowthMiBMax} MiB, median ${r.secondHalfHeapGrowthMiBMedian} MiB; every node within: ${r.everyNodeWithinBound ? 'yes' : 'no'}`,
    `diagnosis: RSS median over the last ${r.windowS} s of writing before each quiet point, growth max ${r.secondHalfRssWindowMedianGrowthMiBMax} MiB; RSS range while writing in the second half, max ${r.secondHalfRssRangeMiBMax} MiB`,
    '',
    'node  rss start  half    end  2nd half  slope/min  live heap half    end  2nd half  within',
    ...perNode.map(
      (p) =>
        `${p.node.padEnd(4)}  ${String(p.rssStartMiB).padStart(9)}  ${String(p.rssHalfMiB).padStart(4)}  ${String(p.rssEndMiB).padStart(5)}  ${String(p.secondHalfRssGrowthMiB).padStart(8)}  ${String(p.secondHalfRssSlopeMiBPerMin).padStart(9)}  ${String(p.liveHeapHalfMiB).padStart(14)}  ${String(p.liveHeapEndMiB).padStart(5)}  ${String(p.secondHalfHeapGrowthMiB).padStart(8)}  ${p.rssWithinBound && p.heapWithinBound ? 'yes' : `no (${p.rssWithinBound ? '' : 'rss'}${p.rssWithinBound || p.heapWithinBound ? '' : ', '}${p.heapWithinBound ? '' : 'heap'})`}`,
    ),
    `nodes ${launch.compiled ? 'compiled' : 'from source'}, flags [${launch.execArgv.join(' ')}], env [${Object.entries(
      launch.env,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(
        ' ',
      )}]${r.oddNodesLaunch === undefined ? '' : `; odd nodes: ${JSON.stringify(r.oddNodesLaunch)}`}; 1-min load average ${load.oneMinuteMin}..${load.oneMinuteMax}`,
    '',
    `2nd-half growth by part (MiB): node  ${parts.map((p) => p.replace(/MiB$/, '')).join('  ')}`,
    ...perNode.map(
      (p) =>
        `${p.node.padEnd(4)}  ${parts.map((f) => String(p.secondHalfGrowthMiB[f]).padStart(f.length - 3)).join('  ')}`,
    ),
    '',
    '   t(s)  median rss  max rss  median heapUsed (MiB)',
    ...everyMinute.map(
      (s) =>
        `${String(s.t).padStart(7)}  ${String(round(median(s.rssMiB))).padStart(10)}  ${String(Math.max(...s.rssMiB)).padStart(7)}  ${round(median(s.heapUsedMiB))}`,
    ),
  ].join('\n');
}
