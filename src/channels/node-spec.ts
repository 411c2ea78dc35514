import { InvalidNodeSpecError, type NodeSpecIssue } from './errors.js';
import { compareCodeUnits, describeValue, MAX_CHANNEL_NAME_LENGTH, nameProblem } from './names.js';

/** Where a node accepts connections. */
export interface ListenAddr {
  readonly host: string;
  /** 0 in a spec handed to the listener means "pick a free port". */
  readonly port: number;
}

/** How a channel behaves towards one peer. */
export interface ChannelSpec {
  /** Connections opened for this channel, 1..{@link MAX_PARALLELISM}. */
  readonly parallelism: number;
  /** A newer queued message may replace an older one with the same monotonic key. */
  readonly monotonic: boolean;
}

/**
 * A validated node spec: who a node is and how to reach it. Always carries the
 * {@link DEFAULT_CHANNEL} and {@link MEMBERSHIP_CHANNEL} channels; channel entries are
 * sorted by name so that equal specs encode to equal bytes.
 */
export interface NodeSpec {
  readonly name: string;
  readonly listenAddrs: readonly ListenAddr[];
  readonly channels: Readonly<Record<string, ChannelSpec>>;
}

/** A channel as the caller may write it: every field optional. */
export interface ChannelInput {
  readonly parallelism?: number;
  readonly monotonic?: boolean;
}

/** A channel in list form, as the node options take them. */
export interface NamedChannelInput extends ChannelInput {
  readonly name: string;
}

/** A node spec as the caller may write it, before defaults and validation. */
export interface NodeSpecInput {
  readonly name: string;
  readonly listenAddrs: readonly { readonly host?: string; readonly port: number }[];
  /** A map by name, or a list (where duplicates are reported). */
  readonly channels?: Readonly<Record<string, ChannelInput>> | readonly NamedChannelInput[];
}

/** The channel every message without a known channel falls back to. */
export const DEFAULT_CHANNEL = 'default';
/** The channel the peer service uses for its own traffic. */
export const MEMBERSHIP_CHANNEL = 'membership';
/** The host a listen address gets when none is given: loopback, never all interfaces. */
export const DEFAULT_HOST = '127.0.0.1';
/** Most connections a channel may open to one peer. */
export const MAX_PARALLELISM = 64;
/** Most listen addresses a spec may carry; the spec travels in every handshake. */
export const MAX_LISTEN_ADDRS = 16;

const HOST_PATTERN = /^[A-Za-z0-9._:%[\]-]+$/;
const MAX_HOST_LENGTH = 255;

/**
 * Checks a spec (from the caller or from the wire) and returns it normalised: defaults
 * filled in, the default and membership channels added when missing, channels sorted.
 *
 * @throws InvalidNodeSpecError listing every problem found.
 */
export function validateNodeSpec(input: unknown): NodeSpec {
  const issues: NodeSpecIssue[] = [];
  const report = (path: string, message: string): void => {
    issues.push({ path, message });
  };

  if (!isPlainObject(input)) {
    throw new InvalidNodeSpecError([
      { path: '', message: `must be an object (got ${describeValue(input)})` },
    ]);
  }
  reportUnknownKeys(input, ['name', 'listenAddrs', 'channels'], '', report);

  const nameIssue = nameProblem(input.name);
  if (nameIssue !== undefined) report('name', nameIssue);

  const listenAddrs = validateListenAddrs(input.listenAddrs, report);
  const channels = validateChannels(input.channels, report);

  if (issues.length > 0) throw new InvalidNodeSpecError(issues);
  return Object.freeze({ name: input.name as string, listenAddrs, channels });
}

type Report = (path: string, message: string) => void;

