import { Part, roleToJSON, taskStateToJSON, type Artifact, type Message, type StreamResponse, type Task, type TaskStatus } from '@a2a-js/sdk';

/**
 * The v1 JSON text of the wire types a task's hot path writes, identical to
 * `JSON.stringify(X.toJSON(x))` of `@a2a-js/sdk` (ts-proto's ProtoJSON:
 * unset and empty fields omitted, enums by name, fields in proto order) —
 * a property test holds them to that (test/unit/protocol/v1-json.test.ts).
 *
 * Why by hand: every SendMessage serializes four events and the snapshot,
 * and `toJSON` builds a whole intermediate object tree for `JSON.stringify`
 * to walk again; that was about a tenth of the runtime's event loop under
 * load (docs/benchmarks.md). Here each leaf goes through `JSON.stringify`
 * once (which escapes exactly as it would inside the tree) and nothing else
 * is allocated but the text. Uncommon shapes (raw bytes) defer to the SDK.
 */

/** `"key":value` with a leading comma unless first; nothing when `JSON.stringify` drops the value. */
function member(out: string, key: string, value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return out;
  return `${out}${out.length > 1 ? ',' : ''}"${key}":${json}`;
}

function raw(out: string, key: string, json: string): string {
  return `${out}${out.length > 1 ? ',' : ''}"${key}":${json}`;
}

function partJson(part: Part): string {
  const content = part.content;
  // Bytes are base64 in ProtoJSON: rare on the hot path, so the SDK writes them.
  if (content?.$case === 'raw') return JSON.stringify(Part.toJSON(part));
  let out = '{';
  if (content !== undefined) out = member(out, content.$case, content.value);
  if (part.metadata !== undefined) out = member(out, 'metadata', part.metadata);
  if (part.filename !== '') out = member(out, 'filename', part.filename);
  if (part.mediaType !== '') out = member(out, 'mediaType', part.mediaType);
  return `${out}}`;
}

function listJson<T>(items: readonly T[], write: (item: T) => string): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) out += (i === 0 ? '' : ',') + write(items[i]!);
  return `${out}]`;
}

/** `JSON.stringify(Message.toJSON(message))`. */
export function messageJson(message: Message): string {
  let out = '{';
  if (message.messageId !== '') out = member(out, 'messageId', message.messageId);
  if (message.contextId !== '') out = member(out, 'contextId', message.contextId);
  if (message.taskId !== '') out = member(out, 'taskId', message.taskId);
  if (message.role !== 0) out = member(out, 'role', roleToJSON(message.role));
  if (message.parts?.length) out = raw(out, 'parts', listJson(message.parts, partJson));
  if (message.metadata !== undefined) out = member(out, 'metadata', message.metadata);
  if (message.extensions?.length) out = member(out, 'extensions', message.extensions);
  if (message.referenceTaskIds?.length) out = member(out, 'referenceTaskIds', message.referenceTaskIds);
  return `${out}}`;
}

function statusJson(status: TaskStatus): string {
  let out = '{';
  if (status.state !== 0) out = member(out, 'state', taskStateToJSON(status.state));
  if (status.message !== undefined) out = raw(out, 'message', messageJson(status.message));
  if (status.timestamp !== undefined) out = member(out, 'timestamp', status.timestamp);
  return `${out}}`;
}

function artifactJson(artifact: Artifact): string {
  let out = '{';
  if (artifact.artifactId !== '') out = member(out, 'artifactId', artifact.artifactId);
  if (artifact.name !== '') out = member(out, 'name', artifact.name);
  if (artifact.description !== '') out = member(out, 'description', artifact.description);
  if (artifact.parts?.length) out = raw(out, 'parts', listJson(artifact.parts, partJson));
  if (artifact.metadata !== undefined) out = member(out, 'metadata', artifact.metadata);
  if (artifact.extensions?.length) out = member(out, 'extensions', artifact.extensions);
  return `${out}}`;
}

/** `JSON.stringify(Task.toJSON(task))`. */
export function taskJson(task: Task): string {
  let out = '{';
  if (task.id !== '') out = member(out, 'id', task.id);
  if (task.contextId !== '') out = member(out, 'contextId', task.contextId);
  if (task.status !== undefined) out = raw(out, 'status', statusJson(task.status));
  if (task.artifacts?.length) out = raw(out, 'artifacts', listJson(task.artifacts, artifactJson));
  if (task.history?.length) out = raw(out, 'history', listJson(task.history, messageJson));
  if (task.metadata !== undefined) out = member(out, 'metadata', task.metadata);
  return `${out}}`;
}

/** `JSON.stringify(StreamResponse.toJSON(event))`. */
export function streamResponseJson(event: StreamResponse): string {
  const payload = event.payload;
  switch (payload?.$case) {
    case 'task':
      return `{"task":${taskJson(payload.value)}}`;
    case 'message':
      return `{"message":${messageJson(payload.value)}}`;
    case 'statusUpdate': {
      const e = payload.value;
      let out = '{';
      if (e.taskId !== '') out = member(out, 'taskId', e.taskId);
      if (e.contextId !== '') out = member(out, 'contextId', e.contextId);
      if (e.status !== undefined) out = raw(out, 'status', statusJson(e.status));
      if (e.metadata !== undefined) out = member(out, 'metadata', e.metadata);
      return `{"statusUpdate":${out}}}`;
    }
    case 'artifactUpdate': {
      const e = payload.value;
      let out = '{';
      if (e.taskId !== '') out = member(out, 'taskId', e.taskId);
      if (e.contextId !== '') out = member(out, 'contextId', e.contextId);
      if (e.artifact !== undefined) out = raw(out, 'artifact', artifactJson(e.artifact));
      if (e.append !== false) out = member(out, 'append', e.append);
      if (e.lastChunk !== false) out = member(out, 'lastChunk', e.lastChunk);
      if (e.metadata !== undefined) out = member(out, 'metadata', e.metadata);
      return `{"artifactUpdate":${out}}}`;
    }
    default:
      return '{}';
  }
}
