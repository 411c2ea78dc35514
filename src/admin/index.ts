export {
  type AdminAuth,
  AdminAuthError,
  adminTokenFromSecret,
  isLoopbackHost,
  resolveAdminAuth,
} from './admin-auth.js';
export type { AdminBackend } from './backend.js';
export type {
  DashboardBackend,
  DashboardCounters,
  DashboardState,
  KvEntryView,
  MemberView,
  TreeView,
} from './dashboard-backend.js';
export {
  type AdminServer,
  type AdminServerOptions,
  parsePeerAddress,
  startAdminServer,
} from './http-server.js';
export { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './prometheus.js';
