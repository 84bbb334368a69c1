/**
 * Malformed and hostile A2A requests, each as sent by a client
 * to an agent's base URL: the same entry goes to the runtime directly and
 * through the gateway, whose answers must fall in the same outcome class.
 */
export interface HostileRequest {
  name: string;
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  /** Raw path after the agent's base (already percent-encoded as the client sends it). */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

const rpc = (method: unknown, params?: unknown, id: unknown = 1) => JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
const deep = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const message = (extra: Record<string, unknown> = {}) => ({ messageId: `m-${Math.random().toString(36).slice(2)}`, role: 'ROLE_USER', parts: [{ text: 'hi' }], ...extra });

const v1 = { 'content-type': 'application/json', 'a2a-version': '1.0' };
const v03 = { 'content-type': 'application/json' };

const BAD_TASK_IDS = ['%00', '%F0%9F%98%80', 'x%20', '%25', '..%2F..%2Fetc%2Fpasswd', '%2e%2e', '%0D%0ASet-Cookie:%20a=b', '%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'a'.repeat(300), '%ED%A0%80', '%FF', 'nope'];

export const HOSTILE_CORPUS: readonly HostileRequest[] = [
  // JSON-RPC envelope (A2A §9, JSON-RPC 2.0 §5)
  { name: 'not JSON', method: 'POST', path: '/', headers: v1, body: '{"jsonrpc":' },
  { name: 'empty object', method: 'POST', path: '/', headers: v1, body: '{}' },
  { name: 'a JSON array (batch)', method: 'POST', path: '/', headers: v1, body: '[]' },
  { name: 'a JSON string', method: 'POST', path: '/', headers: v1, body: '"hello"' },
  { name: 'a JSON null', method: 'POST', path: '/', headers: v1, body: 'null' },
  { name: 'wrong jsonrpc version', method: 'POST', path: '/', headers: v1, body: JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'GetTask', params: { id: 'x' } }) },
  { name: 'method missing', method: 'POST', path: '/', headers: v1, body: JSON.stringify({ jsonrpc: '2.0', id: 1 }) },
  { name: 'method not a string', method: 'POST', path: '/', headers: v1, body: rpc(42) },
  { name: 'id an object', method: 'POST', path: '/', headers: v1, body: rpc('GetTask', { id: 'x' }, { a: 1 }) },
  { name: 'unknown method', method: 'POST', path: '/', headers: v1, body: rpc('DropAllTables', {}) },
  { name: 'method toString', method: 'POST', path: '/', headers: v1, body: rpc('toString', {}) },
  { name: 'method constructor', method: 'POST', path: '/', headers: v1, body: rpc('constructor', {}) },
  { name: 'method __proto__', method: 'POST', path: '/', headers: v1, body: rpc('__proto__', {}) },
  { name: 'method hasOwnProperty (v0.3)', method: 'POST', path: '/', headers: v03, body: rpc('hasOwnProperty', {}) },
  { name: 'params an array', method: 'POST', path: '/', headers: v1, body: rpc('GetTask', ['x']) },
  { name: 'params a string', method: 'POST', path: '/', headers: v1, body: rpc('GetTask', 'x') },
  // JSON-RPC params
  { name: 'GetTask without id', method: 'POST', path: '/', headers: v1, body: rpc('GetTask', {}) },
  { name: 'GetTask of a lone surrogate', method: 'POST', path: '/', headers: v1, body: rpc('GetTask', { id: '\ud800' }) },
  { name: 'GetTask of a NUL', method: 'POST', path: '/', headers: v1, body: rpc('GetTask', { id: '\u0000' }) },
  { name: 'GetTask of an unknown id', method: 'POST', path: '/', headers: v1, body: rpc('GetTask', { id: 'no-such-task' }) },
  { name: 'GetTask of a huge id', method: 'POST', path: '/', headers: v1, body: rpc('GetTask', { id: 'x'.repeat(100_000) }) },
  { name: 'GetTask with id an object', method: 'POST', path: '/', headers: v1, body: rpc('GetTask', { id: { $ne: null } }) },
  { name: 'CancelTask of an unknown id', method: 'POST', path: '/', headers: v1, body: rpc('CancelTask', { id: 'no-such-task' }) },
  { name: 'SendMessage without message', method: 'POST', path: '/', headers: v1, body: rpc('SendMessage', {}) },
  { name: 'SendMessage with message a string', method: 'POST', path: '/', headers: v1, body: rpc('SendMessage', { message: 'hi' }) },
  { name: 'SendMessage without parts', method: 'POST', path: '/', headers: v1, body: rpc('SendMessage', { message: { messageId: 'm1', role: 'ROLE_USER' } }) },
  { name: 'SendMessage with a part of no kind', method: 'POST', path: '/', headers: v1, body: rpc('SendMessage', { message: message({ parts: [{}] }) }) },
  { name: 'SendMessage with a bad role', method: 'POST', path: '/', headers: v1, body: rpc('SendMessage', { message: message({ role: 'ROLE_GOD' }) }) },
  { name: 'SendMessage to an unknown task', method: 'POST', path: '/', headers: v1, body: rpc('SendMessage', { message: message({ taskId: 'no-such-task' }) }) },
  { name: 'SendMessage with a prototype-named metadata key', method: 'POST', path: '/', headers: v1, body: `{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"m-proto-${Date.now()}","role":"ROLE_USER","parts":[{"text":"hi"}],"metadata":{"__proto__":{"polluted":true},"constructor":1}}}}` },
  { name: 'ListTasks with a bad page size', method: 'POST', path: '/', headers: v1, body: rpc('ListTasks', { pageSize: -5 }) },
  { name: 'v0.3 tasks/get without id', method: 'POST', path: '/', headers: v03, body: rpc('tasks/get', {}) },
  { name: 'v0.3 tasks/get of a lone surrogate', method: 'POST', path: '/', headers: v03, body: rpc('tasks/get', { id: '\udfff' }) },
  { name: 'v0.3 message/send without message', method: 'POST', path: '/', headers: v03, body: rpc('message/send', {}) },
  // REST (A2A §11)
  ...BAD_TASK_IDS.map((id): HostileRequest => ({ name: `REST GetTask ${id.slice(0, 40)}`, method: 'GET', path: `/tasks/${id}`, headers: { 'a2a-version': '1.0' } })),
  ...BAD_TASK_IDS.map((id): HostileRequest => ({ name: `REST CancelTask ${id.slice(0, 40)}`, method: 'POST', path: `/tasks/${id}:cancel`, headers: { 'a2a-version': '1.0' } })),
  { name: 'REST v0.3 GetTask of a NUL', method: 'GET', path: '/v1/tasks/%00' },
  { name: 'REST send: not JSON', method: 'POST', path: '/message:send', headers: v1, body: '{"message":' },
  { name: 'REST send: no message', method: 'POST', path: '/message:send', headers: v1, body: '{}' },
  { name: 'REST send: message without parts', method: 'POST', path: '/message:send', headers: v1, body: JSON.stringify({ message: { messageId: 'm2', role: 'ROLE_USER' } }) },
  { name: 'REST send: a JSON array', method: 'POST', path: '/message:send', headers: v1, body: '[1,2]' },
  { name: 'REST unknown operation', method: 'POST', path: '/message:explode', headers: v1, body: '{}' },
  { name: 'REST unknown path', method: 'GET', path: '/admin', headers: v1 },
  { name: 'REST wrong method on a task', method: 'DELETE', path: '/tasks/abc', headers: { 'a2a-version': '1.0' } },
  // An encoded ':' is the id's, never an action's: the task `abc:cancel`, and no operation on it (TASK_NOT_FOUND).
  ...['cancel', 'subscribe'].flatMap((verb): HostileRequest[] => [
    { name: `REST POST /tasks/abc%3A${verb}`, method: 'POST', path: `/tasks/abc%3A${verb}`, headers: { 'a2a-version': '1.0' } },
    { name: `REST POST /tasks/abc%3a${verb} (lower case)`, method: 'POST', path: `/tasks/abc%3a${verb}`, headers: { 'a2a-version': '1.0' } },
    { name: `REST POST /tasks/%3A${verb} (the colon first)`, method: 'POST', path: `/tasks/%3A${verb}`, headers: { 'a2a-version': '1.0' } },
  ]),
  { name: 'REST list with a bad page size', method: 'GET', path: '/tasks?pageSize=abc', headers: v1 },
  // A POST on a task that names no operation: the agent's task route refuses it, in its A2A shape.
  { name: 'REST POST /tasks/abc (no operation)', method: 'POST', path: '/tasks/abc', headers: { 'a2a-version': '1.0' } },
  { name: 'REST POST /tasks/abc:explode', method: 'POST', path: '/tasks/abc:explode', headers: { 'a2a-version': '1.0' } },
  { name: 'REST POST /tasks/:cancel (no task)', method: 'POST', path: '/tasks/:cancel', headers: { 'a2a-version': '1.0' } },
  // v0.3 paths no operation of that binding has: answered in v0.3's bare shape, or v1.0's to a 1.0 client.
  { name: 'REST v0.3 unknown path', method: 'GET', path: '/v1/admin', headers: { 'a2a-version': '0.3' } },
  { name: 'REST v0.3 unknown path, no version', method: 'GET', path: '/v1/admin' },
  { name: 'REST v0.3 unknown path asked as 1.0', method: 'GET', path: '/v1/admin', headers: { 'a2a-version': '1.0' } },
  { name: 'REST v0.3 unknown operation', method: 'POST', path: '/v1/message:explode', headers: { 'a2a-version': '0.3', 'content-type': 'application/json' }, body: '{}' },
  { name: 'REST v0.3 POST on a task', method: 'POST', path: '/v1/tasks/abc', headers: { 'a2a-version': '0.3' } },
  { name: 'REST v0.3 unknown task action', method: 'POST', path: '/v1/tasks/abc:explode', headers: { 'a2a-version': '0.3' } },
  { name: 'REST v0.3 under a task', method: 'GET', path: '/v1/tasks/abc/foo', headers: { 'a2a-version': '0.3' } },
  { name: 'REST v0.3 path that does not decode', method: 'POST', path: '/v1/tasks/%ZZ', headers: { 'a2a-version': '0.3' } },
];

