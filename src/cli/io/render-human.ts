/**
 * Human output of the CLI: tasks, messages, stream events and task tables as
 * plain text. Machine output (`--json`) never goes through here; it is the
 * SDK's own v1.0 JSON (`Task.toJSON`, `StreamResponse.toJSON`).
 */
import { Role, type Artifact, type Message, type Part, type StreamResponse, type Task } from '@a2a-js/sdk';
import { humanStateName } from './task-state.js';

const LABEL_WIDTH = 10;

/** One part as text: text as is, data as compact JSON, files by name and location (A2A §4.1.6). */
export function partText(part: Part): string {
  const content = part.content;
  switch (content?.$case) {
    case 'text':
      return content.value;
    case 'data':
      return JSON.stringify(content.value);
    case 'url':
      return `${part.filename || 'file'} <${content.value}>${part.mediaType ? ` (${part.mediaType})` : ''}`;
    case 'raw':
      return `${part.filename || 'file'} (${part.mediaType || 'application/octet-stream'}, ${content.value.length} bytes)`;
    default:
      return '';
  }
}

/** The text of a message: its parts, one per line. */
export function messageText(message: Message | undefined): string {
  return message === undefined ? '' : message.parts.map(partText).filter((t) => t !== '').join('\n');
}

/**
 * The text of a status message, as a person reads it: its text parts when it
 * has any, else every part. An agent that reports progress in words and adds
 * data for programs (the orchestrator's routing decision and its explanation,
 * 1.5 KB of JSON) is read by its words; `--json` keeps the data.
 */
export function statusText(message: Message | undefined): string {
  if (message === undefined) return '';
  const words = message.parts.filter((part) => part.content?.$case === 'text');
  return words.length === 0 ? messageText(message) : messageText({ ...message, parts: words });
}

function field(label: string, value: string): string {
  const pad = ' '.repeat(LABEL_WIDTH);
  return `${label.padEnd(LABEL_WIDTH)}${value.split('\n').join(`\n${pad}`)}\n`;
}

function artifactLabel(artifact: Artifact): string {
  return artifact.name || artifact.artifactId;
}

function roleName(role: Role): string {
  if (role === Role.ROLE_USER) return 'user';
  if (role === Role.ROLE_AGENT) return 'agent';
  return 'unknown';
}

/**
 * A task as a block of `label value` lines: id, context, state, the status
 * message, each artifact part, and the history when asked for.
 */
export function formatTask(task: Task, options: { history?: boolean } = {}): string {
  let out = field('task', task.id) + field('context', task.contextId) + field('state', humanStateName(task.status?.state));
  if (task.status?.timestamp) out += field('updated', task.status.timestamp);
  const status = statusText(task.status?.message);
  if (status !== '') out += field('message', status);
  for (const artifact of task.artifacts ?? []) {
    for (const part of artifact.parts) out += field('artifact', `${artifactLabel(artifact)}: ${partText(part)}`);
  }
  if (options.history === true) {
    for (const message of task.history ?? []) out += field('history', `[${roleName(message.role)}] ${messageText(message)}`);
  }
  return out;
}

/** A direct message reply (no task): its text. */
export function formatMessage(message: Message): string {
  const text = messageText(message);
  return text === '' ? '(empty message)\n' : `${text}\n`;
}

/**
 * One stream event as lines: `[working] Scoring 500 leads…`,
 * `[artifact] report: chunk`, `[message] hi`.
 */
export function formatStreamEvent(event: StreamResponse): string {
  const payload = event.payload;
  switch (payload?.$case) {
    case 'task': {
      const task = payload.value;
      const status = statusText(task.status?.message);
      let out = `[${humanStateName(task.status?.state)}] task ${task.id} (context ${task.contextId})${status ? ` ${status}` : ''}\n`;
      for (const artifact of task.artifacts ?? []) out += artifactLines(artifact);
      return out;
    }
    case 'statusUpdate': {
      const status = statusText(payload.value.status?.message);
      return `[${humanStateName(payload.value.status?.state)}]${status ? ` ${status}` : ''}\n`;
    }
    case 'artifactUpdate':
      return payload.value.artifact ? artifactLines(payload.value.artifact) : '';
    case 'message':
      return `[message] ${messageText(payload.value)}\n`;
    default:
      return '';
  }
}

function artifactLines(artifact: Artifact): string {
  return artifact.parts.map((part) => `[artifact] ${artifactLabel(artifact)}: ${partText(part)}\n`).join('');
}

/** Tasks as an aligned table: id, state, updated, context. */
export function formatTaskTable(tasks: readonly Task[]): string {
  const rows = [
    ['ID', 'STATE', 'UPDATED', 'CONTEXT'],
    ...tasks.map((t) => [t.id, humanStateName(t.status?.state), t.status?.timestamp ?? '', t.contextId]),
  ];
  const widths = [0, 1, 2].map((col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  return rows.map((r) => r.map((cell, col) => (col < 3 ? cell.padEnd((widths[col] ?? 0) + 2) : cell)).join('').trimEnd() + '\n').join('');
}
