/**
 * `npm run bench -- churn [--nodes 12] [--churn-ms 60000] [--every-ms 5000]
 * [--down-after 10000] [--overlay full|hyparview] [--compiled] [--trace FILE]`: the
 * acceptance run of churn.
 * N `plumtree node` processes on loopback; while a writer PUTs a key every 100 ms to
 * a random live node through its admin API, every `every-ms` one random node is
 * killed with SIGKILL and a fresh one is started under a new name. Measured after
 * the churn stops: how long until every live node lists exactly the live set (full
 * overlay; for HyParView, until every active view holds live nodes only and together
 * they connect every live node), and whether every acknowledged write is on every
 * live node. `--trace FILE` writes, for every poll (during the churn too), what each
 * live node lists that it should not (dead names) and what it misses (live names), as
 * JSON lines.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url));
/**
 * With `--compiled`, nodes run the built CLI (`npm run build` first), as a deployment
 * does: a node then starts in a fraction of the time tsx takes to compile the sources
 * on a loaded machine, and the run measures membership rather than start-up.
 */
const COMPILED_BIN = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));
const SECRET = 'churn-bench-secret';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  port: number;
  adminPort: number;
}

/** Every process spawned, so that the run kills them all however it ends. */
const spawned: ChildProcess[] = [];

function startProc(
  name: string,
  join: readonly number[],
  downAfter: number,
  overlay: string,
): Promise<Proc> {
  const compiled = process.argv.includes('--compiled');
  if (compiled && !existsSync(COMPILED_BIN))
    throw new Error(`--compiled needs ${COMPILED_BIN}: run npm run build first`);
  const args = [
    ...(compiled ? [COMPILED_BIN] : ['--import', 'tsx', BIN]),
    'node',
    '--name',
    name,
    '--admin-port',
    '0',
    '--down-after',
    String(downAfter),
    '--overlay',
    overlay,
    '--log-level',
    'error',
    ...join.flatMap((p) => ['--join', `127.0.0.1:${p}`]),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PLUMTREE_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  spawned.push(child);
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const line = buf.split('\n').find((l) => l.includes('"listening"'));
      if (line === undefined) return;
      clearTimeout(timer);
      const ready = JSON.parse(line) as { port: number; adminPort: number };
      resolve({ name, child, port: ready.port, adminPort: ready.adminPort });
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

async function getJson(port: number, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.json() };
}

async function getText(port: number, path: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) });
  return res.text();
}

/**
 * Sums a counter over the live nodes' `/metrics` (every label set, or those whose labels
 * contain `labels`); unreachable nodes count 0.
 */
async function sumCounter(procs: readonly Proc[], metric: string, labels = ''): Promise<number> {
  const texts = await Promise.all(
    procs.map((p) => getText(p.adminPort, '/metrics').catch(() => '')),
  );
  let sum = 0;
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (
        (line.startsWith(`${metric} `) || line.startsWith(`${metric}{`)) &&
        line.slice(0, line.lastIndexOf(' ')).includes(labels)
      )
        sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
    }
  }
  return sum;
}

/** What a node lists wrongly (dead names, missing live ones), or that it did not answer. */
type Wrong =
  | { readonly name: string; readonly unanswered: true }
  | { readonly name: string; readonly extra: string[]; readonly missing: string[] };

function wrongOf(name: string, members: string[] | undefined, live: Set<string>): Wrong[] {
  if (members === undefined) return [{ name, unanswered: true }];
  const extra = members.filter((m) => !live.has(m));
  const missing = [...live].filter((m) => !members.includes(m));
  return extra.length + missing.length === 0 ? [] : [{ name, extra, missing }];
}

function quantile(xs: readonly number[], q: number): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}

async function until(f: () => Promise<boolean>, ms: number): Promise<number | null> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    try {
      if (await f()) return Date.now() - start;
    } catch {
      // a node busy or just killed: ask again
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}

