/**
 * @polyqueue/dashboard: a web dashboard for polyqueue on any broker.
 *
 *   import { createDashboard } from '@polyqueue/dashboard';
 *   const dashboard = createDashboard({ broker, basePath: '/queues', token: process.env.DASHBOARD_TOKEN });
 *   app.use('/queues', dashboard); // Express; or http.createServer(dashboard)
 */
export { createDashboard, type DashboardHandler } from './create-dashboard.js';
export type { DashboardOptions } from './options.js';
export { isLoopback, type ServedDashboard, type ServeOptions, serveDashboard } from './serve.js';
