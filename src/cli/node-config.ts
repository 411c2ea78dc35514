/**
 * `plumtree node --config FILE`: a JSON object with the keys of `startNode`'s options
 * (those that can be written in JSON), plus `logLevel`. An unknown key anywhere is an
 * error, so a typo is said at once rather than silently ignored.
 */
import { readFile } from 'node:fs/promises';
import { defaultPlumtreeOptions } from '../broadcast/core/options.js';
import type { NodeOptions } from '../node/options.js';
import { defaultHyParViewOptions } from '../peer-service/core/hyparview-options.js';
import { UsageError } from './usage-error.js';

/** What a config file holds: startNode options plus the CLI's log level. */
export type NodeConfig = { -readonly [K in ConfigKey]?: NodeOptions[K] } & {
  logLevel?: string;
};

type ConfigKey = Exclude<keyof NodeOptions, 'system' | 'logger' | 'metrics'>;

type Check = 'string' | 'int' | 'bool' | 'strings' | 'object' | 'array' | 'pem' | 'quorum';

const TOP: Record<string, Check> = {
  name: 'string',
  host: 'string',
  port: 'int',
  advertise: 'string',
  secret: 'string',
  insecure: 'bool',
  cluster: 'string',
  join: 'strings',
  joinTimeoutMs: 'int',
  broadcast: 'object',
  channels: 'array',
  adminPort: 'int',
  adminHost: 'string',
  adminToken: 'string',
  dataDir: 'string',
  overlay: 'string',
  hyparview: 'object',
  heartbeat: 'object',
  periodicInterval: 'int',
  periodicFanout: 'int',
  downAfterMs: 'int',
  ping: 'object',
  probe: 'object',
  tls: 'object',
  dnsServer: 'string',
  discoveryIntervalMs: 'int',
  metadata: 'object',
  logLevel: 'string',
};

const NESTED: Record<string, Record<string, Check>> = {
  broadcast: { lazyTickPeriod: 'int', exchangeTickPeriod: 'int', options: 'object' },
  heartbeat: { intervalMs: 'int' },
  ping: { intervalMs: 'int', timeoutMs: 'int' },
  probe: { periodMs: 'int', ackTimeoutMs: 'int', indirectProbes: 'int' },
  tls: { cert: 'pem', key: 'pem', ca: 'pem' },
  metadata: {
    tombstoneGraceMs: 'int',
    forgetRetentionMs: 'int',
    maxKeyLength: 'int',
    maxValueBytes: 'int',
    feedCapacity: 'int',
    exchangeTimeoutMs: 'int',
    writeQuorum: 'quorum',
    writeTimeoutMs: 'int',
  },
  hyparview: Object.fromEntries(Object.keys(defaultHyParViewOptions).map((k) => [k, 'int'])),
};

function fail(file: string, message: string): never {
  throw new UsageError(`--config ${file}: ${message}`);
}

function checkValue(file: string, path: string, value: unknown, check: Check): void {
  const ok = (() => {
    switch (check) {
      case 'string':
        return typeof value === 'string';
      case 'int':
        return typeof value === 'number' && Number.isSafeInteger(value);
      case 'bool':
        return typeof value === 'boolean';
      case 'strings':
        return Array.isArray(value) && value.every((v) => typeof v === 'string');
      case 'object':
        return typeof value === 'object' && value !== null && !Array.isArray(value);
      case 'array':
        return Array.isArray(value);
      case 'quorum':
        return value === 'auto' || (typeof value === 'number' && Number.isSafeInteger(value));
      case 'pem':
        return (
          typeof value === 'string' ||
          (Array.isArray(value) && value.every((v) => typeof v === 'string'))
        );
      default: {
        const never: never = check;
        return never;
      }
    }
  })();
  const expected =
    check === 'int'
      ? 'an integer'
      : check === 'quorum'
        ? '"auto" or an integer'
        : `a ${check} value`;
  if (!ok) fail(file, `${path} must be ${expected}`);
}

function checkObject(
  file: string,
  prefix: string,
  raw: Record<string, unknown>,
  keys: Record<string, Check>,
): void {
  for (const [key, value] of Object.entries(raw)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const check = keys[key];
    if (check === undefined) fail(file, `unknown key ${path}`);
    checkValue(file, path, value, check);
    const nested = prefix === '' ? NESTED[key] : undefined;
    if (nested !== undefined) checkObject(file, path, value as Record<string, unknown>, nested);
  }
}

/**
 * Checks parsed JSON as a node config: only known keys, each of the right type.
 * Values are checked further by `startNode` itself.
 *
 * @throws {UsageError} naming the file and the offending key.
 */
export function parseNodeConfig(file: string, raw: unknown): NodeConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(file, 'the file must hold one JSON object');
  const record = raw as Record<string, unknown>;
  checkObject(file, '', record, TOP);
  const plumtree = (record.broadcast as Record<string, unknown> | undefined)?.options;
  if (plumtree !== undefined) {
    for (const key of Object.keys(plumtree as object))
      if (!(key in defaultPlumtreeOptions)) fail(file, `unknown key broadcast.options.${key}`);
  }
  return record as NodeConfig;
}

/** Reads and checks a config file. */
export async function loadNodeConfig(file: string): Promise<NodeConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    fail(file, `cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(file, `not JSON: ${(e as Error).message}`);
  }
  return parseNodeConfig(file, raw);
}
