import type { AgentCard } from '@a2a-js/sdk';
import { Errors } from '../protocol/index.js';
import type { AgentMetadata, AgentRecord, AgentStatus } from '../contracts/registry/index.js';
import type { AgentOutcome } from './store/registry-store.js';

/*
 * The parts of a registration the service puts together: the name checked
 * (or made from the card's), the state carried over from the record it
 * replaces, the metadata kept for a new card, the endpoint a card names,
 * and the review a write's change waits in.
 */

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The review a write's change waits in: the one it made, or, for the same change submitted again (no outcome), the record's. */
export function heldBy(outcome: AgentOutcome | undefined, current: AgentRecord | undefined): string | undefined {
  return outcome?.review?.id ?? (outcome === undefined ? current?.review?.id : undefined);
}

export function checkName(name: string): void {
  if (!NAME.test(name)) throw Errors.registryNameInvalid({ quotedName: JSON.stringify(name) });
}

/** "Lead Scorer (v2)" → "lead-scorer-v2". */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return slug || 'agent';
}

/**
 * The state a registration leaves the record in: the status asked for, else
 * the current one (a new agent is active); health, config version and
 * creation time carried over; the next revision.
 */
export function registrationState(current: AgentRecord | undefined, status: AgentStatus | undefined, at: string) {
  return {
    status: status ?? current?.status ?? 'active',
    health: current?.health ?? 'unknown',
    revision: (current?.revision ?? 0) + 1,
    ...(current?.activeConfigVersion !== undefined && { activeConfigVersion: current.activeConfigVersion }),
    createdAt: current?.createdAt ?? at,
    updatedAt: at,
  };
}

/** Existing metadata re-checked against a new card: per-skill entries of skills the card dropped go. */
export function keepMetadata(current: AgentRecord | undefined, card: AgentCard): AgentMetadata {
  if (!current) return {};
  const skills = current.metadata.skills;
  if (!skills) return current.metadata;
  const ids = new Set(card.skills.map((s) => s.id));
  return { ...current.metadata, skills: Object.fromEntries(Object.entries(skills).filter(([id]) => ids.has(id))) };
}

/**
 * The URL the agent answers at: its first JSON-RPC interface, else its first
 * HTTP one. Never a GRPC interface: the registry probes over HTTP, and a
 * gRPC target (`host:port`) is no URL.
 */
export function primaryUrl(card: AgentCard): string | undefined {
  const interfaces = card.supportedInterfaces ?? [];
  return (interfaces.find((i) => i.protocolBinding === 'JSONRPC') ?? interfaces.find((i) => i.protocolBinding.toUpperCase() !== 'GRPC'))?.url;
}
