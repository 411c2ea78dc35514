/**
 * Structured logs with levels. JSON lines when the stream is not a terminal (so a
 * log collector can parse them), a short human line when it is.
 */

/** Severity, lowest first. `silent` logs nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** A logger bound to some fields (its node, its component). */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `bindings` to every line. */
  child(bindings: Record<string, unknown>): Logger;
  readonly level: LogLevel;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Default: `PLUMTREE_LOG_LEVEL`, else `info`. */
  readonly level?: LogLevel;
  /** Default: JSON unless the stream is a TTY. */
  readonly json?: boolean;
  /** Default: standard error, so standard output stays free for machine-readable lines. */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly bindings?: Record<string, unknown>;
}

function isLevel(x: unknown): x is LogLevel {
  return typeof x === 'string' && x in RANK;
}

function errorFields(v: unknown): unknown {
  return v instanceof Error ? { name: v.name, message: v.message } : v;
}

/** Creates a logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const envLevel = process.env.PLUMTREE_LOG_LEVEL;
  const level: LogLevel = options.level ?? (isLevel(envLevel) ? envLevel : 'info');
  const stream = options.stream ?? process.stderr;
  const json = options.json ?? !stream.isTTY;
  const bindings = options.bindings ?? {};

  const write = (
    lvl: Exclude<LogLevel, 'silent'>,
    msg: string,
    fields?: Record<string, unknown>,
  ) => {
    if (RANK[lvl] < RANK[level]) return;
    const all: Record<string, unknown> = { ...bindings, ...fields };
    for (const k of Object.keys(all)) all[k] = errorFields(all[k]);
    if (json) {
      stream.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...all })}\n`,
      );
    } else {
      const extra = Object.keys(all).length > 0 ? ` ${JSON.stringify(all)}` : '';
      stream.write(`${lvl.toUpperCase().padEnd(5)} ${msg}${extra}\n`);
    }
  };

  return {
    level,
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (more) => createLogger({ level, json, stream, bindings: { ...bindings, ...more } }),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = createLogger({ level: 'silent' });
