/**
 * The error catalog: every error agentmesh raises in its own words, declared
 * once with its code (whose wire mapping is WIRE in errors.ts), its message
 * template and which values go out as ErrorInfo details. Call sites name the
 * entry and pass values, never words, so one condition reads the same
 * wherever it is raised and whichever role raises it (the pattern of
 * Fastify's `lib/errors.js`).
 *
 * Templates name their values: `'Task {taskId} was not found'`. The values'
 * names are checked at compile time against the template, and a value listed
 * in `details` is copied into the error's details (client-safe metadata).
 *
 * The declarations sit by area in `error-catalog/`; this file joins them, so
 * `Errors` is the one place to look an error up. Beside the entries, a field
 * that fails a check is refused with `invalidArgument(code, field,
 * description)`, and words someone else wrote (another role's answer, the
 * SDK's, Fastify's) are passed on with `relayed`. `docs/errors.md` lists the
 * catalog; a test keeps the two in step.
 */
import { cliErrors } from './error-catalog/cli.js';
import { gatewayErrors } from './error-catalog/gateway.js';
import { identityErrors } from './error-catalog/identity.js';
import { orchestratorErrors } from './error-catalog/orchestrator.js';
import { platformErrors } from './error-catalog/platform.js';
import { registryErrors } from './error-catalog/registry.js';
import { requestErrors } from './error-catalog/requests.js';
import { taskErrors } from './error-catalog/tasks.js';

export { fillTemplate, invalidArgument, invalidParams, relayed, violationError, type DeclaredError, type InvalidArgumentCode, type RaiseOptions, type TemplateValues } from './error-catalog/declare.js';

/** Each area's entries, by area (the docs list them so). */
export const ERROR_AREAS = {
  requests: requestErrors,
  tasks: taskErrors,
  gateway: gatewayErrors,
  identity: identityErrors,
  registry: registryErrors,
  orchestrator: orchestratorErrors,
  platform: platformErrors,
  cli: cliErrors,
} as const;

/** The catalog. Names say the condition, not the code. */
export const Errors = {
  ...requestErrors,
  ...taskErrors,
  ...gatewayErrors,
  ...identityErrors,
  ...registryErrors,
  ...orchestratorErrors,
  ...platformErrors,
  ...cliErrors,
} as const;
