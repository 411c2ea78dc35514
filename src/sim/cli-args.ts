import { isScenarioName, type ScenarioName, scenarioNames } from './scenarios.js';

/** The reference simulator's seeds: the documented runs use all four. */
export const referenceSeeds: readonly (number | bigint)[] = [0, 1, 212312388123, 123];

/** What the command line asks for. */
export type CliCommand =
  | {
      readonly kind: 'run';
      readonly scenario: ScenarioName;
      readonly nodes: number;
      readonly seed: number | bigint;
      readonly json: boolean;
      readonly flood: boolean;
      readonly joinStaggerMs: number | undefined;
      /** ms the overlay settles after the last join; undefined: the default. */
      readonly settleMs: number | undefined;
      /** Rounds of a round scenario; undefined: the scenario's own count. */
      readonly rounds: number | undefined;
      /** Whom joiners contact at bootstrap. */
      readonly contacts: 'bootstrap' | 'random';
      /** Plumtree's `newRootSeed`; undefined: the documented runs' choice. */
      readonly newRootSeed: 'learned' | 'nearest' | 'common' | undefined;
      /** `repair` only: the slowest link, ms; undefined: the scenario's 0.6. */
      readonly latencyMaxMs: number | undefined;
      /** `repair` only: when survivors hear of the crash, ms; undefined: the scenario's 15. */
      readonly detectionMs: number | undefined;
    }
  | {
      readonly kind: 'plots';
      readonly sizes: readonly number[];
      readonly seeds: readonly (number | bigint)[];
      readonly scenarios: readonly ScenarioName[];
      /** Node count of the large `single` run; 0 skips it. */
      readonly large: number;
      readonly out: string;
    }
  | {
      readonly kind: 'dst';
      readonly seeds: number;
      readonly firstSeed: number;
      /** Replay exactly this seed with a trace. */
      readonly seed: number | undefined;
      readonly nodes: number;
      readonly steps: number;
      readonly overlays: readonly ('full' | 'hyparview')[];
      readonly scenarios: readonly string[] | undefined;
      readonly namedSeeds: number;
      /** Processes to spread the seeds over. */
      readonly workers: number;
      readonly json: boolean;
    }
  | { readonly kind: 'help' };

/** Bad command-line input: the CLI prints it with the usage and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The usage text. */
export const usage = `usage: npm run sim -- <scenario> [--nodes N] [--seed S] [--json] [--no-flood] [--stagger MS]
       npm run sim -- plots [--sizes 100,1000] [--seeds 0,1,212312388123,123]
                            [--scenarios single,random,burst,failures] [--large N] [--out docs]

scenarios: ${scenarioNames.join(', ')}
  --nodes N      number of nodes (default 100, at least 2)
  --seed S       non-negative integer seed (default 0)
  --json         print the result as JSON
  --no-flood     skip the flooding baseline
  --stagger MS   ms between two joins at bootstrap (default 100, 50 above 2000 nodes;
                 fractions allowed)
  --settle MS    ms the overlay runs after the last join (default 20000)
  --rounds N     rounds of single, random or burst (default 30, 30, 5)
  --contacts C   bootstrap: every node joins through n0 (default); random: through a
                 random node that joined before it (for runs of 100,000 nodes)
  --new-root-seed S  Plumtree's newRootSeed: nearest (default here), learned or common
repair: the cluster benchmark's kill phase in simulated time (full membership, the
  node's core defaults, a broadcast from n0 every 4 ms, the root's largest eager
  subtree killed 1 s in): worst extra delay and deliveries later than 100 ms;
  --latency-max MS (default 0.6) and --detection-ms MS (default 15) model a loaded
  machine
plots: runs the scenarios on every size and seed, writes the SVG plots to --out
  and prints the markdown tables of docs/simulation.md; --large N adds the N-node
  single run (default 10000, 0 skips it)
       npm run sim -- dst [--seeds 100] [--first-seed 0] [--overlay full|hyparview|both]
                          [--nodes N] [--steps 30] [--scenario a,b] [--named-seeds 3]
                          [--workers 2] [--json]
       npm run sim -- dst --seed S [--scenario name] [--overlay ...]   (replay one run with its trace)
dst: the whole-stack deterministic simulator (docs/dst.md); --nodes 0 draws 4-12 per seed`;

