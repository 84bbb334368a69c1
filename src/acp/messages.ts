import { Role, type Message, type Part } from '@a2a-js/sdk';
import { a2aPartToAcp, acpPartToA2a } from './parts.js';
import type { AcpMessage } from './wire-types.js';

/** Where the ACP role of an agent message (`agent/{name}`) rides in A2A message metadata. */
export const ACP_ROLE_KEY = 'acp.role';

/** An ACP role names an agent when it matches `agent/{name}` (openapi `Message.role`). */
const AGENT_ROLE_NAME = /^[a-zA-Z0-9_-]+$/;

/** Ids an A2A message carries that an ACP message has no field for. */
export interface MessageIds {
  messageId: string;
  contextId?: string | undefined;
  taskId?: string | undefined;
}

/**
 * An ACP message as an A2A message: `user` → ROLE_USER, `agent` and
 * `agent/{name}` → ROLE_AGENT (the full role kept in metadata).
 */
export function acpMessageToA2a(message: AcpMessage, ids: MessageIds): Message {
  const agent = message.role !== 'user';
  return {
    messageId: ids.messageId,
    contextId: ids.contextId ?? '',
    taskId: ids.taskId ?? '',
    role: agent ? Role.ROLE_AGENT : Role.ROLE_USER,
    parts: message.parts.map(acpPartToA2a),
    metadata: agent && message.role !== 'agent' ? { [ACP_ROLE_KEY]: message.role } : undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/**
 * A run's `input` (one or more ACP messages) as the one user message A2A
 * sends: their parts in order. A2A has one message per SendMessage, so the
 * roles of earlier messages in the input are not kept (docs/acp.md, limits).
 */
export function acpInputToA2a(input: readonly AcpMessage[], ids: MessageIds): Message {
  const parts: Part[] = [];
  for (const m of input) for (const p of m.parts) parts.push(acpPartToA2a(p));
  return { ...acpMessageToA2a({ role: 'user', parts: [] }, ids), parts };
}

/**
 * An A2A message as an ACP message. An agent message's role is the one it
 * came with over ACP, else `agent/{agentName}` when that name fits ACP's
 * role pattern, else `agent`. An A2A message without parts has no ACP form
 * (ACP requires one): undefined.
 */
export function a2aMessageToAcp(message: Message, agentName?: string): AcpMessage | undefined {
  if (message.parts.length === 0) return undefined;
  return { role: roleOf(message, agentName), parts: message.parts.map((p) => a2aPartToAcp(p)) };
}

/** The ACP role of an agent's messages. */
export function agentRole(agentName?: string): string {
  return agentName !== undefined && AGENT_ROLE_NAME.test(agentName) ? `agent/${agentName}` : 'agent';
}

function roleOf(message: Message, agentName: string | undefined): string {
  if (message.role === Role.ROLE_USER) return 'user';
  const kept = message.metadata?.[ACP_ROLE_KEY] as unknown;
  if (typeof kept === 'string' && /^agent(\/[a-zA-Z0-9_-]+)?$/.test(kept)) return kept;
  return agentRole(agentName);
}
