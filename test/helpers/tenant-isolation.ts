/**
 * The tenant-isolation trial ("tenant A cannot read,
 * cancel, subscribe to or list tenant B's tasks in at least 200 randomized
 * attempts with 0 leaks"), shared by the SQLite and PostgreSQL runs.
 *
 * A registry, a gateway and a runtime that refuses calls without the
 * gateway's assertion (so the gateway is the only door); several tenants,
 * each with one OAuth client and a mix of live (`wait`: working, `ask`:
 * input-required) and finished (`echo`) tasks, the live ones with a push
 * config. Then a seeded random walk of calls: a caller, an operation in one
 * binding and protocol version, and a target task that is usually another
 * tenant's. A foreign call must answer exactly as for a task that never
 * existed (A2A §7: another tenant's task looks like not-found) and carry none
 * of the task's data; an own call must succeed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { GatewayConfigInput } from '../../src/gateway/index.js';
import type { RegistryConfigInput } from '../../src/registry/index.js';
import type { RuntimeConfigInput } from '../../src/runtime/index.js';
import { createClient, fetchToken, startGateway } from './gateway-fixture.js';
import { startRegistry } from './registry-fixture.js';
import { startRuntime, testAgent, userMessage } from './runtime-fixture.js';
import { startWebhook } from './sdk-client.js';
import { until, WAIT_DEADLINE_MS } from './until.js';
import { mulberry32 } from '../../agents/data/mulberry32.js';

const SCOPES = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:push:write'];
/** testAgent's card name: the gateway route is /agents/tester. */
const AGENT = 'tester';
/** Live tasks read as one of these (v1 enum names) until their owner cancels them. */
const LIVE_STATES = new Set(['TASK_STATE_WORKING', 'TASK_STATE_INPUT_REQUIRED']);

export interface TenantFixture {
  name: string;
  token: string;
}

/** A task the trial knows, with what would betray it in a foreign answer. */
export interface TaskRef {
  id: string;
  contextId: string;
  /** Index of the owning tenant. */
  owner: number;
  /** Created live (wait/ask) and not canceled by its owner since. */
  live: boolean;
  /** Push configs its owner created; foreign creates must add none. */
  configIds: string[];
}

export interface IsolationMesh {
  gatewayUrl: string;
  tenants: TenantFixture[];
  tasks: TaskRef[];
  close(): Promise<void>;
}

/**
 * Starts registry, gateway and runtime (`runtime` is merged into the
 * runtime's config: `databaseUrl` puts its task store on PostgreSQL; `gateway`
 * into the gateway's, `registry` into the registry's), and seeds `tenants` tenants with 3 `wait`, 2 `ask` and
 * 2 `echo` tasks each.
 */
export async function startIsolationMesh(options: { tenants: number; runtime?: RuntimeConfigInput; gateway?: GatewayConfigInput; registry?: RegistryConfigInput }): Promise<IsolationMesh> {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const hook = await startWebhook();
    closers.push(hook.close);
    const registry = await startRegistry({ probeIntervalMs: 200, ...options.registry });
    closers.push(registry.close);
    const gw = await startGateway(registry.url, options.gateway);
    closers.push(gw.close);
    const host = await startRuntime([testAgent], {
      registryUrl: registry.url,
      gatewayJwksUrl: `${gw.url}/.well-known/jwks.json`,
      requireGatewayAssertion: true,
      dev: true,
      allowHosts: ['127.0.0.1', 'localhost'],
      ...options.runtime,
    });
    closers.push(host.close);
    await until('the gateway to route to the test agent', () => gw.gateway.router.agent(AGENT)?.instances.some((i) => i.inRotation) ?? false);

    const tenants: TenantFixture[] = [];
    for (let i = 0; i < options.tenants; i++) {
      const name = `tenant-${i}`;
      tenants.push({ name, token: await fetchToken(gw.url, await createClient(gw.url, { name: `client-${i}`, tenant: name, scopes: SCOPES })) });
    }
    const mesh: IsolationMesh = { gatewayUrl: gw.url, tenants, tasks: [], close };
    for (let owner = 0; owner < tenants.length; owner++) {
      for (const skill of ['wait', 'wait', 'wait', 'ask', 'ask', 'echo', 'echo']) {
        const task = await startTask(mesh, owner, skill);
        if (task.live) {
          const created = await rpc(mesh, owner, 'CreateTaskPushNotificationConfig', { taskId: task.id, url: hook.url }, '1.0');
          const id = created.json?.result?.id;
          if (typeof id !== 'string') throw new Error(`the owner could not create a push config: ${created.text}`);
          task.configIds.push(id);
        }
      }
    }
    return mesh;
  } catch (err) {
    await close();
    throw err;
  }
}

