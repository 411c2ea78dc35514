import { createLogger } from '../../log/logger.js';
import { startNode } from '../../node/node.js';
import { parseHostPort } from '../../peer-service/address.js';
import { intFlag, parse, requireFlag } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_OK, UsageError } from '../usage-error.js';

const usage = `plumtree node --name NAME [--host H] [--port P] [--join HOST:PORT]... [--secret S]
              [--admin-port A] [--admin-host H] [--admin-token T] [--lazy-tick MS]
              [--exchange-tick MS] [--data-dir DIR] [--heartbeat MS] [--insecure]
              [--log-level LEVEL]

  Runs one node until SIGINT or SIGTERM, then stops it cleanly. When it is ready it
  prints one JSON line on standard output:
    {"event":"listening","name":...,"host":...,"port":...,"adminPort":...}
  Logs go to standard error (JSON unless it is a terminal).

  --name NAME         unique in the cluster (required)
  --host H            where to listen (default 127.0.0.1)
  --port P            where to listen; 0 picks a free port (default 0)
  --join HOST:PORT    a seed to join at start; repeat for several
  --secret S          the cluster secret (or PLUMTREE_SECRET); required unless --insecure
  --insecure          run with no secret: any node that can reach this one may join
  --admin-port A      serve the admin HTTP API and the dashboard on port A (0 = any free port)
  --admin-host H      where the admin API listens (or PLUMTREE_ADMIN_HOST; default 127.0.0.1);
                      beyond loopback it needs a bearer token: --admin-token, or one derived
                      from the secret, unless --insecure
  --admin-token T     the admin API's bearer token, at least 16 characters (or
                      PLUMTREE_ADMIN_TOKEN); when given it is required even on loopback
  --lazy-tick MS      ms between lazy pushes (default 1000)
  --exchange-tick MS  ms between anti-entropy attempts (default 10000)
  --data-dir DIR      persist membership and the metadata store in DIR
  --heartbeat MS      run the membership heartbeat backend every MS ms (default off)
  --log-level LEVEL   debug | info | warn | error | silent (default info)
  -h, --help          this help`;

const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** `plumtree node`. */
export const nodeCommand: Command = {
  name: 'node',
  summary: 'run one node until SIGINT or SIGTERM',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      name: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      join: { type: 'string', multiple: true },
      secret: { type: 'string' },
      insecure: { type: 'boolean' },
      'admin-port': { type: 'string' },
      'admin-host': { type: 'string' },
      'admin-token': { type: 'string' },
      'lazy-tick': { type: 'string' },
      'exchange-tick': { type: 'string' },
      'data-dir': { type: 'string' },
      heartbeat: { type: 'string' },
      'log-level': { type: 'string' },
    });
    if (values.help) {
      io.out(usage);
      return EXIT_OK;
    }
    if (positionals.length > 0)
      throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
    const name = requireFlag(values.name, 'name');
    const joins = (values.join as string[] | undefined) ?? [];
    for (const j of joins) {
      try {
        parseHostPort(j);
      } catch (e) {
        throw new UsageError(`bad --join address: ${(e as Error).message}`);
      }
    }
    const secret = (values.secret as string | undefined) ?? process.env.PLUMTREE_SECRET;
    const insecure = values.insecure === true;
    if (!secret && !insecure) {
      throw new UsageError(
        'no cluster secret: pass --secret S or set PLUMTREE_SECRET (or --insecure to run without one)',
      );
    }
    const level = (values['log-level'] as string | undefined) ?? 'info';
    if (!(LEVELS as readonly string[]).includes(level))
      throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`);
    const logger = createLogger({ level: level as (typeof LEVELS)[number] });
    const port = intFlag(values.port, 'port', 0, 65535, 0) as number;
    const adminPort = intFlag(values['admin-port'], 'admin-port', 0, 65535);
    const lazyTick = intFlag(values['lazy-tick'], 'lazy-tick', 1, 3_600_000);
    const exchangeTick = intFlag(values['exchange-tick'], 'exchange-tick', 1, 3_600_000);
    const heartbeat = intFlag(values.heartbeat, 'heartbeat', 1, 3_600_000);
    const adminHost =
      (values['admin-host'] as string | undefined) ??
      (process.env.PLUMTREE_ADMIN_HOST || undefined);
    const adminToken =
      (values['admin-token'] as string | undefined) ??
      (process.env.PLUMTREE_ADMIN_TOKEN || undefined);
    if (adminHost !== undefined && adminHost.length === 0)
      throw new UsageError('--admin-host must not be empty');
    if (adminToken !== undefined && adminToken.length < 16)
      throw new UsageError('--admin-token must be at least 16 characters');

    let node: Awaited<ReturnType<typeof startNode>>;
    try {
      node = await startNode({
        name,
        host: (values.host as string | undefined) ?? '127.0.0.1',
        port,
        ...(secret ? { secret } : {}),
        ...(insecure ? { insecure } : {}),
        join: joins,
        ...(adminPort !== undefined ? { adminPort } : {}),
        ...(adminHost !== undefined ? { adminHost } : {}),
        ...(adminToken !== undefined ? { adminToken } : {}),
        broadcast: {
          ...(lazyTick !== undefined ? { lazyTickPeriod: lazyTick } : {}),
          ...(exchangeTick !== undefined ? { exchangeTickPeriod: exchangeTick } : {}),
        },
        ...(values['data-dir'] ? { dataDir: values['data-dir'] as string } : {}),
        ...(heartbeat !== undefined ? { heartbeat: { intervalMs: heartbeat } } : {}),
        logger,
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new Error(`port ${port} is already in use`);
      if (code === 'EADDRNOTAVAIL')
        throw new Error(`cannot listen on ${values.host}: no such local address`);
      throw e;
    }
    io.out(
      JSON.stringify({
        event: 'listening',
        name,
        host: node.address.host,
        port: node.address.port,
        adminPort: node.adminPort ?? null,
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
