/**
 * The console's live task list (docs/console.md#tasks): `GET /v1/console/tasks/stream`,
 * server-sent events. Every {@link TASK_POLL_MS} the gateway asks each agent
 * the caller may see for its newest tasks (A2A ListTasks over HTTP+JSON, on
 * an instance in rotation, with a gateway assertion naming the caller and
 * its tenant, as the settlement tracker reads tasks), so each runtime
 * answers with the caller's tenant's tasks only, exactly as a ListTasks
 * through `/agents/` would. The reads are not the caller's calls: they are
 * neither audited nor counted against its quota. A frame goes out when
 * something changed: the tasks that are new or changed, and those that left
 * the list (a filter no longer matches, or newer tasks pushed them out).
 */
import type { FastifyInstance } from 'fastify';
import { Errors, errorMessage, isRecord } from '../../protocol/index.js';
import { GATEWAY_ACTOR, GATEWAY_ADMIN_SCOPE, type Identity } from '../identity/index.js';
import type { AgentRoute, UpstreamRouter } from '../routing/index.js';
import { consoleViewer, mayView, type ConsoleViewer } from './console-access.js';
import { openLiveStream, pause, type LiveStreamSlots } from './live-streams.js';
import type { ConsoleTaskFrame, ConsoleTaskRow as TaskRow } from '../../contracts/console/index.js';

/** How often a live task list reads the agents' tasks. */
export const TASK_POLL_MS = 2_000;
/** Tasks read per agent and poll: the newest this many. */
export const TASKS_PER_AGENT = 25;
const READ_TIMEOUT_MS = 5_000;
/** Tasks per agent and poll whose request is read (GetTask): the list's first frame does not wait for them, later frames bring them. */
const REQUESTS_PER_POLL = 5;
/** Characters of a request the list shows. */
const REQUEST_CHARS = 80;
const TASKS_SCOPE = 'a2a:tasks:read';

const STATES = ['TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING', 'TASK_STATE_INPUT_REQUIRED', 'TASK_STATE_AUTH_REQUIRED', 'TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED'];

/** Options of {@link consoleTaskStream}. */
export interface ConsoleTaskStreamOptions {
  identity: Identity;
  router: UpstreamRouter;
  slots: LiveStreamSlots;
  /** Lifetime of the assertions the reads carry (the gateway's `assertionTtlSeconds`). */
  assertionTtlSeconds: number;
}

interface TaskQuery {
  /** A platform admin's choice of tenant (a tenant admin may name only its own). */
  tenant?: string;
  agent?: string;
  state?: string;
  contextId?: string;
  sinceMinutes?: number;
}

const query = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tenant: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$' },
    agent: { type: 'string', maxLength: 200 },
    state: { type: 'string', enum: STATES },
    contextId: { type: 'string', maxLength: 1024 },
    sinceMinutes: { type: 'integer', minimum: 1, maximum: 10_080 },
  },
} as const;

function rowOf(agent: string, task: unknown): TaskRow | undefined {
  if (typeof task !== 'object' || task === null) return undefined;
  const t = task as { id?: unknown; contextId?: unknown; status?: { state?: unknown; timestamp?: unknown }; metadata?: { skillId?: unknown; 'agentmesh.usage'?: { credits?: unknown } } };
  if (typeof t.id !== 'string' || typeof t.contextId !== 'string') return undefined;
  const skillId = t.metadata?.skillId;
  const credits = t.metadata?.['agentmesh.usage']?.credits;
  return {
    agent,
    id: t.id,
    contextId: t.contextId,
    state: typeof t.status?.state === 'string' ? t.status.state : 'TASK_STATE_UNSPECIFIED',
    ...(typeof t.status?.timestamp === 'string' && { timestamp: t.status.timestamp }),
    ...(typeof skillId === 'string' && skillId.length <= 200 && { skillId }),
    ...(typeof credits === 'number' && Number.isFinite(credits) && credits >= 0 && { credits }),
  };
}

