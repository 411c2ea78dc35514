/**
 * The admin HTTP server as a supervised child: it listens in `init` and closes in
 * `terminate`. A restart binds the port the first start got, so the address a user
 * was given stays valid.
 */
import type { GenServer } from '../actors/index.js';
import type { AdminAuth } from '../admin/admin-auth.js';
import type { AdminBackend } from '../admin/backend.js';
import { type AdminServer, startAdminServer } from '../admin/http-server.js';
import type { Logger } from '../log/logger.js';

/** Arguments of the admin actor; `bound` records the port across restarts. */
export interface AdminActorArgs {
  readonly backend: AdminBackend;
  readonly host: string;
  readonly port: number;
  /** Who may call; decided once at start (a restart keeps the same rule). */
  readonly auth: AdminAuth;
  readonly logger: Logger;
  readonly bound: { port: number | undefined };
}

/** The admin actor's behaviour. */
export const adminActorBehaviour: GenServer<AdminActorArgs, AdminServer> = {
  async init(args) {
    const server = await startAdminServer(args.backend, {
      host: args.host,
      port: args.bound.port ?? args.port,
      auth: args.auth,
      logger: args.logger,
    });
    args.bound.port = server.port;
    return server;
  },
  async terminate(_reason, server) {
    await server.close();
  },
};
