import { InvalidAddressError } from './errors.js';
import type { HostPort } from './transport.js';

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** Parses `host:port` (IPv6 in brackets); throws {@link InvalidAddressError} with what is wrong. */
export function parseHostPort(text: string): HostPort {
  const m = HOST_PORT.exec(text);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || !(port >= 1 && port <= 65535)) {
    throw new InvalidAddressError(
      `expected host:port with a port in 1..65535, got ${JSON.stringify(text)}`,
    );
  }
  const host = (m[1] as string).replace(/^\[(.*)\]$/, '$1');
  return { host, port };
}
