import type { AgentCard } from '@a2a-js/sdk';
import type { AgentHealth, AgentMetadata, AgentRecord, AgentStatus } from '../../../src/contracts/registry/index.js';

/** An agent as the search tests describe it: its name, and what its card and record say when it says more than the defaults. */
export interface AgentSpec {
  name: string;
  displayName?: string;
  description?: string;
  publisher?: string;
  version?: string;
  skills?: Array<{ id: string; name?: string; description?: string; tags?: string[]; examples?: string[] }>;
  metadata?: AgentMetadata;
  status?: AgentStatus;
  health?: AgentHealth;
  updatedAt?: string;
}

/**
 * The registry record of the agent `spec` describes, as the search index
 * takes it: a complete v1.0 card (one JSON-RPC interface, one skill named
 * after the agent unless `spec.skills` lists them), active and healthy unless
 * `spec` says otherwise. What every search test indexes.
 */
export function searchRecord(spec: AgentSpec): AgentRecord {
  const skills = (spec.skills ?? [{ id: `${spec.name}-skill` }]).map((s) => ({
    id: s.id,
    name: s.name ?? s.id,
    description: s.description ?? '',
    tags: s.tags ?? [],
    examples: s.examples ?? [],
    inputModes: [],
    outputModes: [],
    securityRequirements: [],
  }));
  const card = {
    name: spec.displayName ?? spec.name,
    description: spec.description ?? '',
    version: spec.version ?? '1.0.0',
    supportedInterfaces: [{ url: `https://agents.example.com/${spec.name}`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' }],
    provider: undefined,
    capabilities: { extensions: [] },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills,
    signatures: [],
  } satisfies AgentCard;
  const at = spec.updatedAt ?? '2026-01-01T00:00:00.000Z';
  return {
    name: spec.name,
    identifier: `urn:air:${spec.publisher ?? 'acme.com'}:agent:${spec.name}`,
    card,
    sourceProtocol: '1.0',
    signed: false,
    metadata: spec.metadata ?? {},
    status: spec.status ?? 'active',
    health: spec.health ?? 'healthy',
    revision: 1,
    createdAt: at,
    updatedAt: at,
  };
}
