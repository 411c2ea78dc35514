/**
 * Argument parsing on node's own `util.parseArgs`: strict (an unknown flag is a usage
 * error, not silently ignored), with the typed helpers the commands share.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed flags (by long name) and positionals. */
export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly positionals: string[];
}

/** Parses `argv` strictly; a parse failure becomes a {@link UsageError}. */
export function parse(argv: string[], options: Options, allowPositionals = false): ParsedArgs {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? (e.message.split('\n')[0] ?? String(e)) : String(e));
  }
}

/** An integer flag within bounds, or the default when absent. */
export function intFlag(
  value: unknown,
  flag: string,
  min: number,
  max: number,
  fallback?: number,
): number | undefined {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(
      `--${flag} must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** A required string flag. */
export function requireFlag(value: unknown, flag: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new UsageError(`--${flag} is required`);
  return value;
}

/** Checks an admin URL such as `http://127.0.0.1:8001`. */
export function adminUrl(value: unknown): URL {
  const raw = requireFlag(value, 'admin');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(
      `--admin must be a URL such as http://127.0.0.1:8001, got ${JSON.stringify(raw)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--admin must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  return url;
}
