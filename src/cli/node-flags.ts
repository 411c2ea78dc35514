/**
 * The flags of `plumtree node`, each with its `PLUMTREE_*` environment variable and
 * the startNode option it sets. One table drives parsing, the environment, the help
 * text and the tests, so no flag can lack its variable. Precedence: flag, then
 * environment, then `--config` file, then the default.
 */
import { readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { parseHostPort } from '../peer-service/address.js';
import type { NodeConfig } from './node-config.js';
import { UsageError } from './usage-error.js';

type Kind = 'string' | 'int' | 'bool' | 'list';

/** One flag of `plumtree node`. */
export interface NodeFlag {
  readonly flag: string;
  readonly env: string;
  readonly kind: Kind;
  /** How the value is shown in the help (`MS`, `HOST:PORT` ...). */
  readonly meta?: string;
  readonly help: string;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  /** Sets the value on the config being built (already checked for its kind). */
  readonly apply: (config: NodeConfig, value: string | number | boolean | string[]) => void;
}

const MAX_MS = 86_400_000;

function readPem(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `--${flag}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
}

function tls(config: NodeConfig): { cert?: string; key?: string; ca?: string | string[] } {
  const current = (config.tls ?? {}) as { cert?: string; key?: string; ca?: string | string[] };
  const copy = { ...current };
  (config as { tls?: unknown }).tls = copy;
  return copy;
}

/** Every flag of `plumtree node`, in the order of its help. */
export const NODE_FLAGS: readonly NodeFlag[] = [
  {
    flag: 'name',
    env: 'PLUMTREE_NAME',
    kind: 'string',
    meta: 'NAME',
    help: 'unique in the cluster (required)',
    apply: (c, v) => {
      c.name = v as string;
    },
  },
  {
    flag: 'host',
    env: 'PLUMTREE_HOST',
    kind: 'string',
    meta: 'H',
    help: 'where the channels listen (default 127.0.0.1; 0.0.0.0 for every interface)',
    apply: (c, v) => {
      c.host = v as string;
    },
  },
  {
    flag: 'port',
    env: 'PLUMTREE_PORT',
    kind: 'int',
    meta: 'P',
    min: 0,
    max: 65535,
    help: 'where the channels listen; 0 picks a free port (default 0)',
    apply: (c, v) => {
      c.port = v as number;
    },
  },
  {
    flag: 'advertise',
    env: 'PLUMTREE_ADVERTISE',
    kind: 'string',
    meta: 'HOST:PORT',
    help: 'the address peers dial, when it is not the bind address (NAT, containers)',
    apply: (c, v) => {
      c.advertise = v as string;
    },
  },
  {
    flag: 'join',
    env: 'PLUMTREE_JOIN',
    kind: 'list',
    meta: 'SEED',
    help: 'a seed to join at start: HOST:PORT, dns:NAME[:PORT] (A/AAAA) or srv:NAME; repeat for several (the variable takes a comma-separated list)',
    apply: (c, v) => {
      c.join = v as string[];
    },
  },
  {
    flag: 'dns-server',
    env: 'PLUMTREE_DNS_SERVER',
    kind: 'string',
    meta: 'HOST:PORT',
    help: 'resolve dns: and srv: seeds with this DNS server (default: the system resolver)',
    apply: (c, v) => {
      c.dnsServer = v as string;
    },
  },
  {
    flag: 'secret',
    env: 'PLUMTREE_SECRET',
    kind: 'string',
    meta: 'S',
    help: 'the cluster secret; required unless --insecure',
    apply: (c, v) => {
      c.secret = v as string;
    },
  },
  {
    flag: 'insecure',
    env: 'PLUMTREE_INSECURE',
    kind: 'bool',
    help: 'run with no secret: any node that can reach this one may join',
    apply: (c, v) => {
      c.insecure = v as boolean;
    },
  },
  {
    flag: 'overlay',
    env: 'PLUMTREE_OVERLAY',
    kind: 'string',
    meta: 'full|hyparview',
    choices: ['full', 'hyparview'],
    help: 'membership: full (default; up to a few hundred nodes) or hyparview partial views',
    apply: (c, v) => {
      c.overlay = v as 'full' | 'hyparview';
    },
  },
  {
    flag: 'down-after',
    env: 'PLUMTREE_DOWN_AFTER',
    kind: 'int',
    meta: 'MS',
    min: 0,
    max: MAX_MS,
    help: 'remove a member whose every channel has been down this long (default 60000; 0 = never)',
    apply: (c, v) => {
      c.downAfterMs = v as number;
    },
  },
  {
    flag: 'write-quorum',
    env: 'PLUMTREE_WRITE_QUORUM',
    kind: 'string',
    meta: 'W',
    help: 'nodes (this one included) that hold a write before it is acknowledged: auto = 2 when any member is reachable, else 1 (default), or an integer >= 1',
    apply: (c, v) => {
      const raw = v as string;
      if (raw !== 'auto' && !/^[1-9]\d{0,5}$/.test(raw))
        throw new UsageError(
          `--write-quorum must be auto or an integer >= 1, got ${JSON.stringify(raw)}`,
        );
      c.metadata = { ...c.metadata, writeQuorum: raw === 'auto' ? 'auto' : Number(raw) };
    },
  },
  {
    flag: 'write-timeout',
    env: 'PLUMTREE_WRITE_TIMEOUT',
    kind: 'int',
    meta: 'MS',
    min: 1,
    max: 3_600_000,
    help: 'how long a write waits for its quorum before it fails with 503 (default 5000)',
    apply: (c, v) => {
      c.metadata = { ...c.metadata, writeTimeoutMs: v as number };
    },
  },
  {
    flag: 'admin-port',
    env: 'PLUMTREE_ADMIN_PORT',
    kind: 'int',
    meta: 'A',
    min: 0,
    max: 65535,
    help: 'serve the admin HTTP API and the dashboard on port A (0 = any free port)',
    apply: (c, v) => {
      c.adminPort = v as number;
    },
  },
  {
    flag: 'admin-host',
    env: 'PLUMTREE_ADMIN_HOST',
    kind: 'string',
    meta: 'H',
    help: 'where the admin API listens (default 127.0.0.1); beyond loopback it needs a bearer token: --admin-token, or one derived from the secret, unless --insecure',
    apply: (c, v) => {
      c.adminHost = v as string;
    },
  },
  {
    flag: 'admin-token',
    env: 'PLUMTREE_ADMIN_TOKEN',
    kind: 'string',
    meta: 'T',
    help: "the admin API's bearer token, at least 16 characters; when given it is required even on loopback",
    apply: (c, v) => {
      c.adminToken = v as string;
    },
  },
  {
    flag: 'tls-cert',
    env: 'PLUMTREE_TLS_CERT',
    kind: 'string',
    meta: 'FILE',
    help: "this node's certificate chain (PEM) for TLS on the channels; needs --tls-key",
    apply: (c, v) => {
      tls(c).cert = readPem('tls-cert', v as string);
    },
  },
  {
    flag: 'tls-key',
    env: 'PLUMTREE_TLS_KEY',
    kind: 'string',
    meta: 'FILE',
    help: "this node's private key (PEM); needs --tls-cert",
    apply: (c, v) => {
      tls(c).key = readPem('tls-key', v as string);
    },
  },
  {
    flag: 'tls-ca',
    env: 'PLUMTREE_TLS_CA',
    kind: 'string',
    meta: 'FILE',
    help: "the cluster's CA (PEM): peers must present a certificate it signed (mutual TLS)",
    apply: (c, v) => {
      tls(c).ca = readPem('tls-ca', v as string);
    },
  },
  {
    flag: 'lazy-tick',
    env: 'PLUMTREE_LAZY_TICK',
    kind: 'int',
    meta: 'MS',
    min: 1,
    max: 3_600_000,
    help: 'ms between lazy pushes (default 1000)',
    apply: (c, v) => {
      c.broadcast = { ...c.broadcast, lazyTickPeriod: v as number };
    },
  },
  {
    flag: 'exchange-tick',
    env: 'PLUMTREE_EXCHANGE_TICK',
    kind: 'int',
    meta: 'MS',
    min: 1,
    max: 3_600_000,
    help: 'ms between anti-entropy attempts (default 10000)',
    apply: (c, v) => {
      c.broadcast = { ...c.broadcast, exchangeTickPeriod: v as number };
    },
  },
  {
    flag: 'data-dir',
    env: 'PLUMTREE_DATA_DIR',
    kind: 'string',
    meta: 'DIR',
    help: 'persist membership and the metadata store in DIR',
    apply: (c, v) => {
      c.dataDir = v as string;
    },
  },
  {
    flag: 'heartbeat',
    env: 'PLUMTREE_HEARTBEAT',
    kind: 'int',
    meta: 'MS',
    min: 1,
    max: 3_600_000,
    help: 'run the membership heartbeat backend every MS ms (default off)',
    apply: (c, v) => {
      c.heartbeat = { intervalMs: v as number };
    },
  },
  {
    flag: 'log-level',
    env: 'PLUMTREE_LOG_LEVEL',
    kind: 'string',
    meta: 'LEVEL',
    choices: ['debug', 'info', 'warn', 'error', 'silent'],
    help: 'debug | info | warn | error | silent (default info)',
    apply: (c, v) => {
      c.logLevel = v as string;
    },
  },
];

/** `--config` is read before the others, so it is not in the table's `apply` loop. */
export const CONFIG_FLAG = {
  flag: 'config',
  env: 'PLUMTREE_CONFIG',
  meta: 'FILE',
  help: 'a JSON file with startNode option keys (and logLevel); flags and variables override it',
} as const;

/** The `parseArgs` options for the table. */
export function nodeParseOptions(): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {
    [CONFIG_FLAG.flag]: { type: 'string' },
  };
  for (const f of NODE_FLAGS) {
    options[f.flag] =
      f.kind === 'bool'
        ? { type: 'boolean' }
        : f.kind === 'list'
          ? { type: 'string', multiple: true }
          : { type: 'string' };
  }
  return options;
}

function parseBool(f: NodeFlag, raw: string): boolean {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new UsageError(`${f.env} must be true or false, got ${JSON.stringify(raw)}`);
}

function parseInteger(f: NodeFlag, raw: string, from: string): number {
  const n = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  const min = f.min ?? 0;
  const max = f.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(
      `${from} must be an integer in ${min}..${max}, got ${JSON.stringify(raw)}`,
    );
  return n;
}

/** Checks a `--join` seed: `HOST:PORT`, `dns:NAME[:PORT]` or `srv:NAME`. */
export function checkSeed(seed: string): void {
  if (seed.startsWith('dns:') || seed.startsWith('srv:')) {
    const rest = seed.slice(4);
    const m = /^([A-Za-z0-9_.-]+)(?::(\d{1,5}))?$/.exec(rest);
    if (!m || (seed.startsWith('srv:') && m[2] !== undefined))
      throw new UsageError(
        `bad --join ${JSON.stringify(seed)}: expected dns:NAME[:PORT] or srv:NAME`,
      );
    if (m[2] !== undefined && !(Number(m[2]) >= 1 && Number(m[2]) <= 65535))
      throw new UsageError(`bad --join ${JSON.stringify(seed)}: port must be in 1..65535`);
    return;
  }
  try {
    parseHostPort(seed);
  } catch (e) {
    throw new UsageError(`bad --join address: ${(e as Error).message}`);
  }
}

/**
 * Applies the environment and then the parsed flags onto `config` (which came from
 * `--config`, or is empty). Empty variables count as unset.
 */
export function applyNodeFlags(
  config: NodeConfig,
  values: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv,
): NodeConfig {
  const out: NodeConfig = { ...config };
  for (const f of NODE_FLAGS) {
    const fromEnv = env[f.env];
    if (fromEnv !== undefined && fromEnv !== '') apply(f, out, fromEnv, f.env);
  }
  for (const f of NODE_FLAGS) {
    const v = values[f.flag];
    if (v === undefined) continue;
    if (f.kind === 'bool') f.apply(out, v === true);
    else if (f.kind === 'list') apply(f, out, v as string[], `--${f.flag}`);
    else apply(f, out, v as string, `--${f.flag}`);
  }
  return out;
}

function apply(f: NodeFlag, out: NodeConfig, raw: string | string[], from: string): void {
  switch (f.kind) {
    case 'bool':
      f.apply(out, parseBool(f, raw as string));
      return;
    case 'int':
      f.apply(out, parseInteger(f, raw as string, from));
      return;
    case 'list': {
      const items = (Array.isArray(raw) ? raw : raw.split(/[\s,]+/)).filter((s) => s !== '');
      f.apply(out, items);
      return;
    }
    case 'string': {
      const value = raw as string;
      if (value.length === 0) throw new UsageError(`${from} must not be empty`);
      if (f.choices && !f.choices.includes(value))
        throw new UsageError(`${from} must be one of ${f.choices.join(', ')}, got ${value}`);
      f.apply(out, value);
      return;
    }
    default: {
      const never: never = f.kind;
      throw new UsageError(`unknown flag kind ${String(never)}`);
    }
  }
}

/** The options part of `plumtree node --help`, from the table. */
export function nodeFlagsHelp(): string {
  const rows = [
    ...NODE_FLAGS.map((f) => ({
      left: `--${f.flag}${f.meta ? ` ${f.meta}` : ''}`,
      env: f.env,
      help: f.help,
    })),
    { left: `--config FILE`, env: CONFIG_FLAG.env, help: CONFIG_FLAG.help },
  ];
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  const lines: string[] = [];
  for (const r of rows) {
    lines.push(`  ${r.left.padEnd(width)}${r.help}`);
    lines.push(`  ${''.padEnd(width)}(${r.env})`);
  }
  lines.push(`  ${'-h, --help'.padEnd(width)}this help`);
  return lines.join('\n');
}
