/**
 * What an A2A request asks for, read from the method and path (and, for
 * JSON-RPC, the body), in both protocol versions and both bindings: the
 * operation, the scope it needs, whether repeating it is safe, and the task
 * it names. The gateway authorizes, meters and audits by it.
 */

export type A2aOperation =
  | 'SendMessage'
  | 'SendStreamingMessage'
  | 'GetTask'
  | 'ListTasks'
  | 'CancelTask'
  | 'SubscribeToTask'
  | 'PushConfig'
  | 'GetExtendedAgentCard'
  | 'GetAgentCard';

/** Scopes per A2A operation (issue 4 §2). */
export const OPERATION_SCOPES: Readonly<Record<A2aOperation, string | undefined>> = Object.freeze({
  SendMessage: 'a2a:message:send',
  SendStreamingMessage: 'a2a:message:send',
  GetTask: 'a2a:tasks:read',
  ListTasks: 'a2a:tasks:read',
  SubscribeToTask: 'a2a:tasks:read',
  CancelTask: 'a2a:tasks:cancel',
  PushConfig: 'a2a:push:write',
  GetExtendedAgentCard: 'a2a:card:read',
  // The public card needs no token (A2A §8.2).
  GetAgentCard: undefined,
});

/** One classified request. */
export interface ClassifiedRequest {
  operation: A2aOperation;
  scope: string | undefined;
  /** A read: retrying it on another instance is safe. */
  idempotent: boolean;
  streaming: boolean;
  /** JSON-RPC request id, when the binding is JSON-RPC (errors answer with it). */
  jsonRpcId?: string | number | null;
  version: '1.0' | '0.3';
  binding: 'JSONRPC' | 'HTTP+JSON';
  /** The params (JSON-RPC) or body (REST) of a message send: the message, for pricing. */
  message?: Record<string, unknown>;
  taskId?: string;
}

const JSONRPC_V1: Record<string, A2aOperation> = {
  SendMessage: 'SendMessage',
  SendStreamingMessage: 'SendStreamingMessage',
  GetTask: 'GetTask',
  ListTasks: 'ListTasks',
  CancelTask: 'CancelTask',
  SubscribeToTask: 'SubscribeToTask',
  CreateTaskPushNotificationConfig: 'PushConfig',
  GetTaskPushNotificationConfig: 'PushConfig',
  ListTaskPushNotificationConfigs: 'PushConfig',
  DeleteTaskPushNotificationConfig: 'PushConfig',
  GetExtendedAgentCard: 'GetExtendedAgentCard',
};

const JSONRPC_V03: Record<string, A2aOperation> = {
  'message/send': 'SendMessage',
  'message/stream': 'SendStreamingMessage',
  'tasks/get': 'GetTask',
  'tasks/list': 'ListTasks',
  'tasks/cancel': 'CancelTask',
  'tasks/resubscribe': 'SubscribeToTask',
  'tasks/pushNotificationConfig/set': 'PushConfig',
  'tasks/pushNotificationConfig/get': 'PushConfig',
  'tasks/pushNotificationConfig/list': 'PushConfig',
  'tasks/pushNotificationConfig/delete': 'PushConfig',
  'agent/getAuthenticatedExtendedCard': 'GetExtendedAgentCard',
};

const READS = new Set<A2aOperation>(['GetTask', 'ListTasks', 'GetAgentCard', 'GetExtendedAgentCard']);

/**
 * Classifies a request to an agent. `path` is what follows `/agents/{name}`
 * (`/`, `/message:send`, `/v1/tasks/abc:cancel`, …); `body` the parsed JSON
 * body, if any. Returns undefined for a request that is no A2A operation
 * (the upstream answers it: 404 or 405).
 */
export function classifyA2aRequest(method: string, path: string, body: unknown, a2aVersionHeader: string | undefined): ClassifiedRequest | undefined {
  const clean = path.split('?')[0]!.replace(/\/+$/, '') || '/';
  if (method === 'GET' && /^\/\.well-known\/(agent-card|agent)\.json$/.test(clean)) {
    return result('GetAgentCard', { version: a2aVersionHeader === '1.0' ? '1.0' : '0.3', binding: 'HTTP+JSON' });
  }
  if (method === 'POST' && clean === '/') return jsonRpc(body, a2aVersionHeader);
  // REST: v1 at the agent's base, v0.3 under /v1 (A2A §11, v0.3 §3.2.3).
  const legacy = clean.startsWith('/v1/');
  const rest = legacy ? clean.slice(3) : clean;
  const version = legacy ? '0.3' : '1.0';
  const base = { version, binding: 'HTTP+JSON' } as const;
  const record = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : undefined;
  if (method === 'POST' && rest === '/message:send') return result('SendMessage', { ...base, ...messageOf(record) });
  if (method === 'POST' && rest === '/message:stream') return result('SendStreamingMessage', { ...base, ...messageOf(record) });
  if (method === 'GET' && rest === '/tasks') return result('ListTasks', base);
  if (method === 'GET' && (rest === '/extendedAgentCard' || rest === '/card')) return result('GetExtendedAgentCard', base);
  const task = /^\/tasks\/([^/:]+)(:cancel|:subscribe|\/pushNotificationConfigs(?:\/[^/]+)?)?$/.exec(rest);
  if (task) {
    const taskId = decodeURIComponent(task[1]!);
    const suffix = task[2];
    if (suffix === undefined && method === 'GET') return result('GetTask', { ...base, taskId });
    if (suffix === ':cancel' && method === 'POST') return result('CancelTask', { ...base, taskId });
    if (suffix === ':subscribe') return result('SubscribeToTask', { ...base, taskId });
    if (suffix?.startsWith('/pushNotificationConfigs')) return result('PushConfig', { ...base, taskId });
  }
  return undefined;
}

function jsonRpc(body: unknown, header: string | undefined): ClassifiedRequest | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const envelope = body as { method?: unknown; params?: unknown; id?: unknown };
  if (typeof envelope.method !== 'string') return undefined;
  const id = typeof envelope.id === 'string' || typeof envelope.id === 'number' ? envelope.id : null;
  const v1 = JSONRPC_V1[envelope.method];
  const legacy = JSONRPC_V03[envelope.method];
  const operation = header === '1.0' ? v1 : (legacy ?? v1);
  if (operation === undefined) return undefined;
  const params = envelope.params !== null && typeof envelope.params === 'object' ? (envelope.params as Record<string, unknown>) : undefined;
  const taskId = typeof params?.['id'] === 'string' ? params['id'] : typeof params?.['taskId'] === 'string' ? params['taskId'] : undefined;
  return result(operation, {
    version: legacy !== undefined && header !== '1.0' ? '0.3' : '1.0',
    binding: 'JSONRPC',
    jsonRpcId: id,
    ...messageOf(params),
    ...(taskId !== undefined && { taskId }),
  });
}

function messageOf(params: Record<string, unknown> | undefined): { message?: Record<string, unknown> } {
  const message = params?.['message'];
  return message !== null && typeof message === 'object' && !Array.isArray(message) ? { message: message as Record<string, unknown> } : {};
}

function result(operation: A2aOperation, rest: Omit<ClassifiedRequest, 'operation' | 'scope' | 'idempotent' | 'streaming'>): ClassifiedRequest {
  return {
    operation,
    scope: OPERATION_SCOPES[operation],
    idempotent: READS.has(operation),
    streaming: operation === 'SendStreamingMessage' || operation === 'SubscribeToTask',
    ...rest,
  };
}