/** Starts a task of `skill` for tenant `owner` and records it. */
async function startTask(mesh: IsolationMesh, owner: number, skill: string): Promise<TaskRef> {
  const answer = await rpc(mesh, owner, 'SendMessage', { message: userMessage('hold', { metadata: { skillId: skill } }), ...(skill === 'wait' && { configuration: { returnImmediately: true } }) }, '1.0');
  const task = answer.json?.result?.task;
  if (typeof task?.id !== 'string') throw new Error(`SendMessage (${skill}) answered ${answer.status}: ${answer.text}`);
  const expected = skill === 'echo' ? 'TASK_STATE_COMPLETED' : skill === 'ask' ? 'TASK_STATE_INPUT_REQUIRED' : 'TASK_STATE_WORKING';
  if (task.status?.state !== expected) throw new Error(`a ${skill} task is ${task.status?.state}, expected ${expected}`);
  const ref: TaskRef = { id: task.id, contextId: task.contextId, owner, live: skill !== 'echo', configIds: [] };
  mesh.tasks.push(ref);
  return ref;
}

// ---------------------------------------------------------------------------
// Calls: one operation in one binding and protocol version.

type Version = '1.0' | '0.3';
type Operation = 'GetTask' | 'CancelTask' | 'SubscribeToTask' | 'ListTasks' | 'CreatePushConfig' | 'GetPushConfig' | 'ListPushConfigs';

/** One answer, read whole, or up to its first SSE frame when it is a stream. */
interface Answer {
  status: number;
  /** The answer was an SSE stream (for a foreign caller: a leak by itself). */
  stream: boolean;
  text: string;
  json: any;
}

interface Variant {
  operation: Operation;
  label: string;
  binding: 'JSONRPC' | 'HTTP+JSON';
  call(mesh: IsolationMesh, caller: number, task: { id: string; configId: string }): Promise<Answer>;
}

