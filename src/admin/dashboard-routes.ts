/**
 * The dashboard's routes on the admin server: the page and its files, and the
 * `/events` stream. Everything else is the JSON API's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import { isDashboardAsset, serveDashboardAsset } from './dashboard-assets.js';
import type { DashboardEvents } from './event-stream.js';

/** Serves the request when it is the dashboard's; true when it did. */
export function handleDashboardRoute(
  req: IncomingMessage,
  res: ServerResponse,
  events: DashboardEvents,
  log: Logger,
): boolean {
  const url = new URL(req.url ?? '/', 'http://admin');
  if (url.pathname === '/events') {
    events.handle(req, res, url);
    return true;
  }
  const method = req.method ?? 'GET';
  if (!isDashboardAsset(url.pathname) || (method !== 'GET' && method !== 'HEAD')) return false;
  serveDashboardAsset(req, res, url.pathname).catch((error: unknown) => {
    log.warn('dashboard file not served', { path: url.pathname, error });
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('dashboard file missing from this build');
  });
  return true;
}