/** Runs the churn acceptance scenario and returns what it measured. */
export async function benchChurn(): Promise<Record<string, unknown>> {
  const count = Number(arg('nodes', '12'));
  const churnMs = Number(arg('churn-ms', '60000'));
  const everyMs = Number(arg('every-ms', '5000'));
  const downAfter = Number(arg('down-after', '10000'));
  const overlay = arg('overlay', 'full');
  const tracePath = arg('trace', '');
  const trace: string[] = [];
  const live: Proc[] = [];
  const all: Proc[] = [];
  let serial = 0;
  const nextName = () => `c${String(++serial).padStart(3, '0')}`;
  try {
    const first = await startProc(nextName(), [], downAfter, overlay);
    live.push(first);
    all.push(first);
    const rest = await Promise.all(
      Array.from({ length: count - 1 }, () =>
        startProc(nextName(), [first.port], downAfter, overlay),
      ),
    );
    live.push(...rest);
    all.push(...rest);
    const acked: string[] = [];
    const ackMs: number[] = [];
    let writeFailures = 0;
    let writing = true;
    let n = 0;
    const writer = (async () => {
      while (writing) {
        const target = pick(live);
        const key = `w${n++}`;
        const sentAt = Date.now();
        try {
          const res = await fetch(`http://127.0.0.1:${target.adminPort}/kv/${key}`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ value: n }),
            signal: AbortSignal.timeout(3000),
          });
          if (res.ok) {
            acked.push(key);
            ackMs.push(Date.now() - sentAt);
          } else writeFailures++;
        } catch {
          writeFailures++;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const churnStart = Date.now();
    // With --trace, what every live node lists during the churn too (every 2 s).
    const killedNames: string[] = [];
    let tracing = tracePath !== '';
    const churnTrace = (async () => {
      while (tracing) {
        const at = Date.now() - churnStart;
        const procs = [...live];
        const views = await Promise.all(
          procs.map(async (p) => {
            try {
              const { body } = await getJson(p.adminPort, '/members');
              return [p.name, (body as { members: string[] }).members] as const;
            } catch {
              return [p.name, undefined] as const;
            }
          }),
        );
        const liveNow = new Set(live.map((p) => p.name));
        trace.push(
          JSON.stringify({
            sinceChurnStartMs: at,
            killed: [...killedNames],
            wrong: views.flatMap(([name, v]) => wrongOf(name, v, liveNow)),
          }),
        );
        await new Promise((r) => setTimeout(r, 2000));
      }
    })();
    let killed = 0;
    let startFailures = 0;
    const starting: Promise<void>[] = [];
    // One kill every `everyMs` on the clock; the replacement starts meanwhile (a node
    // process takes a few seconds to start on a loaded machine).
    for (let at = everyMs; at <= churnMs; at += everyMs) {
      await new Promise((r) => setTimeout(r, Math.max(0, churnStart + at - Date.now())));
      const victim = pick(live);
      live.splice(live.indexOf(victim), 1);
      victim.child.kill('SIGKILL');
      killed++;
      killedNames.push(`${victim.name}@${Date.now() - churnStart}`);
      const name = nextName();
      // Several seeds: one may be the next victim.
      const seeds = [...new Set([pick(live), pick(live), pick(live)].map((p) => p.port))];
      starting.push(
        startProc(name, seeds, downAfter, overlay).then(
          (fresh) => {
            live.push(fresh);
            all.push(fresh);
          },
          () => {
            startFailures++;
          },
        ),
      );
    }
    const lastKillAt = Date.now();
    await Promise.all(starting);
    writing = false;
    await writer;
    tracing = false;
    await churnTrace;
    const liveSet = new Set(live.map((p) => p.name));
    const liveNames = JSON.stringify([...liveSet].sort());
    // Full: every live node lists exactly the live set. HyParView lists a partial view:
    // every view holds live nodes only, and together they connect every live node.
    // A node too busy to answer one poll in time keeps its answer of the poll before,
    // if that is at most 5 s old: a loaded machine's slow HTTP is not what is measured.
    const lastAnswer = new Map<string, { at: number; members: string[] }>();
    const pollStartMs = Date.now() - lastKillAt;
    const exact = async () => {
      const polledAt = Date.now();
      const answers = await Promise.all(
        live.map(async (p) => {
          try {
            const { body } = await getJson(p.adminPort, '/members');
            const members = (body as { members: string[] }).members;
            lastAnswer.set(p.name, { at: polledAt, members });
          } catch {
            // kept from the poll before, below
          }
          const last = lastAnswer.get(p.name);
          return [
            p.name,
            last !== undefined && polledAt - last.at <= 5000 ? last : undefined,
          ] as const;
        }),
      );
      if (tracePath !== '') {
        const wrong = answers.flatMap(([name, a]) => wrongOf(name, a?.members, liveSet));
        trace.push(JSON.stringify({ afterLastKillMs: polledAt - lastKillAt, wrong }));
      }
      if (!answers.every(([, a]) => a !== undefined)) return false;
      const views = answers.map(([name, a]) => [name, a?.members ?? []] as const);
      if (overlay !== 'hyparview') return views.every(([, v]) => JSON.stringify(v) === liveNames);
      if (!views.every(([, v]) => v.every((m) => liveSet.has(m)))) return false;
      const adj = new Map(views.map(([n, v]) => [n, v]));
      const seen = new Set<string>();
      const stack = [views[0]?.[0] as string];
      while (stack.length > 0) {
        const x = stack.pop() as string;
        if (seen.has(x)) continue;
        seen.add(x);
        for (const y of adj.get(x) ?? []) stack.push(y);
        for (const [n, v] of views) if (v.includes(x)) stack.push(n);
      }
      return seen.size === liveSet.size;
    };
    const membersMs = await until(exact, 120_000);
    const fromLastKillMs = membersMs === null ? null : Date.now() - lastKillAt;
    // Each node's keys through the paginated listing (a dozen requests a pass, not one per
    // key and node); a node that does not answer is asked again, three times at most, so
    // that a busy node is not taken for a lost write.
    const keysOf = async (p: Proc): Promise<Set<string>> => {
      const keys = new Set<string>();
      let cursor: string | undefined;
      do {
        const q = cursor === undefined ? '' : `&cursor=${cursor}`;
        const { body } = await getJson(p.adminPort, `/kv?limit=1000${q}`);
        const page = body as { entries: { key: string }[]; cursor?: string };
        for (const e of page.entries) keys.add(e.key);
        cursor = page.cursor;
      } while (cursor !== undefined);
      return keys;
    };
    const keysRetried = async (p: Proc): Promise<Set<string> | undefined> => {
      for (let i = 0; i < 3; i++) {
        try {
          return await keysOf(p);
        } catch {
          // busy: ask again
        }
      }
      return undefined;
    };
    const missingKeys = async (): Promise<{ missing: string[]; unanswered: string[] }> => {
      const sets = await Promise.all(
        live.map(async (p) => [p.name, await keysRetried(p)] as const),
      );
      const unanswered = sets.filter(([, k]) => k === undefined).map(([n]) => n);
      const missing = acked.filter((key) => sets.some(([, k]) => k !== undefined && !k.has(key)));
      return { missing, unanswered };
    };
    const writesMs = await until(async () => {
      const m = await missingKeys();
      return m.missing.length === 0 && m.unanswered.length === 0;
    }, 60_000);
    const final = await missingKeys();
    const missing = final.missing.length;
    if (tracePath !== '') writeFileSync(tracePath, `${trace.join('\n')}\n`);
    return {
      nodes: count,
      compiled: process.argv.includes('--compiled'),
      checkingStartedAfterLastKillMs: pollStartMs,
      overlay,
      downAfterMs: downAfter,
      churnMs,
      killedAndReplaced: killed,
      replacementsThatFailedToStart: startFailures,
      started: all.length,
      afterChurnToExactMembersMs: fromLastKillMs,
      exactWithin30s: fromLastKillMs !== null && fromLastKillMs <= 30_000,
      ackedWrites: acked.length,
      failedWrites: writeFailures,
      ackedPutMedianMs: quantile(ackMs, 0.5),
      ackedPutP99Ms: quantile(ackMs, 0.99),
      writesEverywhereAfterMs: writesMs === null ? null : Date.now() - lastKillAt,
      lostAckedWrites: missing,
      lostAckedWriteKeys: final.missing.slice(0, 10),
      nodesUnansweredAtTheEnd: final.unanswered,
      // Counted by the live nodes only (the killed ones took their counters with them).
      reapsByLiveNodes: await sumCounter(live, 'plumtree_members_reaped_total'),
      refutationsByLiveNodes: await sumCounter(live, 'plumtree_membership_refutations_total'),
      membershipMiBReceivedByLiveNodes:
        Math.round(
          ((await sumCounter(
            live,
            'plumtree_channel_bytes_received_total',
            'channel="membership"',
          )) /
            2 ** 20) *
            10,
        ) / 10,
    };
  } finally {
    for (const child of spawned) child.kill('SIGKILL');
  }
}
