/**
 * runtime/registration: a runtime's tie to the registry (docs/runtime.md#registering-with-the-registry) —
 * each hosted agent registered with its served card, this process leased as
 * its instance and kept alive by heartbeats, and the agent's active config
 * followed over the registry's watch stream.
 */
export { createRegistryLink } from './registry-link.js';
export type { RegistryLink, RegistryLinkOptions, LinkedAgent } from './registry-link.js';
export { AgentConfigs } from './agent-configs.js';
export type { AgentConfigChange, ConfigChangeListener } from './agent-configs.js';
