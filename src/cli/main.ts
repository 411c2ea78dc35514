/**
 * `plumtree <command>`: dispatches to a command and turns its outcome into an exit
 * code: 0 ok, 1 runtime error, 2 usage error, with a one-line message on standard
 * error.
 */
import type { CliIo, Command } from './command.js';
import { demoCommand } from './commands/demo.js';
import { kvCommand } from './commands/kv.js';
import { membersCommand } from './commands/members.js';
import { nodeCommand } from './commands/node.js';
import { treeCommand } from './commands/tree.js';
import { EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, UsageError } from './usage-error.js';

/** Every command, in the order `--help` lists them. */
export const commands: Command[] = [
  nodeCommand,
  demoCommand,
  kvCommand,
  treeCommand,
  membersCommand,
];

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: plumtree <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'plumtree <command> --help shows the options of a command.',
  ].join('\n');
}

/** Runs the CLI on `argv` (without node and the script); resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`plumtree: unknown command ${JSON.stringify(name)}; try plumtree --help`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`plumtree ${name}: ${e.message} (plumtree ${name} --help)`);
      return EXIT_USAGE;
    }
    io.err(`plumtree ${name}: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_RUNTIME;
  }
}
