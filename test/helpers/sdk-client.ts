import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendMessageRequest, type Message, type StreamResponse, type Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';

// SDK enum values (proto numbering, A2A §4.1.3), compared numerically on the decoded objects.
export const COMPLETED = 3;
export const CANCELED = 5;

/** A SendMessageRequest in the SDK's decoded shape, built from v1 JSON so every default is filled in. */
export function sendRequest(text: string, extra: { skillId?: string; contextId?: string; returnImmediately?: boolean } = {}): SendMessageRequest {
  return SendMessageRequest.fromJSON({
    message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }], ...(extra.contextId ? { contextId: extra.contextId } : {}), ...(extra.skillId ? { metadata: { skillId: extra.skillId } } : {}) },
    ...(extra.returnImmediately ? { configuration: { returnImmediately: true } } : {}),
  });
}

export function asTask(result: unknown): Task {
  assert.ok(typeof result === 'object' && result !== null && 'status' in result, 'the result is a task');
  return result as Task;
}

/** A SendMessage result that is a Message (A2A §3.1.1: an agent's direct answer), not a task. */
export function asMessage(result: unknown): Message {
  assert.ok(typeof result === 'object' && result !== null && 'role' in result && 'parts' in result && !('status' in result), `the result is a message: ${JSON.stringify(result)}`);
  return result as Message;
}

/** The text parts of a message, joined. */
export function messageText(message: Message): string {
  return message.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
}

export function textOf(task: Task): string {
  return task.artifacts
    .flatMap((a) => a.parts)
    .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
    .join('');
}

/** Sends `text` (with `extra`, as {@link sendRequest} takes it), asserts the task completed, and returns the text of its artifacts. */
export async function completedText(client: Client, text: string, extra: Parameters<typeof sendRequest>[1] = {}): Promise<string> {
  const task = asTask(await client.sendMessage(sendRequest(text, extra)));
  assert.equal(task.status?.state, COMPLETED);
  return textOf(task);
}

/** Streams a call of the `chunks` skill to its end; every event, in order. */
export async function streamChunks(client: Client): Promise<StreamResponse[]> {
  const events: StreamResponse[] = [];
  for await (const e of client.sendMessageStream(sendRequest('x', { skillId: 'chunks' }))) events.push(e);
  return events;
}

/** Starts a `wait` task without blocking and returns its id. */
export async function startWaitTask(client: Client): Promise<string> {
  return asTask(await client.sendMessage(sendRequest('hold', { skillId: 'wait', returnImmediately: true }))).id;
}

/** A webhook on 127.0.0.1 that answers 200 to everything. */
export async function startWebhook(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(200).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
