import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intFlag, parse } from '../args.js';
import type { CliIo, Command } from '../command.js';
import type { DemoReport, DemoRequest } from '../demo/protocol.js';
import { type DemoSummary, type MergeRecord, summarise } from '../demo/summary.js';
import { renderTree, type TreeNodes } from '../tree-render.js';
import { treeSvg } from '../tree-svg.js';
import { EXIT_OK, EXIT_RUNTIME, UsageError } from '../usage-error.js';

const usage = `plumtree demo [--nodes N] [--messages M] [--lazy-tick MS] [--json] [--out DIR] [--keep]

  The main job: starts N node processes on loopback with a generated secret, joins
  them, broadcasts M messages from random nodes (each once every node has the one
  before), and prints what happened: delivery per node, the redundancy (RMR) of the
  first broadcast and once the tree has settled, delivery latency p50 / p99, and the
  broadcast tree of one root, also written as an SVG picture under DIR.

  --nodes N        node processes (default 8, 2..32)
  --messages M     broadcasts (default 200)
  --lazy-tick MS   ms between lazy pushes (default 200, so repairs show up quickly)
  --json           print the summary as JSON
  --out DIR        where the SVG goes (default demo-output)
  --keep           leave the cluster running after the report, print each node's
                   dashboard URL, and stop everything on Ctrl-C (SIGINT or SIGTERM)
  -h, --help       this help`;

/** A request before it is numbered (distributes over the union). */
type Unsequenced = DemoRequest extends infer R
  ? R extends DemoRequest
    ? Omit<R, 'seq'>
    : never
  : never;

/** A node process of the demo, with a request/reply channel over IPC. */
class Worker {
  private seq = 0;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
    onMerge: (r: MergeRecord) => void,
  ) {
    proc.on('message', (m: DemoReport) => {
      if (m.ev === 'merge')
        onMerge({ node: name, id: m.id, isNew: m.isNew, origin: m.origin, at: m.at });
      else {
        const p = this.pending.get(m.seq);
        this.pending.delete(m.seq);
        if (m.error !== undefined) p?.reject(new Error(`${name}: ${m.error}`));
        else p?.resolve(m.value);
      }
    });
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    // Errors of the IPC channel reach the pending requests through 'exit'; they must not crash the demo.
    proc.on('error', () => undefined);
    proc.once('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error(`${name} exited`));
      this.pending.clear();
    });
  }

  ask<T>(req: Unsequenced, timeoutMs = 20_000): Promise<T> {
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new Error(`${this.name} did not answer ${req.cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(seq, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const fail = (message: string) => {
        const p = this.pending.get(seq);
        this.pending.delete(seq);
        p?.reject(new Error(message));
      };
      // A node process that died (killed while the cluster was kept) has no channel left.
      if (!this.proc.connected) return fail(`${this.name} is not running`);
      this.proc.send({ ...req, seq } as DemoRequest, (e) => {
        if (e) fail(`${this.name}: ${e.message}`);
      });
    });
  }
}

function progress(io: CliIo, done: number, total: number, tty: boolean): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} broadcasts`;
  if (tty) process.stderr.write(`\r${bar}${done === total ? '\n' : ''}`);
  else if (done === total || done % Math.max(1, Math.floor(total / 4)) === 0) io.err(bar);
}

function printSummary(io: CliIo, s: DemoSummary, tree: string): void {
  io.out('');
  io.out(`${s.nodes} nodes, ${s.messages} broadcasts from random nodes`);
  io.out('delivered per node:');
  for (const [n, c] of Object.entries(s.deliveredPerNode))
    io.out(`  ${n.padEnd(8)} ${c}/${s.messages}${c === s.messages ? '' : '  (missing some)'}`);
  io.out(
    `redundancy (RMR = m/(n-1) - 1, 0 is a perfect tree): first broadcast ${s.rmrFirst}, settled ${s.rmrSettled}`,
  );
  io.out(
    `delivery latency: p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms, max ${s.latencyMs.max} ms`,
  );
  io.out(
    `broadcast tree rooted at ${s.treeRoot} (eager links as branches, lazy links in parentheses):`,
  );
  for (const line of tree.split('\n')) io.out(`  ${line}`);
  if (s.svgFile) io.out(`tree picture written to ${s.svgFile}`);
}

/**
 * Resolves on the first SIGINT or SIGTERM. The handlers stay: in a terminal, Ctrl-C
 * reaches this process both from the terminal and relayed by the npm/tsx wrappers, and
 * that second signal must not cut the clean stop short (the stop is bounded anyway).
 */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
  });
}