/** What a task was asked, in a few words: its first user message's text, or its data's field names. */
export function requestOf(task: unknown): string | undefined {
  const history = isRecord(task) ? task['history'] : undefined;
  if (!Array.isArray(history)) return undefined;
  const first: unknown = history.find((m) => isRecord(m) && m['role'] === 'ROLE_USER');
  const parts = isRecord(first) ? first['parts'] : undefined;
  if (!Array.isArray(parts)) return undefined;
  for (const part of parts) {
    if (!isRecord(part)) continue;
    const given = part['text'];
    if (typeof given === 'string' && given.trim() !== '') {
      const text = given.replace(/\s+/g, ' ').trim();
      return text.length <= REQUEST_CHARS ? text : `${text.slice(0, REQUEST_CHARS).replace(/\s+\S*$/, '')}…`;
    }
    const data = part['data'];
    if (data !== undefined && data !== null) {
      const fields = isRecord(data) ? Object.keys(data) : [];
      const text = fields.length > 0 ? `data: ${fields.join(', ')}` : 'data';
      return text.length <= REQUEST_CHARS ? text : `${text.slice(0, REQUEST_CHARS)}…`;
    }
  }
  return undefined;
}

/** The tenant whose tasks a stream lists. */
function tenantOf(viewer: ConsoleViewer, q: TaskQuery): string {
  return viewer.platform && q.tenant !== undefined ? q.tenant : viewer.principal.tenant;
}

