import { createLogger } from '../../log/logger.js';
import { startNode } from '../../node/node.js';
import type { NodeOptions } from '../../node/options.js';
import { parseHostPort } from '../../peer-service/address.js';
import { parse, requireFlag } from '../args.js';
import type { Command } from '../command.js';
import { loadNodeConfig } from '../node-config.js';
import { applyNodeFlags, checkSeed, nodeFlagsHelp, nodeParseOptions } from '../node-flags.js';
import { EXIT_OK, UsageError } from '../usage-error.js';

const usage = `plumtree node --name NAME [options]

  Runs one node until SIGINT or SIGTERM, then stops it cleanly. When it is ready it
  prints one JSON line on standard output:
    {"event":"listening","name":...,"host":...,"port":...,"adminPort":...}
  Logs go to standard error (JSON unless it is a terminal).

  Every flag has an environment variable (in brackets); a flag beats its variable,
  and both beat the --config file.

${nodeFlagsHelp()}`;

function checkAdvertise(advertise: string | undefined): void {
  if (advertise === undefined) return;
  try {
    parseHostPort(advertise);
  } catch (e) {
    throw new UsageError(`bad --advertise: ${(e as Error).message}`);
  }
}

const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** `plumtree node`. */
export const nodeCommand: Command = {
  name: 'node',
  summary: 'run one node until SIGINT or SIGTERM',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, nodeParseOptions());
    if (values.help) {
      io.out(usage);
      return EXIT_OK;
    }
    if (positionals.length > 0)
      throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
    const configFile =
      (values.config as string | undefined) ?? (process.env.PLUMTREE_CONFIG || undefined);
    const fromFile = configFile === undefined ? {} : await loadNodeConfig(configFile);
    const config = applyNodeFlags(fromFile, values, process.env);
    const { logLevel, ...options } = config;
    const name = requireFlag(options.name, 'name');
    const joins = [...(options.join ?? [])];
    for (const j of joins) checkSeed(j);
    if (!options.secret && !options.insecure) {
      throw new UsageError(
        'no cluster secret: pass --secret S or set PLUMTREE_SECRET (or --insecure to run without one)',
      );
    }
    const level = logLevel ?? 'info';
    if (!(LEVELS as readonly string[]).includes(level))
      throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`);
    const logger = createLogger({ level: level as (typeof LEVELS)[number] });
    if (options.adminToken !== undefined && options.adminToken.length < 16)
      throw new UsageError('--admin-token must be at least 16 characters');
    checkAdvertise(options.advertise);
    const tls = options.tls as { cert?: string; key?: string } | undefined;
    if (tls !== undefined && (tls.cert === undefined || tls.key === undefined))
      throw new UsageError('TLS needs both --tls-cert and --tls-key');
    const port = options.port ?? 0;

    let node: Awaited<ReturnType<typeof startNode>>;
    try {
      node = await startNode({
        ...options,
        name,
        host: options.host ?? '127.0.0.1',
        port,
        join: joins,
        logger,
      } as NodeOptions);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new Error(`port ${port} is already in use`);
      if (code === 'EADDRNOTAVAIL')
        throw new Error(`cannot listen on ${options.host}: no such local address`);
      throw e;
    }
    io.out(
      JSON.stringify({
        event: 'listening',
        name,
        host: node.address.host,
        port: node.address.port,
        adminPort: node.adminPort ?? null,
        overlay: options.overlay ?? 'full',
        spec: node.spec.listenAddrs,
      }),
    );
    await new Promise<void>((resolve) => {
      const onSignal = (signal: string) => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        logger.info('stopping', { signal });
        resolve();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    await node.stop();
    return EXIT_OK;
  },
};