/**
 * Task paths whose id is empty, the colon first: no task and an action, or an action the binding
 * does not have (`/tasks/:`). The gateway reads these itself (which operation a path names, its
 * scope and its audit), so its answer is held to the runtime's whole: status and body.
 */
export const COLON_FIRST_TASK_PATHS: readonly HostileRequest[] = (['GET', 'POST'] as const).flatMap((method) =>
  ['/tasks/:subscribe', '/tasks/:cancel', '/tasks/:', '/tasks/:explode', '/tasks/::subscribe', '/tasks/:subscribe?x=1', '/v1/tasks/:subscribe', '/v1/tasks/:cancel', '/v1/tasks/:'].flatMap((path): HostileRequest[] => [
    { name: `REST ${method} ${path}`, method, path, headers: { 'a2a-version': '1.0' } },
    { name: `REST ${method} ${path} (v0.3)`, method, path, headers: { 'a2a-version': '0.3' } },
    { name: `REST ${method} ${path} (no version)`, method, path },
    { name: `REST ${method} ${path} (a version nobody serves)`, method, path, headers: { 'a2a-version': '2.0' } },
  ]),
);

/**
 * Every REST operation's path with a slash after it, in both protocol versions (v1 at the agent's base,
 * v0.3 under `/v1/`), with GET and POST: none is a path of the binding (A2A §11.3, v0.3 §3.2.3), so the
 * agent's router answers each as a path it does not serve, and the gateway must not read one as the
 * operation it resembles. Held to the runtime's whole answer: status and body.
 */