/** The subset of v1 params or REST body each operation needs, built per variant. */
const VARIANTS: Variant[] = [
  rpcVariant('GetTask', 'tasks/get', '0.3', (t) => ({ id: t.id })),
  rpcVariant('GetTask', 'GetTask', '1.0', (t) => ({ id: t.id })),
  restVariant('GetTask', 'GET', '1.0', (t) => `/tasks/${t.id}`),
  restVariant('GetTask', 'GET', '0.3', (t) => `/v1/tasks/${t.id}`),
  rpcVariant('CancelTask', 'CancelTask', '1.0', (t) => ({ id: t.id })),
  rpcVariant('CancelTask', 'tasks/cancel', '0.3', (t) => ({ id: t.id })),
  restVariant('CancelTask', 'POST', '1.0', (t) => `/tasks/${t.id}:cancel`),
  restVariant('CancelTask', 'POST', '0.3', (t) => `/v1/tasks/${t.id}:cancel`),
  rpcVariant('SubscribeToTask', 'SubscribeToTask', '1.0', (t) => ({ id: t.id })),
  rpcVariant('SubscribeToTask', 'tasks/resubscribe', '0.3', (t) => ({ id: t.id })),
  // The bindings' own verbs: v1 POST (A2A §11.3), v0.3 GET (the SDK's v0.3 REST client).
  restVariant('SubscribeToTask', 'POST', '1.0', (t) => `/tasks/${t.id}:subscribe`),
  restVariant('SubscribeToTask', 'GET', '0.3', (t) => `/v1/tasks/${t.id}:subscribe`),
  // v0.3 has no ListTasks in either binding.
  rpcVariant('ListTasks', 'ListTasks', '1.0', () => ({ pageSize: 100 })),
  restVariant('ListTasks', 'GET', '1.0', () => '/tasks?pageSize=100'),
  rpcVariant('CreatePushConfig', 'CreateTaskPushNotificationConfig', '1.0', (t) => ({ taskId: t.id, url: 'http://127.0.0.1:9/foreign' })),
  rpcVariant('CreatePushConfig', 'tasks/pushNotificationConfig/set', '0.3', (t) => ({ taskId: t.id, pushNotificationConfig: { url: 'http://127.0.0.1:9/foreign' } })),
  restVariant('CreatePushConfig', 'POST', '1.0', (t) => `/tasks/${t.id}/pushNotificationConfigs`, () => ({ url: 'http://127.0.0.1:9/foreign' })),
  // The v0.3 proto body names its task (`name`), as the SDK's v0.3 REST client sends it.
  restVariant('CreatePushConfig', 'POST', '0.3', (t) => `/v1/tasks/${t.id}/pushNotificationConfigs`, (t) => ({ name: `tasks/${t.id}`, pushNotificationConfig: { url: 'http://127.0.0.1:9/foreign' } })),
  rpcVariant('GetPushConfig', 'GetTaskPushNotificationConfig', '1.0', (t) => ({ taskId: t.id, id: t.configId })),
  rpcVariant('GetPushConfig', 'tasks/pushNotificationConfig/get', '0.3', (t) => ({ id: t.id, pushNotificationConfigId: t.configId })),
  restVariant('GetPushConfig', 'GET', '1.0', (t) => `/tasks/${t.id}/pushNotificationConfigs/${t.configId}`),
  restVariant('GetPushConfig', 'GET', '0.3', (t) => `/v1/tasks/${t.id}/pushNotificationConfigs/${t.configId}`),
  rpcVariant('ListPushConfigs', 'ListTaskPushNotificationConfigs', '1.0', (t) => ({ taskId: t.id })),
  rpcVariant('ListPushConfigs', 'tasks/pushNotificationConfig/list', '0.3', (t) => ({ id: t.id })),
  restVariant('ListPushConfigs', 'GET', '1.0', (t) => `/tasks/${t.id}/pushNotificationConfigs`),
  restVariant('ListPushConfigs', 'GET', '0.3', (t) => `/v1/tasks/${t.id}/pushNotificationConfigs`),
];

function rpcVariant(operation: Operation, method: string, version: Version, params: (t: { id: string; configId: string }) => Record<string, unknown>): Variant {
  return { operation, label: `${method} (JSON-RPC ${version})`, binding: 'JSONRPC', call: (mesh, caller, task) => rpc(mesh, caller, method, params(task), version) };
}

function restVariant(operation: Operation, verb: string, version: Version, path: (t: { id: string; configId: string }) => string, body?: (t: { id: string }) => unknown): Variant {
  return {
    operation,
    label: `${verb} ${path({ id: '{id}', configId: '{configId}' })} (REST ${version})`,
    binding: 'HTTP+JSON',
    call: (mesh, caller, task) => send(mesh, caller, verb, path({ id: encodeURIComponent(task.id), configId: encodeURIComponent(task.configId) }), version, body?.(task)),
  };
}

function rpc(mesh: IsolationMesh, caller: number, method: string, params: Record<string, unknown>, version: Version): Promise<Answer> {
  return send(mesh, caller, 'POST', '', version, { jsonrpc: '2.0', id: randomUUID(), method, params });
}

/** One call through the gateway; no A2A-Version header means v0.3 (A2A §3.6.2). */
async function send(mesh: IsolationMesh, caller: number, verb: string, path: string, version: Version, body?: unknown): Promise<Answer> {
  const controller = new AbortController();
  const response = await fetch(`${mesh.gatewayUrl}/agents/${AGENT}${path}`, {
    method: verb,
    headers: {
      authorization: `Bearer ${mesh.tenants[caller]!.token}`,
      accept: 'application/json, text/event-stream',
      ...(version === '1.0' && { 'a2a-version': '1.0' }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    // Catches a call that hangs; wide, as one took over 10 s on a loaded CI machine (two cores, load 20 to 40).
    signal: AbortSignal.any([controller.signal, AbortSignal.timeout(WAIT_DEADLINE_MS)]),
  });
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const text = await response.text();
    return { status: response.status, stream: false, text, json: parse(text) };
  }
  // A stream stays open while its task lives: read up to the first data frame, then hang up.
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const frame = /(?:^|\n)data: ?(.*)\n\n/.exec(buffer);
      if (frame) return { status: response.status, stream: true, text: frame[1]!, json: parse(frame[1]!) };
      const { value, done } = await reader.read();
      if (done) return { status: response.status, stream: true, text: buffer, json: undefined };
      buffer += value;
    }
  } finally {
    controller.abort();
    await reader.cancel().catch(() => undefined);
  }
}

