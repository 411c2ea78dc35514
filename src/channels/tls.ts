import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type WebSocket from 'ws';

/**
 * TLS for the channels (`wss`). Every node presents `cert` (signed by the cluster's CA)
 * both when it accepts and when it dials; with `ca` set, each side also checks the
 * other's certificate against it (mutual TLS), so a node without a certificate from
 * the cluster's CA cannot even reach the handshake. A dialling node checks that the
 * peer's certificate names the host it dialled (the listen address in the peer's spec),
 * as any TLS client does, so certificates must carry those names or IP addresses.
 */
export interface ChannelsTlsOptions {
  /** This node's private key, PEM. */
  readonly key: string | Buffer;
  /** This node's certificate chain, PEM. */
  readonly cert: string | Buffer;
  /** The CA (or CAs) peers' certificates must chain to; also enables client certificates. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
}

type Pem = string | Buffer | (string | Buffer)[];

function caList(ca: ChannelsTlsOptions['ca']): Pem | undefined {
  if (ca === undefined) return undefined;
  return typeof ca === 'string' || Buffer.isBuffer(ca) ? ca : [...ca];
}

/** Options for the listener's HTTPS server. */
export function tlsServerOptions(tls: ChannelsTlsOptions): HttpsServerOptions {
  const ca = caList(tls.ca);
  return {
    key: tls.key,
    cert: tls.cert,
    ...(ca === undefined ? {} : { ca, requestCert: true, rejectUnauthorized: true }),
  };
}

/** Options for a dialling WebSocket: present our certificate, check the peer's. */
export function tlsClientOptions(tls: ChannelsTlsOptions): WebSocket.ClientOptions {
  const ca = caList(tls.ca);
  return {
    key: tls.key,
    cert: tls.cert,
    rejectUnauthorized: true,
    ...(ca === undefined ? {} : { ca }),
  };
}
