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

/** What {@link manifestToCard} needs besides the manifest. */
export interface ManifestToCardOptions {
  /** The ACP server's base URL (where `/agents` and `/runs` are): the card's one interface. */
  url: string;
}

/** The protocol binding a derived card names for its ACP endpoint (not an A2A binding: the gateway bridges it). */
export const ACP_PROTOCOL_BINDING = 'ACP';
/** The ACP version of `schemas/acp/openapi.yaml`. */
export const ACP_PROTOCOL_VERSION = '0.2.0';
/** A card's version when the manifest carries none (ACP manifests have no version field). */
const UNVERSIONED = '0.0.0';

/**
 * An ACP agent manifest (already valid against the document) as an A2A v1.0
 * agent card, in A2A JSON: the reverse of {@link cardToManifest}.
 *
 * - skills: one per `metadata.capabilities` entry (its name and
 *   description), tagged with `metadata.tags` and `domains`; a manifest
 *   without capabilities is one skill named after the agent. Skill ids are
 *   the capability names as slugs, unless the manifest was made by
 *   {@link cardToManifest} (`annotations['agentmesh.a2a']`), whose ids and
 *   version come back as they were.
 * - input/output modes: the content types, as they are (`*\/*` included).
 * - documentation link → `documentationUrl`; an author with a URL → `provider`.
 * - one interface: the ACP base URL, binding `ACP`, version 0.2.0.
 * - capabilities: streaming (every ACP agent has the `stream` run mode).
 */
export function manifestToCard(manifest: AcpAgentManifest, options: ManifestToCardOptions): Record<string, unknown> {
  const metadata = manifest.metadata ?? {};
  const tags = [...new Set([...(metadata.tags ?? []), ...(metadata.domains ?? [])])];
  const a2a = agentmeshAnnotation(metadata.annotations);
  const capabilities = metadata.capabilities ?? [];
  const ids = a2a?.skills !== undefined && a2a.skills.length === capabilities.length ? a2a.skills : uniqueSlugs(capabilities.map((c) => c.name));
  const skills =
    capabilities.length > 0
      ? capabilities.map((c, i) => ({ id: ids[i]!, name: c.name, description: c.description, tags }))
      : [{ id: manifest.name, name: manifest.name, description: manifest.description, tags }];
  const documentation = metadata.links?.find((l) => l.type === 'documentation')?.url;
  const author = metadata.author;
  return {
    name: manifest.name,
    description: manifest.description,
    version: a2a?.version ?? UNVERSIONED,
    supportedInterfaces: [{ url: options.url, protocolBinding: ACP_PROTOCOL_BINDING, protocolVersion: ACP_PROTOCOL_VERSION }],
    capabilities: { streaming: true },
    defaultInputModes: [...manifest.input_content_types],
    defaultOutputModes: [...manifest.output_content_types],
    skills,
    ...(documentation !== undefined && { documentationUrl: documentation }),
    ...(author?.url !== undefined && { provider: { organization: author.name, url: author.url } }),
  };
}

/** `annotations['agentmesh.a2a']` as {@link cardToManifest} writes it, when it is that shape. */
function agentmeshAnnotation(annotations: Record<string, unknown> | undefined): { version?: string; skills?: string[] } | undefined {
  if (annotations === undefined || !Object.hasOwn(annotations, 'agentmesh.a2a')) return undefined;
  const value = annotations['agentmesh.a2a'] as { version?: unknown; skills?: unknown } | null;
  if (typeof value !== 'object' || value === null) return undefined;
  const skills = Array.isArray(value.skills) && value.skills.every((s) => typeof s === 'string' && s !== '') && new Set(value.skills).size === value.skills.length ? (value.skills as string[]) : undefined;
  return { ...(typeof value.version === 'string' && value.version !== '' && { version: value.version }), ...(skills !== undefined && { skills }) };
}

/** "Lead scoring" → "lead-scoring"; repeats get `-2`, `-3`. */
function uniqueSlugs(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name, i) => {
    const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || `skill-${i + 1}`;
    let id = base;
    for (let n = 2; seen.has(id); n++) id = `${base}-${n}`;
    seen.add(id);
    return id;
  });
}
