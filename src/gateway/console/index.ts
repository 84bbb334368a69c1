/**
 * gateway/console: the web console's server side (docs/console.md). The pages are
 * built from `console/` by `npm run build` into `dist/console`; this folder
 * serves them and the read APIs they call. See docs/console.md.
 */
export { consoleCsp, consoleRoutes, CONSOLE_CSP } from './console-routes.js';
export { consoleOidcSchema, consoleOidcSettings } from './console-oidc-config.js';
export type { ConsoleOidcConfig, ConsoleOidcSettings } from './console-oidc-config.js';
export type { ConsoleRoutesOptions } from './console-routes.js';
export { CONSOLE_SCOPE, consoleViewer, mayView } from './console-access.js';
export type { ConsoleViewer } from './console-access.js';
export { MetricsHistory } from './metrics-history.js';
export { HealthHistory } from './health-history.js';
export type { HealthPoint, HealthHistoryOptions } from './health-history.js';
export type { MetricsPoint, MetricsHistoryOptions } from './metrics-history.js';
export { defaultConsoleDir, loadConsoleFiles } from './console-files.js';
export type { ConsoleFile } from './console-files.js';
