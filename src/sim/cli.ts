/**
 * `npm run sim -- <scenario> --nodes N --seed S [--json]`: runs one scenario of the
 * deterministic simulator; `npm run sim -- plots` regenerates the plots and tables
 * of docs/simulation.md; `npm run sim -- dst ...` runs the whole-stack deterministic
 * simulator (docs/dst.md). Bad input prints the usage and exits with code 2.
 */
import { type CliCommand, parseCliArgs, UsageError, usage } from './cli-args.js';
import { runDstCommand } from './dst/cli-command.js';
import { matrixMarkdown, runMatrix, writePlots } from './plots.js';
import { formatResult } from './report.js';
import { defaultRepairTiming } from './scenario-repair.js';
import { defaultScenarioSettings } from './scenario-settings.js';
import { runScenario } from './scenarios.js';

function main(argv: readonly string[]): number {
  let command: CliCommand;
  try {
    command = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${usage}\n`);
    return 2;
  }
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${usage}\n`);
      return 0;
    case 'run': {
      const settings = {
        ...defaultScenarioSettings,
        flood: command.flood,
        ...(command.joinStaggerMs === undefined ? {} : { joinStaggerMs: command.joinStaggerMs }),
        ...(command.rounds === undefined ? {} : { rounds: command.rounds }),
        ...(command.settleMs === undefined ? {} : { settleMs: command.settleMs }),
        contacts: command.contacts,
        ...(command.newRootSeed === undefined
          ? {}
          : {
              plumtree: { ...defaultScenarioSettings.plumtree, newRootSeed: command.newRootSeed },
            }),
      };
      const start = performance.now();
      const repairTiming = {
        ...defaultRepairTiming,
        ...(command.latencyMaxMs === undefined
          ? {}
          : { latencyMs: { min: defaultRepairTiming.latencyMs.min, max: command.latencyMaxMs } }),
        ...(command.detectionMs === undefined ? {} : { downDetectionMs: command.detectionMs }),
      };
      const result = runScenario(
        command.scenario,
        command.nodes,
        command.seed,
        settings,
        repairTiming,
      );
      const wallMs = Math.round(performance.now() - start);
      if (command.json) {
        process.stdout.write(`${JSON.stringify({ result, wallMs }, null, 2)}\n`);
      } else {
        process.stdout.write(`${formatResult(result)}\nwall clock ${wallMs} ms\n`);
      }
      return 0;
    }
    case 'plots': {
      const matrix = runMatrix(
        command.sizes,
        command.seeds,
        command.large,
        (line) => process.stderr.write(`running ${line}\n`),
        command.scenarios,
      );
      for (const path of writePlots(matrix, command.out)) process.stderr.write(`wrote ${path}\n`);
      process.stdout.write(`${matrixMarkdown(matrix)}\n`);
      return 0;
    }
    case 'dst':
      // Asynchronous (it may fan out to worker processes): the exit code is set when done.
      runDstCommand(command, (text) => process.stdout.write(text)).then(
        (code) => {
          process.exitCode = code;
        },
        (error: unknown) => {
          if (!(error instanceof UsageError)) throw error;
          process.stderr.write(`${error.message}\n${usage}\n`);
          process.exitCode = 2;
        },
      );
      return 0;
    default: {
      const never: never = command;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

process.exitCode = main(process.argv.slice(2));