export const TRAILING_SLASH_PATHS: readonly HostileRequest[] = (['GET', 'POST'] as const).flatMap((method) =>
  [
    '/message:send/', '/message:stream/', '/tasks/', '/tasks//', '/tasks/abc/', '/tasks/abc//', '/tasks/abc:cancel/', '/tasks/abc:subscribe/', '/tasks/:subscribe/', '/tasks/:cancel/',
    '/tasks/abc/pushNotificationConfigs/', '/tasks/abc/pushNotificationConfigs/cfg/', '/extendedAgentCard/', '/.well-known/agent-card.json/', '/.well-known/agent.json/', '/tasks/abc/?historyLength=1', '//',
    '/v1/message:send/', '/v1/message:stream/', '/v1/tasks/', '/v1/tasks/abc/', '/v1/tasks/abc:cancel/', '/v1/tasks/abc:subscribe/', '/v1/tasks/abc/pushNotificationConfigs/', '/v1/tasks/abc/pushNotificationConfigs/cfg/', '/v1/card/', '/v1/',
  ].flatMap((path): HostileRequest[] => [
    { name: `REST ${method} ${path}`, method, path, headers: { 'a2a-version': '1.0' } },
    { name: `REST ${method} ${path} (v0.3)`, method, path, headers: { 'a2a-version': '0.3' } },
    { name: `REST ${method} ${path} (no version)`, method, path },
  ]),
).concat(
  ['/tasks/abc/pushNotificationConfigs/', '/tasks/abc/pushNotificationConfigs/cfg/', '/v1/tasks/abc/pushNotificationConfigs/', '/v1/tasks/abc/pushNotificationConfigs/cfg/'].flatMap((path): HostileRequest[] => [
    { name: `REST DELETE ${path}`, method: 'DELETE', path, headers: { 'a2a-version': '1.0' } },
    { name: `REST DELETE ${path} (v0.3)`, method: 'DELETE', path, headers: { 'a2a-version': '0.3' } },
  ]),
  // A send that would run, were the path read as the operation it resembles.
  [
    { name: 'REST POST /message:send/ with a message', method: 'POST', path: '/message:send/', headers: v1, body: JSON.stringify({ message: message({ metadata: { skillId: 'echo' } }) }) },
    { name: 'REST POST /message:stream/ with a message', method: 'POST', path: '/message:stream/', headers: v1, body: JSON.stringify({ message: message({ metadata: { skillId: 'echo' } }) }) },
    { name: 'REST POST /v1/message:send/ with a v0.3 message', method: 'POST', path: '/v1/message:send/', headers: { ...v03, 'a2a-version': '0.3' }, body: JSON.stringify({ message: { kind: 'message', messageId: 'm-v03-slash', role: 'user', parts: [{ kind: 'text', text: 'hi' }], metadata: { skillId: 'echo' } } }) },
  ],
);

