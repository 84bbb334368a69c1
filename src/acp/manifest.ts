import type { AgentCard } from '@a2a-js/sdk';
import type { AcpAgentManifest } from './wire-types.js';

/**
 * An A2A agent card as an ACP agent manifest: its description, its default
 * input/output modes as content types (`*\/*` when it names none; ACP
 * requires one), its skills as `capabilities`, their tags as `tags`, and
 * its provider and documentation as links and author. The card's name must
 * already be an ACP agent name (an RFC 1123 label): the caller picks it.
 */
export function cardToManifest(card: AgentCard, name: string): AcpAgentManifest {
  const manifest: AcpAgentManifest = {
    name,
    description: card.description || card.name || name,
    input_content_types: contentTypes(card.defaultInputModes),
    output_content_types: contentTypes(card.defaultOutputModes),
  };
  const metadata: NonNullable<AcpAgentManifest['metadata']> = {};
  if (card.skills.length > 0) metadata.capabilities = card.skills.map((s) => ({ name: s.name || s.id, description: s.description || s.name || s.id }));
  const tags = [...new Set(card.skills.flatMap((s) => s.tags))];
  if (tags.length > 0) metadata.tags = tags;
  if (card.documentationUrl) metadata.links = [{ type: 'documentation', url: card.documentationUrl }];
  if (card.provider?.organization) metadata.author = { name: card.provider.organization, ...(card.provider.url ? { url: card.provider.url } : {}) };
  metadata.annotations = { 'agentmesh.a2a': { version: card.version, skills: card.skills.map((s) => s.id) } };
  manifest.metadata = metadata;
  return manifest;
}

function contentTypes(modes: readonly string[]): string[] {
  return modes.length > 0 ? [...modes] : ['*/*'];
}