/** `plumtree demo`. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'start a local cluster, broadcast, and show what happened',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      nodes: { type: 'string' },
      messages: { type: 'string' },
      'lazy-tick': { type: 'string' },
      json: { type: 'boolean' },
      out: { type: 'string' },
      keep: { type: 'boolean' },
    });
    if (values.help) {
      io.out(usage);
      return EXIT_OK;
    }
    if (positionals.length > 0)
      throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
    const n = intFlag(values.nodes, 'nodes', 2, 32, 8) as number;
    const m = intFlag(values.messages, 'messages', 1, 100_000, 200) as number;
    const lazyTickMs = intFlag(values['lazy-tick'], 'lazy-tick', 10, 60_000, 200) as number;
    const outDir = (values.out as string | undefined) ?? 'demo-output';
    const json = values.json === true;
    const keep = values.keep === true;
    const tty = !json && process.stderr.isTTY === true;
    const say = (line: string) => {
      if (!json) io.err(line);
    };

    const secret = randomBytes(16).toString('hex');
    const records: MergeRecord[] = [];
    const waiters = new Map<string, { need: number; resolve: () => void }>();
    const onMerge = (r: MergeRecord) => {
      records.push(r);
      const w = waiters.get(r.id);
      if (w && r.isNew && --w.need === 0) w.resolve();
    };
    const workerPath = fileURLToPath(
      new URL(`../demo/worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
    );
    const names = Array.from({ length: n }, (_, i) => `node${i + 1}`);
    say(
      `starting ${n} node processes on loopback (generated secret, lazy tick ${lazyTickMs} ms)...`,
    );
    const workers = names.map(
      (name) =>
        new Worker(
          name,
          fork(workerPath, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
          onMerge,
        ),
    );
    const stopAll = async () => {
      await Promise.all(
        workers.map(async (w) => {
          await w.ask({ cmd: 'stop' }, 5000).catch(() => undefined);
          const killer = setTimeout(() => w.proc.kill('SIGKILL'), 3000);
          await w.exited;
          clearTimeout(killer);
        }),
      );
    };
    try {
      const started = await Promise.all(
        workers.map((w) =>
          w.ask<{ port: number; adminPort?: number }>({
            cmd: 'start',
            name: w.name,
            secret,
            lazyTickMs,
            admin: keep,
          }),
        ),
      );
      const seed = `127.0.0.1:${started[0]?.port}`;
      await Promise.all(workers.slice(1).map((w) => w.ask({ cmd: 'join', seed })));
      const deadline = Date.now() + 20_000;
      for (;;) {
        const views = await Promise.all(workers.map((w) => w.ask<string[]>({ cmd: 'members' })));
        if (views.every((v) => v.length === n)) break;
        if (Date.now() > deadline)
          throw new Error(`membership did not converge: ${views.map((v) => v.length).join(', ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      say(`all ${n} nodes joined ${names[0]}; broadcasting ${m} messages...`);

      const order: string[] = [];
      const sentAt = new Map<string, number>();
      let missed = 0;
      for (let i = 0; i < m; i++) {
        const id = `msg-${i}`;
        const origin = workers[Math.floor(Math.random() * n)] as Worker;
        const all = new Promise<void>((resolve) => waiters.set(id, { need: n, resolve }));
        order.push(id);
        sentAt.set(id, Date.now());
        await origin.ask({ cmd: 'broadcast', id });
        const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
        if ((await Promise.race([all, timeout])) === 'timeout') missed++;
        waiters.delete(id);
        if (!json) progress(io, i + 1, m, tty);
      }
      // Redundant copies still in flight are part of the cost: let them land.
      await new Promise((r) => setTimeout(r, lazyTickMs * 2));

      const root = names[0] as string;
      const nodes = await (workers[0] as Worker).ask<TreeNodes>({
        cmd: 'tree',
        root,
        nodes: names,
      });
      const base = summarise(names, order, sentAt, records, root);
      await mkdir(outDir, { recursive: true });
      const svgFile = join(outDir, `tree-${root}.svg`);
      await writeFile(
        svgFile,
        treeSvg(root, nodes, `Broadcast tree rooted at ${root} (${n} nodes)`),
      );
      const summary: DemoSummary = { ...base, svgFile };
      const dashboards = keep
        ? Object.fromEntries(
            names.map((name, i) => [name, `http://127.0.0.1:${started[i]?.adminPort}/`]),
          )
        : undefined;
      // With --keep, the process ids let a script stop or kill one node to watch the others react.
      const pids = keep ? Object.fromEntries(workers.map((w) => [w.name, w.proc.pid])) : undefined;
      if (json) io.out(JSON.stringify({ ...summary, missed, tree: nodes, dashboards, pids }));
      else printSummary(io, summary, renderTree(root, nodes));
      const code = summary.allDelivered && missed === 0 ? EXIT_OK : EXIT_RUNTIME;
      if (dashboards) {
        if (!json) {
          io.out('');
          io.out('the cluster keeps running; dashboards:');
          for (const [name, url] of Object.entries(dashboards))
            io.out(`  ${name.padEnd(8)} ${url}`);
        }
        say('press Ctrl-C to stop the cluster');
        await untilSignal();
        say('stopping the cluster...');
      }
      return code;
    } finally {
      await stopAll();
    }
  },
};
