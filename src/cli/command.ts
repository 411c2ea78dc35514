/** Where a command writes: standard output for results, standard error for diagnostics. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** One `plumtree <name>` command. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** The full `--help` text. */
  readonly usage: string;
  /** Runs with the arguments after the command name; resolves with the exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}
