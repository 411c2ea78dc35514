import type { CliCommand } from '../cli-args.js';
import { UsageError } from '../cli-args.js';
import { appliesTo, runDst, runOne, UnknownScenarioError } from './runner.js';
import { scenarioNamed } from './scenarios.js';

type DstCommand = Extract<CliCommand, { kind: 'dst' }>;

/**
 * `npm run sim -- dst`: a batch (JSON or a summary), or with `--seed` one replayed run
 * per overlay with its trace. Exit code 1 when any oracle is violated.
 * @throws {UsageError} for an unknown scenario.
 */
export function runDstCommand(command: DstCommand, write: (text: string) => void): number {
  for (const s of command.scenarios ?? []) {
    if (scenarioNamed(s) === undefined) throw new UsageError(`unknown dst scenario ${s}`);
  }
  if (command.seed !== undefined) return replay(command, command.seed, write);
  const start = performance.now();
  let report: ReturnType<typeof runDst>;
  try {
    report = runDst({
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
      write(`== seed ${seed}, ${scenario}, ${overlay}: ${out.nodes} nodes, ${out.simMs} ms simulated\n`);
      for (const line of out.trace) write(`${line}\n`);
      if (out.violations.length === 0) write('no violation\n');
      for (const v of out.violations) write(`VIOLATION ${v.oracle}: ${v.detail}\n`);
    }
  }
  if (command.json) write(`${JSON.stringify(results)}\n`);
  return failed > 0 ? 1 : 0;
}