function parse(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Judging answers.

/** How an error answer looks on the wire: HTTP status and protocol error code (JSON-RPC code, or google.rpc status). */
function errorShape(answer: Answer): string | undefined {
  const j = answer.json;
  if (j?.error?.code !== undefined && j?.jsonrpc === '2.0') return `${answer.status} jsonrpc ${j.error.code}`;
  if (answer.status < 400) return undefined;
  if (j?.error?.status !== undefined) return `${answer.status} ${j.error.status} ${j.error.details?.[0]?.reason ?? ''}`.trim();
  return `${answer.status} ${j?.code ?? ''}`.trim();
}

/** A2A's TaskNotFound: -32001 in JSON-RPC, 404 in REST (A2A §5.4). */
function isTaskNotFound(variant: Variant, answer: Answer): boolean {
  const j = answer.json;
  if (variant.binding === 'JSONRPC') return j?.error?.code === -32001;
  return answer.status === 404 && (j?.error?.details?.[0]?.reason === 'TASK_NOT_FOUND' || j?.code === -32001);
}

/** What about a foreign task an answer gives away (empty: nothing). */
function leakOf(answer: Answer, task: TaskRef): string | undefined {
  if (answer.stream) return 'opened a stream of it';
  if (errorShape(answer) === undefined) return `answered with success ${answer.status}`;
  // The id is echoed by every not-found message; the context id is known only to its owner.
  if (answer.text.includes(task.contextId)) return 'disclosed its context id';
  return undefined;
}

/** Ids of the tasks in a ListTasks answer (both bindings). */
function listedIds(answer: Answer): string[] | undefined {
  const tasks = answer.json?.result?.tasks ?? answer.json?.tasks;
  return Array.isArray(tasks) ? tasks.map((t: { id: string }) => t.id) : undefined;
}

/** Push config id in a create answer, in any of the four shapes. */
function createdConfigId(answer: Answer): string | undefined {
  const j = answer.json?.result ?? answer.json;
  const id = j?.pushNotificationConfig?.id ?? j?.id;
  return typeof id === 'string' ? id : undefined;
}

// ---------------------------------------------------------------------------
// The trial.

export interface IsolationReport {
  /** Calls on another tenant's task, plus ListTasks calls (each could list foreign tasks). */
  foreignAttempts: number;
  ownAttempts: number;
  /** Foreign calls that gave something away; must stay empty. */
  leaks: string[];
  /** Calls answered otherwise than expected without a leak (a foreign call that is not not-found, an own call that failed). */
  wrongAnswers: string[];
  /** One line per operation: foreign/own counts. */
  summary: string[];
}

/** A seeded PRNG (the example data's mulberry32), so a failing walk replays from its seed. */
export const seededRandom = mulberry32;

/**
 * Runs the random walk until `foreignAttempts` foreign calls were made
 * (about one call in four is an own call, checked to succeed), then checks
 * the aftermath: every live task is still live (no foreign cancel took) and
 * holds exactly the push configs its owner made.
 */
export async function runIsolationTrial(mesh: IsolationMesh, options: { seed: number; foreignAttempts: number }): Promise<IsolationReport> {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const report: IsolationReport = { foreignAttempts: 0, ownAttempts: 0, leaks: [], wrongAnswers: [], summary: [] };
  const counts = new Map<string, { foreign: number; own: number }>();
  const count = (variant: Variant, foreign: boolean) => {
    const c = counts.get(variant.label) ?? { foreign: 0, own: 0 };
    if (foreign) c.foreign++;
    else c.own++;
    counts.set(variant.label, c);
    if (foreign) report.foreignAttempts++;
    else report.ownAttempts++;
  };

  // What each variant answers for a task id that never existed: a foreign task must look the same.
  const neverExisted = new Map<Variant, string | undefined>();
  for (const variant of VARIANTS) {
    if (variant.operation !== 'ListTasks') neverExisted.set(variant, errorShape(await variant.call(mesh, 0, { id: randomUUID(), configId: randomUUID() })));
  }

  for (let n = 0; report.foreignAttempts < options.foreignAttempts; n++) {
    const caller = Math.floor(random() * mesh.tenants.length);
    const variant = pick(VARIANTS);
    const where = `#${n} ${variant.label} by ${mesh.tenants[caller]!.name}`;

    if (variant.operation === 'ListTasks') {
      count(variant, true);
      const answer = await variant.call(mesh, caller, { id: '', configId: '' });
      const ids = listedIds(answer);
      if (ids === undefined) {
        report.wrongAnswers.push(`${where}: answered ${answer.status} ${answer.text.slice(0, 200)}`);
        continue;
      }
      const foreign = mesh.tasks.filter((t) => t.owner !== caller && ids.includes(t.id));
      if (foreign.length > 0) report.leaks.push(`${where}: listed ${foreign.map((t) => `${t.id} of ${mesh.tenants[t.owner]!.name}`).join(', ')}`);
      const missing = mesh.tasks.filter((t) => t.owner === caller && !ids.includes(t.id));
      if (missing.length > 0) report.wrongAnswers.push(`${where}: its own tasks ${missing.map((t) => t.id).join(', ')} are missing`);
      continue;
    }

    if (random() < 0.75) {
      // Another tenant's task, live or finished: a finished one must not answer "not cancelable" or "terminal" either.
      const task = pick(mesh.tasks.filter((t) => t.owner !== caller));
      count(variant, true);
      const answer = await variant.call(mesh, caller, { id: task.id, configId: task.configIds[0] ?? randomUUID() });
      const leak = leakOf(answer, task);
      if (leak !== undefined) {
        report.leaks.push(`${where} on ${task.id} of ${mesh.tenants[task.owner]!.name}: ${leak}: ${answer.text.slice(0, 200)}`);
        continue;
      }
      const shape = errorShape(answer);
      if (shape !== neverExisted.get(variant)) report.wrongAnswers.push(`${where}: a foreign task answers "${shape}", an unknown one "${neverExisted.get(variant)}"`);
      else if (!isTaskNotFound(variant, answer)) report.wrongAnswers.push(`${where}: answers "${shape}", not TaskNotFound`);
      continue;
    }

    count(variant, false);
    const problem = await ownCall(mesh, caller, variant, pick);
    if (problem !== undefined) report.wrongAnswers.push(`${where}: ${problem}`);
  }

  await checkAftermath(mesh, report);
  report.summary = [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, c]) => (/ListTasks|GET \/tasks\?/.test(label) ? `${label}: ${c.foreign} listings` : `${label}: ${c.foreign} foreign, ${c.own} own`));
  return report;
}