/**
 * Parses the arguments after the script name.
 * @throws {UsageError} for anything it does not understand.
 */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('missing scenario');
  if (first === '--help' || first === '-h' || first === 'help') return { kind: 'help' };
  // `dst --help` asks for help; read as a flag, it would take the next word as its value.
  if (rest.includes('--help') || rest.includes('-h')) return { kind: 'help' };
  const flags = parseFlags(rest);
  if (first === 'plots') {
    flags.only(['sizes', 'seeds', 'scenarios', 'large', 'out']);
    return {
      kind: 'plots',
      sizes: flags.list('sizes', [100, 1000], (v) => positiveInt(v, 'sizes', 2)),
      seeds: flags.list('seeds', referenceSeeds, seedOf),
      scenarios: flags.list('scenarios', scenarioNames, (v) => {
        if (!isScenarioName(v)) throw new UsageError(`unknown scenario ${v}`);
        return v;
      }),
      large: flags.value('large', 10_000, (v) => positiveInt(v, 'large', 0)),
      out: flags.value('out', 'docs', (v) => v),
    };
  }
  if (first === 'dst') {
    flags.only([
      'seeds',
      'first-seed',
      'seed',
      'nodes',
      'steps',
      'overlay',
      'scenario',
      'named-seeds',
      'workers',
      'json',
    ]);
    const overlay = flags.value('overlay', 'both', (v) => {
      if (v !== 'full' && v !== 'hyparview' && v !== 'both') {
        throw new UsageError(`--overlay must be full, hyparview or both, got ${v}`);
      }
      return v;
    });
    return {
      kind: 'dst',
      seeds: flags.value('seeds', 100, (v) => positiveInt(v, 'seeds', 1)),
      firstSeed: flags.value('first-seed', 0, (v) => positiveInt(v, 'first-seed', 0)),
      seed: flags.value<number | undefined>('seed', undefined, (v) => positiveInt(v, 'seed', 0)),
      nodes: flags.value('nodes', 0, (v) => positiveInt(v, 'nodes', 0)),
      steps: flags.value('steps', 30, (v) => positiveInt(v, 'steps', 0)),
      overlays: overlay === 'both' ? ['full', 'hyparview'] : [overlay],
      scenarios: flags.value<readonly string[] | undefined>('scenario', undefined, (v) =>
        v.split(',').filter((x) => x.length > 0),
      ),
      namedSeeds: flags.value('named-seeds', 3, (v) => positiveInt(v, 'named-seeds', 0)),
      workers: flags.value('workers', 2, (v) => positiveInt(v, 'workers', 1)),
      json: flags.has('json'),
    };
  }
  if (!isScenarioName(first)) throw new UsageError(`unknown scenario ${first}`);
  flags.only([
    'nodes',
    'seed',
    'json',
    'no-flood',
    'stagger',
    'settle',
    'rounds',
    'contacts',
    'new-root-seed',
    'latency-max',
    'detection-ms',
  ]);
  return {
    kind: 'run',
    latencyMaxMs: flags.value<number | undefined>('latency-max', undefined, (v) => {
      const ms = nonNegativeNumber(v, 'latency-max');
      // The fastest link is 0.1 ms: a slowest one below it is no range.
      if (ms < 0.1) throw new UsageError(`--latency-max must be at least 0.1, got ${v}`);
      return ms;
    }),
    detectionMs: flags.value<number | undefined>('detection-ms', undefined, (v) =>
      nonNegativeNumber(v, 'detection-ms'),
    ),
    scenario: first,
    nodes: flags.value('nodes', 100, (v) => positiveInt(v, 'nodes', 2)),
    seed: flags.value('seed', 0, seedOf),
    json: flags.has('json'),
    flood: !flags.has('no-flood'),
    joinStaggerMs: flags.value<number | undefined>('stagger', undefined, (v) =>
      nonNegativeNumber(v, 'stagger'),
    ),
    settleMs: flags.value<number | undefined>('settle', undefined, (v) =>
      positiveInt(v, 'settle', 0),
    ),
    rounds: flags.value<number | undefined>('rounds', undefined, (v) =>
      positiveInt(v, 'rounds', 1),
    ),
    contacts: flags.value<'bootstrap' | 'random'>('contacts', 'bootstrap', (v) => {
      if (v !== 'bootstrap' && v !== 'random') {
        throw new UsageError(`--contacts must be bootstrap or random, got ${v}`);
      }
      return v;
    }),
    newRootSeed: flags.value<'learned' | 'nearest' | 'common' | undefined>(
      'new-root-seed',
      undefined,
      (v) => {
        if (v !== 'learned' && v !== 'nearest' && v !== 'common') {
          throw new UsageError(`--new-root-seed must be nearest, learned or common, got ${v}`);
        }
        return v;
      },
    ),
  };
}

const SWITCHES = new Set(['json', 'no-flood']);

function parseFlags(args: readonly string[]) {
  const values = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (values.has(name)) throw new UsageError(`--${name} given twice`);
    if (SWITCHES.has(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      values.set(name, true);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    values.set(name, value);
  }
  return {
    only(allowed: readonly string[]): void {
      for (const name of values.keys()) {
        if (!allowed.includes(name)) throw new UsageError(`unknown option --${name}`);
      }
    },
    has: (name: string): boolean => values.get(name) === true,
    value<T>(name: string, fallback: T, parse: (v: string) => T): T {
      const v = values.get(name);
      return typeof v === 'string' ? parse(v) : fallback;
    },
    list<T>(name: string, fallback: readonly T[], parse: (v: string) => T): readonly T[] {
      const v = values.get(name);
      if (typeof v !== 'string') return fallback;
      const items = v.split(',').filter((s) => s.length > 0);
      if (items.length === 0) throw new UsageError(`--${name} needs at least one value`);
      return items.map(parse);
    },
  };
}

function nonNegativeNumber(v: string, name: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`--${name} must be a number >= 0, got ${v}`);
  return Number(v);
}

function positiveInt(v: string, name: string, min: number): number {
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be an integer, got ${v}`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be at least ${min}, got ${v}`);
  }
  return n;
}

/** A decimal seed; beyond 2^53 it stays exact as a bigint. */
function seedOf(v: string): number | bigint {
  if (!/^\d+$/.test(v)) throw new UsageError(`seed must be a non-negative integer, got ${v}`);
  const n = Number(v);
  if (Number.isSafeInteger(n)) return n;
  const big = BigInt(v);
  if (big >= 2n ** 64n) throw new UsageError(`seed must be below 2^64, got ${v}`);
  return big;
}
