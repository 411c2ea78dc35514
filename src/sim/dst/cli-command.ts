import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import type { CliCommand } from '../cli-args.js';
import { UsageError } from '../cli-args.js';
import { appliesTo, type DstReport, runDst, runOne, UnknownScenarioError } from './runner.js';
import { scenarioNamed } from './scenarios.js';

type DstCommand = Extract<CliCommand, { kind: 'dst' }>;

/**
 * `npm run sim -- dst`: a batch (JSON or a summary), or with `--seed` one replayed run
 * per overlay with its trace. Exit code 1 when any oracle is violated.
 * @throws {UsageError} for an unknown scenario.
 */
export async function runDstCommand(
  command: DstCommand,
  write: (text: string) => void,
): Promise<number> {
  for (const s of command.scenarios ?? []) {
    if (scenarioNamed(s) === undefined) throw new UsageError(`unknown dst scenario ${s}`);
  }
  if (command.seed !== undefined) return replay(command, command.seed, write);
  const start = performance.now();
  let report: DstReport;
  try {
    report =
      command.workers > 1 && command.seeds > 1
        ? await inWorkers(command)
        : runDst({
            firstSeed: command.firstSeed,
            seeds: command.seeds,
            overlays: command.overlays,
            nodes: command.nodes,
            steps: command.steps,
            namedSeeds: command.namedSeeds,
            ...(command.scenarios ? { scenarios: command.scenarios } : {}),
          });
  } catch (error) {
    if (error instanceof UnknownScenarioError) throw new UsageError(error.message);
    throw error;
  }
  const wallMs = Math.round(performance.now() - start);
  if (command.json) write(`${JSON.stringify({ ...report, wallMs })}\n`);
  else {
    write(`${report.runs} runs, ${report.violations} with violations, ${wallMs} ms\n`);
    for (const f of report.failures) {
      write(`  seed ${f.seed} ${f.scenario} (${f.overlay}) ${f.oracle}: ${f.detail}\n`);
    }
  }
  return report.violations > 0 ? 1 : 0;
}

function replay(command: DstCommand, seed: number, write: (text: string) => void): number {
  const names = command.scenarios ?? ['random'];
  let failed = 0;
  const results: unknown[] = [];
  for (const scenario of names) {
    for (const overlay of command.overlays) {
      if (!appliesTo(scenario, overlay)) continue;
      const out = runOne(scenario, seed, overlay, {
        nodes: command.nodes,
        steps: command.steps,
        trace: true,
      });
      if (out.violations.length > 0) failed++;
      if (command.json) {
        results.push({ seed, scenario, overlay, violations: out.violations, trace: out.trace });
        continue;
      }
      write(
        `== seed ${seed}, ${scenario}, ${overlay}: ${out.nodes} nodes, ${out.simMs} ms simulated\n`,
      );
      for (const line of out.trace) write(`${line}\n`);
      if (out.violations.length === 0) write('no violation\n');
      for (const v of out.violations) write(`VIOLATION ${v.oracle}: ${v.detail}\n`);
    }
  }
  if (command.json) write(`${JSON.stringify(results)}\n`);
  return failed > 0 ? 1 : 0;
}

/**
 * Runs `node <nodeArgs>` (a `dst --json` command) in a child process and resolves with
 * the report it prints; `priority` lowers the child's CPU priority (19 is the lowest).
 */
export function dstInChild(nodeArgs: readonly string[], priority?: number): Promise<DstReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
    if (priority !== undefined && child.pid !== undefined) setPriority(child.pid, priority);
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as DstReport);
      } catch (error) {
        reject(new Error(`a dst child printed no report: ${out.slice(0, 200)}`, { cause: error }));
      }
    });
  });
}

/**
 * Splits the seeds into contiguous ranges, one child process each (this same command
 * with `--workers 1 --json`), and merges their reports. Runs stay deterministic: a seed
 * gives the same run in whichever process it lands.
 */
async function inWorkers(command: DstCommand): Promise<DstReport> {
  const n = Math.min(command.workers, command.seeds);
  const per = Math.ceil(command.seeds / n);
  const script = process.argv[1] as string;
  const jobs: Promise<DstReport>[] = [];
  for (let k = 0; k < n; k++) {
    const offset = k * per;
    const count = Math.min(per, command.seeds - offset);
    if (count <= 0) break;
    const args = [
      ...process.execArgv,
      script,
      'dst',
      '--json',
      '--workers',
      '1',
      '--first-seed',
      String(command.firstSeed + offset),
      '--seeds',
      String(count),
      '--named-seeds',
      String(Math.max(0, command.namedSeeds - offset)),
      '--nodes',
      String(command.nodes),
      '--steps',
      String(command.steps),
      '--overlay',
      command.overlays.length === 2 ? 'both' : (command.overlays[0] as string),
      ...(command.scenarios ? ['--scenario', command.scenarios.join(',')] : []),
    ];
    jobs.push(dstInChild(args));
  }
  const reports = await Promise.all(jobs);
  return {
    runs: reports.reduce((s, r) => s + r.runs, 0),
    violations: reports.reduce((s, r) => s + r.violations, 0),
    failures: reports.flatMap((r) => r.failures),
  };
}