/** An own call, which must succeed; returns what went wrong, if anything. */
async function ownCall(mesh: IsolationMesh, caller: number, variant: Variant, pick: <T>(items: readonly T[]) => T): Promise<string | undefined> {
  const mine = mesh.tasks.filter((t) => t.owner === caller);
  const live = mine.filter((t) => t.live && t.configIds.length > 0);
  switch (variant.operation) {
    case 'GetTask': {
      const task = pick(mine);
      const answer = await variant.call(mesh, caller, { id: task.id, configId: '' });
      return answer.status === 200 && (answer.json?.result ?? answer.json)?.id === task.id ? undefined : `own GetTask answered ${answer.status} ${answer.text.slice(0, 200)}`;
    }
    case 'CancelTask': {
      // A fresh task, so the live ones stay live for the foreign cancels.
      const task = await startTask(mesh, caller, 'wait');
      const answer = await variant.call(mesh, caller, { id: task.id, configId: '' });
      task.live = false;
      const state = String((answer.json?.result ?? answer.json)?.status?.state ?? '');
      return answer.status === 200 && /cancel/i.test(state) ? undefined : `own CancelTask answered ${answer.status} ${answer.text.slice(0, 200)}`;
    }
    case 'SubscribeToTask': {
      // Only a live task can be subscribed to (A2A §3.1.6: a finished one is an error).
      const task = pick(live);
      const answer = await variant.call(mesh, caller, { id: task.id, configId: '' });
      return answer.stream && answer.text.includes(task.id) ? undefined : `own SubscribeToTask answered ${answer.status} ${answer.text.slice(0, 200)}`;
    }
    case 'CreatePushConfig': {
      const task = pick(live);
      const answer = await variant.call(mesh, caller, { id: task.id, configId: '' });
      const id = createdConfigId(answer);
      if (answer.status >= 300 || id === undefined || answer.json?.error !== undefined) return `own push config create answered ${answer.status} ${answer.text.slice(0, 200)}`;
      task.configIds.push(id);
      return undefined;
    }
    case 'GetPushConfig': {
      const task = pick(live);
      const configId = pick(task.configIds);
      const answer = await variant.call(mesh, caller, { id: task.id, configId });
      return answer.status === 200 && answer.json?.error === undefined && answer.text.includes(configId) ? undefined : `own push config get answered ${answer.status} ${answer.text.slice(0, 200)}`;
    }
    case 'ListPushConfigs': {
      const task = pick(live);
      const answer = await variant.call(mesh, caller, { id: task.id, configId: '' });
      const missing = task.configIds.filter((id) => !answer.text.includes(id));
      return answer.status === 200 && answer.json?.error === undefined && missing.length === 0 ? undefined : `own push config list answered ${answer.status} ${answer.text.slice(0, 200)}`;
    }
    case 'ListTasks':
      return 'ListTasks is judged by the walk';
  }
}

