/**
 * Where the CLI finds the registry when neither `--registry` nor
 * `AGENTMESH_REGISTRY` says. A file of its own: `send` names it for a hint,
 * and registry-client.ts would bring the registry's whole client into the
 * CLI bundle with it.
 */
export const DEFAULT_REGISTRY_URL = 'http://localhost:4100';