/** Registers `/v1/console/tasks/stream`. */
export async function consoleTaskStream(app: FastifyInstance, options: ConsoleTaskStreamOptions): Promise<void> {
  const { identity, router, slots } = options;

  /** One read of an agent's newest tasks, as the caller's tenant. */
  async function readTasks(route: AgentRoute, viewer: ConsoleViewer, q: TaskQuery, assertions: Map<string, { token: string; until: number }>, requests: Map<string, string>, signal: AbortSignal): Promise<TaskRow[]> {
    const instance = route.instances.find((i) => i.inRotation);
    if (instance === undefined) throw new Error('no instance in rotation');
    const name = route.record.name;
    let assertion = assertions.get(name);
    if (assertion === undefined || assertion.until < Date.now()) {
      const token = await identity.signAssertion({ sub: viewer.principal.subject, tenant: tenantOf(viewer, q), scope: TASKS_SCOPE, aud: `agentmesh:agent:${name}`, act: GATEWAY_ACTOR }, options.assertionTtlSeconds);
      // Signed again well before it expires.
      assertion = { token, until: Date.now() + (options.assertionTtlSeconds * 1000) / 2 };
      assertions.set(name, assertion);
    }
    const params = new URLSearchParams({ pageSize: String(TASKS_PER_AGENT), historyLength: '0' });
    if (q.state !== undefined) params.set('status', q.state);
    if (q.contextId !== undefined && q.contextId !== '') params.set('contextId', q.contextId);
    if (q.sinceMinutes !== undefined) params.set('statusTimestampAfter', new Date(Date.now() - q.sinceMinutes * 60_000).toISOString());
    const res = await fetch(`${instance.url.replace(/\/$/, '')}/tasks?${params}`, {
      headers: { authorization: `Bearer ${assertion.token}`, 'a2a-version': '1.0', accept: 'application/json' },
      signal: AbortSignal.any([signal, AbortSignal.timeout(READ_TIMEOUT_MS)]),
    });
    const body = (await res.json().catch(() => undefined)) as { tasks?: unknown[]; error?: { message?: string } } | undefined;
    if (res.status !== 200) throw new Error(body?.error?.message ?? `ListTasks answered ${res.status}`);
    const rows = (body?.tasks ?? []).slice(0, TASKS_PER_AGENT).flatMap((t) => rowOf(name, t) ?? []);
    // ListTasks' history is the newest messages: what was asked is read once per task, a few per poll, with GetTask.
    const missing = rows.filter((r) => !requests.has(`${name}/${r.id}`)).slice(0, REQUESTS_PER_POLL);
    await Promise.all(
      missing.map(async (r) => {
        try {
          const one = await fetch(`${instance.url.replace(/\/$/, '')}/tasks/${encodeURIComponent(r.id)}`, {
            headers: { authorization: `Bearer ${assertion.token}`, 'a2a-version': '1.0', accept: 'application/json' },
            signal: AbortSignal.any([signal, AbortSignal.timeout(READ_TIMEOUT_MS)]),
          });
          const task: unknown = await one.json().catch(() => undefined);
          // Remembered even when there is none (an empty string), so it is not asked again.
          if (one.status === 200) requests.set(`${name}/${r.id}`, requestOf(task) ?? '');
        } catch {
          // Asked again at the next poll.
        }
      }),
    );
    for (const r of rows) {
      const request = requests.get(`${name}/${r.id}`);
      if (request !== undefined && request !== '') r.request = request;
    }
    return rows;
  }

  app.get<{ Querystring: TaskQuery }>(
    '/v1/console/tasks/stream',
    { schema: { tags: ['console'], summary: "The caller's tenant's newest tasks across agents, then their changes, as server-sent events", querystring: query } },
    async (request, reply) => {
      const viewer = await consoleViewer(identity, request);
      // As ListTasks through /agents/ asks: the caller reads tasks.
      if (!viewer.platform && !viewer.principal.scopes.includes(TASKS_SCOPE)) throw Errors.missingScope({ scope: TASKS_SCOPE });
      const q = request.query;
      // A platform admin reads the tenant it chose (the admin token has no tenant of its own); a tenant admin its own only.
      if (q.tenant !== undefined && !viewer.platform && q.tenant !== viewer.principal.tenant) throw Errors.missingScope({ scope: GATEWAY_ADMIN_SCOPE });
      if (viewer.platform && q.tenant === undefined && viewer.principal.tenant === '') throw Errors.consoleTasksNeedTenant({});
      const live = openLiveStream(app, slots, viewer.principal.subject, request, reply);
      const { sse } = live;
      const assertions = new Map<string, { token: string; until: number }>();
      // What each listed task was asked (agent/id → text), read once: forgotten when the task leaves the list.
      const requests = new Map<string, string>();
      // What the client was last told: task key → state and time.
      const told = new Map<string, string>();
      let toldFailures = '';
      let first = true;
      while (!sse.closed) {
        // Agents come and go: the list is read again each time. Bridged ACP agents cannot list their runs.
        const agents = router
          .agents()
          .filter((a) => mayView(viewer, a.record.metadata.tenants) && a.record.bridge === undefined && (q.agent === undefined || q.agent === '' || a.record.name === q.agent));
        const results = await Promise.allSettled(agents.map((a) => readTasks(a, viewer, q, assertions, requests, sse.signal)));
        if (sse.closed) break;
        const now = new Map<string, TaskRow>();
        const failures: string[] = [];
        results.forEach((r, i) => {
          if (r.status === 'fulfilled') for (const row of r.value) now.set(`${row.agent}/${row.id}`, row);
          else failures.push(`${agents[i]!.record.name}: ${errorMessage(r.reason)}`);
        });
        const upserts: TaskRow[] = [];
        for (const [key, row] of now) {
          const mark = `${row.state}|${row.timestamp ?? ''}|${row.request ?? ''}`;
          if (told.get(key) !== mark) {
            upserts.push(row);
            told.set(key, mark);
          }
        }
        const removed = [...told.keys()].filter((key) => !now.has(key));
        for (const key of removed) told.delete(key);
        for (const key of requests.keys()) if (!now.has(key)) requests.delete(key);
        const failureText = failures.join('\n');
        if (first || upserts.length > 0 || removed.length > 0 || failureText !== toldFailures) {
          sse.send(JSON.stringify({ upserts, removed, failures } satisfies ConsoleTaskFrame), undefined, 'tasks');
          toldFailures = failureText;
          first = false;
        }
        if (live.tooSlow()) break;
        await pause(TASK_POLL_MS, sse.signal);
      }
    },
  );
}
