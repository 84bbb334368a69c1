/**
 * agentmesh: what an agent author imports from 'agentmesh' — defining and
 * hosting agents (defineAgent, createRuntime) and driving long-running,
 * handed-off tasks from any process (openTaskControl). The roles' internals
 * stay behind their own entry points ('agentmesh/runtime', '/protocol', '/storage').
 */
export * from './runtime/index.js';
