import type { Message, SendMessageRequest } from '@a2a-js/sdk';
import type { ErrorObject } from 'ajv';
import type { AgentmeshError } from './errors.js';
import { Errors, invalidParams } from './error-messages.js';
import { describeSchemaError } from './schema-wording.js';
import { isRecord } from './narrowing.js';

/*
 * How a message maps to a skill's input, and how a refusal is worded, shared
 * by the runtime (which runs the skill) and the gateway (which refuses an
 * invalid call at the door): both must answer the same input the same way.
 */

/**
 * The message of a SendMessage request, as the SDK's `fromJSON` read it:
 * -32602 when it is missing, has no id or no part. (The v1 params schema
 * already refuses these; v0.3 requests arrive here translated by the SDK,
 * which checks less.)
 */
export function requireMessage(params: SendMessageRequest): Message {
  if (!params.message) {
    throw invalidParams('message', 'is required');
  }
  if (!params.message.messageId) {
    throw invalidParams('message.messageId', 'is required');
  }
  if (params.message.parts.length === 0) {
    throw invalidParams('message.parts', 'must have at least one part');
  }
  return params.message;
}

/** The input a message carries for its skill: the first data part's value, else the text. */
export interface SkillInput {
  input: unknown;
  /** Index of the data part the input came from; -1 when it is the message text. */
  dataIndex: number;
}

/**
 * The handler's input: the first data part's value when there is one, else
 * the text parts joined by newlines.
 */
export function skillInputOf(message: Message): SkillInput {
  const dataIndex = message.parts.findIndex((p) => p.content?.$case === 'data');
  const input = dataIndex >= 0 ? (message.parts[dataIndex]!.content as { value: unknown }).value : messageText(message);
  return { input, dataIndex };
}

/**
 * {@link skillInputOf} of the message the SDK's `Message.fromJSON` decodes
 * from `message`, read from the JSON itself: `fromJSON` copies every part
 * (and decodes every raw part's bytes) to answer the same. A part's content
 * is its first set field of text, raw, url, data (`null` is unset), as
 * `Part.fromJSON` reads it. Only for a message the v1 params schema accepted
 * (`validateParams`): its parts are an array of objects, a set text is a string.
 */
export function skillInputOfJson(message: Record<string, unknown>): SkillInput {
  const parts = message['parts'];
  let text: string | undefined;
  if (!Array.isArray(parts)) return { input: '', dataIndex: -1 };
  for (let i = 0; i < parts.length; i++) {
    const part: unknown = parts[i];
    if (!isRecord(part)) continue;
    const value = part['text'];
    if (value !== undefined && value !== null) {
      text = text === undefined ? String(value) : `${text}\n${String(value)}`;
      continue;
    }
    if (isSet(part['raw']) || isSet(part['url'])) continue;
    const data = part['data'];
    if (isSet(data)) return { input: data, dataIndex: i };
  }
  return { input: text ?? '', dataIndex: -1 };
}

/** The SDK's own test of a field's presence in JSON (`isSet` of its generated code). */
const isSet = (value: unknown): boolean => value !== null && value !== undefined;

/** The text parts of a message, joined by newlines. */
export function messageText(message: Message): string {
  return message.parts
    .filter((p) => p.content?.$case === 'text')
    .map((p) => (p.content as { value: string }).value)
    .join('\n');
}

/** -32602 for an input that fails the skill's input schema, naming the path inside the data part. */
export function skillInputError(skillId: string, dataIndex: number, error: ErrorObject): AgentmeshError {
  const base = dataIndex >= 0 ? `message.parts[${dataIndex}].data` : 'message.parts';
  const missing = error.keyword === 'required' ? `.${(error.params as { missingProperty: string }).missingProperty}` : '';
  const field = `${base}${error.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}${missing}`;
  // An enum names what it takes: Ajv's own "must be equal to one of the allowed values" leaves the caller guessing.
  const description = error.keyword === 'required' ? 'is required' : error.keyword === 'enum' ? describeSchemaError(error, {}) : (error.message ?? 'is invalid');
  return Errors.skillInputInvalid({ field, description, skillId }, { violations: [{ field, description }] });
}

/** -32602 for a `metadata.skillId` that names none of the agent's skills. */
export function unknownSkillError(skillIds: readonly string[]): AgentmeshError {
  return invalidParams('message.metadata.skillId', `must be one of ${skillIds.join(', ')}`);
}

/** -32602 for a message sent with another role than the user's (A2A §4.1.5: a client speaks as the user). */
export function notUserRoleError(): AgentmeshError {
  return invalidParams('message.role', 'must be ROLE_USER');
}