/** The deep-nesting entries are heavy; kept apart so a property test can reuse the rest cheaply. */
export const DEEP_CORPUS: readonly HostileRequest[] = [
  { name: 'JSON-RPC body nested 10,000 deep in metadata', method: 'POST', path: '/', headers: v1, body: `{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"m-deep","role":"ROLE_USER","parts":[{"text":"hi"}],"metadata":${deep(10_000)}}}}` },
  { name: 'REST send nested 10,000 deep in a data part', method: 'POST', path: '/message:send', headers: v1, body: `{"message":{"messageId":"m-deep-rest","role":"ROLE_USER","parts":[{"data":${deep(10_000)}}]}}` },
];

/** What a response means to the caller: HTTP status plus the A2A error it names, in its binding. */
export function outcomeOf(status: number, body: string, binding: 'JSONRPC' | 'HTTP+JSON'): string {
  let parsed: any;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (binding === 'JSONRPC') {
    const code = parsed?.error?.code;
    return code === undefined ? `${status} result` : `${status} ${code}`;
  }
  // v0.3 HTTP+JSON answers the bare JSON-RPC error object: its code and its ErrorInfo's, as v1's google.rpc.Status is read.
  if (typeof parsed?.code === 'number' && parsed?.error === undefined) {
    const info = Array.isArray(parsed.data) ? parsed.data.find((d: any) => typeof d?.reason === 'string') : undefined;
    return `${status} v0.3 ${parsed.code}${info ? ` ${info.reason} ${info.metadata?.code ?? ''}` : ''}`;
  }
  // Both ErrorInfo reasons (A2A's and agentmesh's), and the agentmesh code an A2A one carries: the shape the client reads.
  const infos = Array.isArray(parsed?.error?.details) ? parsed.error.details.filter((d: any) => typeof d?.reason === 'string') : [];
  const reason = infos.map((d: any) => (d.metadata?.code ? `${d.reason}/${d.metadata.code}` : d.reason)).join(' ');
  return `${status}${reason ? ` ${reason}` : ''}`;
}
