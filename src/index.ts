/**
 * agentmesh: what an agent author imports from 'agentmesh': defining and
 * hosting agents (defineAgent, createRuntime), driving long-running,
 * handed-off tasks from any process (openTaskControl), and the errors a
 * skill raises. Each role embeds through its own entry point
 * ('agentmesh/gateway', '/registry', '/orchestrator'); see docs/library.md.
 */
// First: on a Node.js agentmesh does not run on, this import fails with what to install, before anything below loads.
import './node-version/check-on-import.js';
export * from './runtime/index.js';
export { AgentmeshError, ErrorCodes, invalidParams, isAgentmeshError } from './protocol/index.js';
export type { ErrorCode, FieldViolation, AgentmeshErrorOptions } from './protocol/index.js';
