export type { AdminBackend } from './backend.js';
export {
  type AdminServer,
  type AdminServerOptions,
  parsePeerAddress,
  startAdminServer,
} from './http-server.js';
export { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './prometheus.js';
