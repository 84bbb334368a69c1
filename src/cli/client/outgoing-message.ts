/**
 * Builds the user message `agentmesh send` posts (A2A §4.1.4) from the
 * command line: a text part, a data part from a JSON file, and the ids that
 * continue a task or a context (A2A §3.4).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Role, type Message, type Part } from '@a2a-js/sdk';
import { Errors, errorMessage, errorCode } from '../../protocol/index.js';

/** Inputs of {@link buildUserMessage}. */
export interface UserMessageInput {
  /** Text part, when given. */
  text?: string;
  /** Parsed JSON for a data part, when given. */
  data?: unknown;
  /** Skill to address; travels as `metadata.skillId`. */
  skillId?: string;
  /** Task to continue (answering input-required, A2A §3.4.2). */
  taskId?: string;
  /** Context to continue (A2A §3.4.1). */
  contextId?: string;
}

/** Builds a user message; at least one of text or data is required. */
export function buildUserMessage(input: UserMessageInput): Message {
  const parts: Part[] = [];
  if (input.text !== undefined) parts.push({ content: { $case: 'text', value: input.text }, metadata: undefined, filename: '', mediaType: '' });
  if (input.data !== undefined) parts.push({ content: { $case: 'data', value: input.data }, metadata: undefined, filename: '', mediaType: 'application/json' });
  if (parts.length === 0) throw Errors.cliNothingToSend({});
  return {
    messageId: randomUUID(),
    contextId: input.contextId ?? '',
    taskId: input.taskId ?? '',
    role: Role.ROLE_USER,
    parts,
    metadata: input.skillId === undefined ? undefined : { skillId: input.skillId },
    extensions: [],
    referenceTaskIds: [],
  };
}

/**
 * Reads the JSON for `--data`: a file path, or `-` for stdin.
 *
 * @throws AgentmeshError `AM_ERR_CLI_USAGE` when the file is missing or not JSON.
 */
export async function readJsonInput(source: string, stdin: AsyncIterable<string | Uint8Array> | undefined): Promise<unknown> {
  const label = source === '-' ? 'stdin' : source;
  let text: string;
  try {
    text = source === '-' ? await readAll(stdin) : await readFile(source, 'utf8');
  } catch (err) {
    const reason = errorCode(err) === 'ENOENT' ? 'no such file' : errorMessage(err);
    throw Errors.cliDataUnreadable({ label, reason }, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw Errors.cliDataNotJson({ label, reason: errorMessage(err) }, { cause: err });
  }
}

async function readAll(stdin: AsyncIterable<string | Uint8Array> | undefined): Promise<string> {
  if (stdin === undefined) throw new Error('no stdin available');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