/** Live tasks are still live (foreign cancels took no effect) and hold only their owner's push configs. */
async function checkAftermath(mesh: IsolationMesh, report: IsolationReport): Promise<void> {
  for (const task of mesh.tasks.filter((t) => t.live)) {
    const read = await rpc(mesh, task.owner, 'GetTask', { id: task.id }, '1.0');
    const state = read.json?.result?.status?.state;
    if (!LIVE_STATES.has(state)) report.leaks.push(`aftermath: ${task.id} of ${mesh.tenants[task.owner]!.name} is ${state ?? read.text.slice(0, 200)}, not live: a foreign cancel took effect`);
    const configs = await rpc(mesh, task.owner, 'ListTaskPushNotificationConfigs', { taskId: task.id }, '1.0');
    const ids: string[] = (configs.json?.result?.configs ?? []).map((c: { id: string }) => c.id).sort();
    if (JSON.stringify(ids) !== JSON.stringify([...task.configIds].sort())) {
      report.leaks.push(`aftermath: ${task.id} of ${mesh.tenants[task.owner]!.name} has push configs ${ids.join(', ')}, its owner made ${task.configIds.join(', ')}: a foreign create took effect`);
    }
  }
}

/**
 * Runs one randomized trial of `foreignAttempts` against `mesh` (seed from
 * ISOLATION_SEED, else random, reported for a replay) and asserts that no
 * foreign attempt leaked or got an unexpected answer.
 */
export async function assertTenantsIsolated(t: TestContext, mesh: IsolationMesh, foreignAttempts: number): Promise<void> {
  const seed = process.env.ISOLATION_SEED ? Number(process.env.ISOLATION_SEED) : Math.floor(Math.random() * 2 ** 31);
  t.diagnostic(`seed ${seed} (replay with ISOLATION_SEED=${seed})`);
  const report = await runIsolationTrial(mesh, { seed, foreignAttempts });
  t.diagnostic(`${report.foreignAttempts} foreign attempts, ${report.ownAttempts} own, ${report.leaks.length} leaks`);
  for (const line of report.summary) t.diagnostic(line);
  assert.deepEqual(report.leaks, [], `leaks (seed ${seed})`);
  assert.deepEqual(report.wrongAnswers, [], `unexpected answers (seed ${seed})`);
  assert.ok(report.foreignAttempts >= 200);
  assert.ok(report.ownAttempts > 0);
}
