/**
 * Seeds as a user writes them: `HOST:PORT`, `dns:NAME[:PORT]` (every A and AAAA
 * record of NAME) or `srv:NAME` (SRV records, their targets resolved to addresses
 * with the same resolver). A Kubernetes headless Service, a Nomad or Consul service,
 * or a Docker Compose service name all answer these.
 */
import { Resolver } from 'node:dns/promises';
import { parseHostPort } from './address.js';
import { InvalidAddressError } from './errors.js';
import type { HostPort } from './transport.js';

/** A parsed seed. */
export type Seed =
  | { readonly kind: 'static'; readonly address: HostPort }
  | { readonly kind: 'dns'; readonly name: string; readonly port: number | undefined }
  | { readonly kind: 'srv'; readonly name: string };

const DNS_NAME = /^[A-Za-z0-9_.-]{1,253}$/;

/**
 * Parses one seed.
 *
 * @throws {InvalidAddressError} saying what is wrong.
 */
export function parseSeed(text: string): Seed {
  if (text.startsWith('dns:') || text.startsWith('srv:')) {
    const rest = text.slice(4);
    const colon = rest.lastIndexOf(':');
    const name = colon < 0 ? rest : rest.slice(0, colon);
    const portText = colon < 0 ? undefined : rest.slice(colon + 1);
    if (!DNS_NAME.test(name))
      throw new InvalidAddressError(`expected a DNS name in ${JSON.stringify(text)}`);
    if (text.startsWith('srv:')) {
      if (portText !== undefined)
        throw new InvalidAddressError(`srv: takes no port (SRV records carry it): ${text}`);
      return { kind: 'srv', name };
    }
    if (portText === undefined) return { kind: 'dns', name, port: undefined };
    const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (!(port >= 1 && port <= 65535))
      throw new InvalidAddressError(`port must be in 1..65535 in ${JSON.stringify(text)}`);
    return { kind: 'dns', name, port };
  }
  return { kind: 'static', address: parseHostPort(text) };
}

/** True for seeds that are looked up in DNS (and so may change over time). */
export function isDiscoverySeed(text: string): boolean {
  return text.startsWith('dns:') || text.startsWith('srv:');
}

/** What discovery needs from DNS; node's `Resolver` provides it. */
export interface DnsLookup {
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  resolveSrv(name: string): Promise<{ name: string; port: number; priority: number }[]>;
}

/**
 * A resolver that asks `server` (`host:port`) if given, else the system's servers.
 * Short timeouts: discovery retries on its own schedule.
 */
export function createDnsLookup(server?: string): DnsLookup {
  const resolver = new Resolver({ timeout: 2_000, tries: 2 });
  if (server !== undefined) {
    const { host, port } = parseHostPort(server);
    resolver.setServers([host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`]);
  }
  return resolver;
}

/** A lookup that found nothing answers an empty list; other failures propagate. */
async function records<T>(lookup: () => Promise<T[]>): Promise<T[]> {
  try {
    return await lookup();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENODATA' || code === 'ENOTFOUND' || code === 'ENONAME') return [];
    throw e;
  }
}

async function addressesOf(dns: DnsLookup, name: string): Promise<string[]> {
  const [v4, v6] = await Promise.all([
    records(() => dns.resolve4(name)),
    records(() => dns.resolve6(name)),
  ]);
  return [...v4, ...v6];
}

/**
 * The addresses a seed stands for now, deduplicated, in a stable order (SRV by
 * priority). `defaultPort` is used for `dns:NAME` without a port.
 */
export async function resolveSeed(
  seed: Seed,
  dns: DnsLookup,
  defaultPort: number,
): Promise<HostPort[]> {
  switch (seed.kind) {
    case 'static':
      return [seed.address];
    case 'dns': {
      const port = seed.port ?? defaultPort;
      return (await addressesOf(dns, seed.name)).map((host) => ({ host, port }));
    }
    case 'srv': {
      const srv = (await records(() => dns.resolveSrv(seed.name))).sort(
        (a, b) => a.priority - b.priority,
      );
      const out: HostPort[] = [];
      for (const target of srv) {
        const hosts = await addressesOf(dns, target.name);
        // A target the resolver cannot map is dialled by name (the system may know it).
        for (const host of hosts.length > 0 ? hosts : [target.name])
          out.push({ host, port: target.port });
      }
      return out;
    }
    default: {
      const never: never = seed;
      throw new TypeError(`unknown seed ${JSON.stringify(never)}`);
    }
  }
}

/** Resolves every seed; a seed whose lookup fails contributes nothing this round. */
export async function resolveSeeds(
  seeds: readonly Seed[],
  dns: DnsLookup,
  defaultPort: number,
  onError: (seed: Seed, error: unknown) => void,
): Promise<HostPort[]> {
  const seen = new Set<string>();
  const out: HostPort[] = [];
  for (const seed of seeds) {
    let found: HostPort[] = [];
    try {
      found = await resolveSeed(seed, dns, defaultPort);
    } catch (error) {
      onError(seed, error);
    }
    for (const a of found) {
      const key = `${a.host}|${a.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(a);
    }
  }
  return out;
}