function validateListenAddrs(value: unknown, report: Report): readonly ListenAddr[] {
  if (!Array.isArray(value)) {
    report('listenAddrs', `must be an array (got ${describeValue(value)})`);
    return [];
  }
  if (value.length === 0) report('listenAddrs', 'must hold at least one address');
  if (value.length > MAX_LISTEN_ADDRS) {
    report('listenAddrs', `must hold at most ${MAX_LISTEN_ADDRS} addresses (got ${value.length})`);
    return [];
  }
  const out: ListenAddr[] = [];
  const seen = new Set<string>();
  value.forEach((entry: unknown, i) => {
    const path = `listenAddrs.${i}`;
    if (!isPlainObject(entry)) {
      report(path, `must be an object with host and port (got ${describeValue(entry)})`);
      return;
    }
    reportUnknownKeys(entry, ['host', 'port'], path, report);
    const host = entry.host === undefined ? DEFAULT_HOST : entry.host;
    let ok = true;
    if (typeof host !== 'string' || host.length === 0 || host.length > MAX_HOST_LENGTH) {
      report(`${path}.host`, `must be a non-empty string of at most ${MAX_HOST_LENGTH} characters`);
      ok = false;
    } else if (!HOST_PATTERN.test(host)) {
      report(`${path}.host`, `is not a host name or IP address (got ${describeValue(host)})`);
      ok = false;
    }
    const port = entry.port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
      report(`${path}.port`, `must be an integer in 0..65535 (got ${describeValue(port)})`);
      ok = false;
    }
    if (!ok) return;
    const key = `${host as string}|${port as number}`;
    if (seen.has(key)) {
      report(path, `duplicates another listen address (${host as string}:${port as number})`);
      return;
    }
    seen.add(key);
    out.push(Object.freeze({ host: host as string, port: port as number }));
  });
  return Object.freeze(out);
}

function validateChannels(value: unknown, report: Report): Readonly<Record<string, ChannelSpec>> {
  const entries: [string, unknown, string][] = [];
  if (value === undefined) {
    // no channels given: only the two that always exist
  } else if (Array.isArray(value)) {
    value.forEach((entry: unknown, i) => {
      const path = `channels.${i}`;
      if (!isPlainObject(entry)) {
        report(path, `must be an object with a name (got ${describeValue(entry)})`);
        return;
      }
      const { name, ...rest } = entry;
      const issue = nameProblem(name, MAX_CHANNEL_NAME_LENGTH);
      if (issue !== undefined) {
        report(`${path}.name`, issue);
        return;
      }
      entries.push([name as string, rest, path]);
    });
  } else if (isPlainObject(value)) {
    for (const name of Object.keys(value)) {
      const path = `channels.${name}`;
      const issue = nameProblem(name, MAX_CHANNEL_NAME_LENGTH);
      if (issue !== undefined) {
        report(`channels[${describeValue(name)}]`, `channel name ${issue}`);
        continue;
      }
      entries.push([name, value[name], path]);
    }
  } else {
    report('channels', `must be an object or an array (got ${describeValue(value)})`);
  }

  const channels = new Map<string, ChannelSpec>();
  for (const [name, entry, path] of entries) {
    if (channels.has(name)) {
      report(path, `duplicates channel ${name}`);
      continue;
    }
    const spec = validateChannel(entry, path, report);
    if (spec !== undefined) channels.set(name, spec);
  }
  for (const always of [DEFAULT_CHANNEL, MEMBERSHIP_CHANNEL]) {
    if (!channels.has(always))
      channels.set(always, Object.freeze({ parallelism: 1, monotonic: false }));
  }

  const out: Record<string, ChannelSpec> = {};
  for (const name of [...channels.keys()].sort(compareCodeUnits)) {
    out[name] = channels.get(name) as ChannelSpec;
  }
  return Object.freeze(out);
}

function validateChannel(value: unknown, path: string, report: Report): ChannelSpec | undefined {
  if (value === undefined || value === null) value = {};
  if (!isPlainObject(value)) {
    report(path, `must be an object (got ${describeValue(value)})`);
    return undefined;
  }
  reportUnknownKeys(value, ['parallelism', 'monotonic'], path, report);
  const parallelism = value.parallelism === undefined ? 1 : value.parallelism;
  const monotonic = value.monotonic === undefined ? false : value.monotonic;
  let ok = true;
  if (
    typeof parallelism !== 'number' ||
    !Number.isInteger(parallelism) ||
    parallelism < 1 ||
    parallelism > MAX_PARALLELISM
  ) {
    report(
      `${path}.parallelism`,
      `must be an integer in 1..${MAX_PARALLELISM} (got ${describeValue(parallelism)})`,
    );
    ok = false;
  }
  if (typeof monotonic !== 'boolean') {
    report(`${path}.monotonic`, `must be a boolean (got ${describeValue(monotonic)})`);
    ok = false;
  }
  if (!ok) return undefined;
  return Object.freeze({ parallelism: parallelism as number, monotonic: monotonic as boolean });
}

function reportUnknownKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  report: Report,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const where = path === '' ? describeValue(key) : `${path}.${describeValue(key)}`;
      report(where, `is not a known field (allowed: ${allowed.join(', ')})`);
    }
  }
}

/** Plain objects only: class instances, arrays and buffers are not specs. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
