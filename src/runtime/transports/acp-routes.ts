import { CancelTaskRequest, GetTaskRequest, StreamResponse, TaskState, type AgentCard } from '@a2a-js/sdk';
import type { ServerCallContext } from '@a2a-js/sdk/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acpInputToA2a, awaitResumeToA2a, cardToManifest, isAcpAgentName, isUuid, loadAcpSpecValidator, RunEventTranslator, taskToRun, toAcpError, type AcpEvent, type AcpSchemaTypes } from '../../acp/index.js';
import { abortOnClientGone, renderHttpError, type SseOptions } from '../../http/index.js';
import { Errors, logAnsweredError, isRecord } from '../../protocol/index.js';
import { uuidv7, type TaskRecord, type TaskStore } from '../../storage/index.js';
import { callOf, type AgentRequestHandler } from '../agent-request-handler.js';
import { cancelledRun, sendJson, startRun } from './acp-runs.js';
import { parseRestBody } from './rest-body.js';
import { anonymous, buildCallContext, callerOf, isPendingCaller, type Authenticate } from './call-context.js';
import { takeBodiesAsText } from './text-bodies.js';

/** One hosted agent as ACP serves it. */
export interface AcpAgent {
  handler: AgentRequestHandler;
  /** The same check as the agent's A2A routes (the gateway's assertion, audience this agent). */
  authenticate: Authenticate;
  card: () => AgentCard;
}

/** Options of {@link registerAcpRoutes}. */
export interface AcpRouteOptions {
  /** The agents served; those whose names are not ACP names (RFC 1123 labels) are left out. */
  agents: readonly AcpAgent[];
  store: TaskStore;
  sse: SseOptions;
  bodyLimitBytes: number;
  /** The public URL of these routes (session history links to runs under it). */
  baseUrl: () => string;
}

/** Events of one run listed at most (`GET /runs/{run_id}/events`); a task's log is bounded by its work, this bounds one answer. */
const MAX_LISTED_EVENTS = 10_000;
const EVENT_PAGE = 500;
/** Runs of one session listed at most. */
const MAX_SESSION_RUNS = 100;

/**
 * ACP 0.2.0 (`schemas/acp/openapi.yaml`) over the runtime's agents: every
 * run is an A2A task of the durable engine, started, read, resumed and
 * canceled through the agent's own A2A request handler, so restarts,
 * replicas, recovery and tenant scoping are the A2A bindings' own. Requests
 * are checked against the document's schemas; errors are ACP `Error`s with
 * the status agentmesh's error table gives. See docs/acp.md.
 */
export function registerAcpRoutes(app: FastifyInstance, options: AcpRouteOptions): void {
  const agents = new Map(options.agents.filter((a) => isAcpAgentName(a.handler.name)).map((a) => [a.handler.name, a]));
  const { store } = options;

  takeBodiesAsText(app, options.bodyLimitBytes);
  app.setErrorHandler((err, request, reply) => {
    const rendered = renderHttpError(err, String(request.id));
    if (rendered.internal) request.log.error({ err }, 'request failed');
    sendJson(reply, rendered.statusCode, toAcpError(rendered.error, String(request.id)).body);
  });

  const route = (run: (request: FastifyRequest, reply: FastifyReply) => Promise<void>) => async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      await run(request, reply);
    } catch (err) {
      if (reply.sent) return;
      const { statusCode, body } = toAcpError(err, String(request.id));
      logAnsweredError(request.log, err, 'ACP request failed');
      sendJson(reply, statusCode, body);
    }
  };

  /** The call context of `agent`'s routes: its authentication, the caller's tenant. */
  const contextFor = async (agent: AcpAgent, request: FastifyRequest, reply: FastifyReply): Promise<ServerCallContext> => {
    const authenticating = agent.authenticate !== anonymous;
    // A cached assertion's caller comes at once: no promise made or waited for per call.
    const found = callerOf(agent.authenticate, request);
    const caller = isPendingCaller(found) ? await found : found;
    return buildCallContext({ request, agent: agent.handler.name, version: '1.0', caller, authenticating, tenant: undefined, signal: abortOnClientGone(request, reply) });
  };

  /**
   * The run named in the path, its agent and the caller's context. The row is
   * read unscoped only to learn which agent's authentication applies; the
   * caller sees the run only through that agent's handler, under its tenant.
   */
  const locate = async (request: FastifyRequest, reply: FastifyReply) => {
    const { run_id: runId } = request.params as { run_id: string };
    const row = isUuid(runId) ? await store.get(runId) : undefined;
    const agent = row ? agents.get(row.agent) : undefined;
    if (!row || !agent) throw Errors.taskNotFound({ taskId: runId.slice(0, 64) });
    const context = await contextFor(agent, request, reply);
    const task = await agent.handler.getTask(GetTaskRequest.fromJSON({ id: row.id }), context);
    return { row, agent, context, task };
  };

  app.get('/ping', route(async (_request, reply) => sendJson(reply, 200, {})));

  app.get('/agents', route(async (request, reply) => {
    const { limit, offset } = pageOf(request.query);
    const manifests = [...agents.values()].slice(offset, offset + limit).map((a) => cardToManifest(a.card(), a.handler.name));
    sendJson(reply, 200, { agents: manifests });
  }));

  app.get('/agents/:name', route(async (request, reply) => {
    const { name } = request.params as { name: string };
    const agent = agents.get(name);
    if (!agent) throw Errors.agentNotHostedHere({ agent: name.slice(0, 64) });
    sendJson(reply, 200, cardToManifest(agent.card(), name));
  }));

  app.post('/runs', route(async (request, reply) => {
    const body = await validBody('RunCreateRequest', request.body);
    const agent = agents.get(body.agent_name);
    if (!agent) throw Errors.agentNotHostedHere({ agent: body.agent_name });
    const sessionId = body.session_id ?? body.session?.id;
    const context = await contextFor(agent, request, reply);
    const message = acpInputToA2a(body.input, { messageId: uuidv7(), contextId: sessionId });
    await startRun(request, reply, options.sse, { handler: agent.handler, context, message, mode: body.mode ?? 'sync', createdAt: Date.now(), resumed: false });
  }));

  app.get('/runs/:run_id', route(async (request, reply) => {
    const { row, agent, task } = await locate(request, reply);
    sendJson(reply, 200, taskToRun(task, { agentName: agent.handler.name, createdAt: row.createdAt }));
  }));

  app.post('/runs/:run_id', route(async (request, reply) => {
    const body = await validBody('RunResumeRequest', request.body);
    const { run_id: runId } = request.params as { run_id: string };
    if (body.run_id !== runId) throw Errors.acpRunIdMismatch({ runId: body.run_id }, { violations: [{ field: 'run_id', description: 'must match the path' }] });
    const { row, agent, context, task } = await locate(request, reply);
    const state = task.status?.state;
    if (state !== TaskState.TASK_STATE_INPUT_REQUIRED && state !== TaskState.TASK_STATE_AUTH_REQUIRED) {
      const status = taskToRun(task, { agentName: agent.handler.name }).status;
      throw Errors.acpRunNotAwaiting({ runId: row.id, status }, { violations: [{ field: 'run_id', description: `run is ${status}` }] });
    }
    const message = awaitResumeToA2a(body.await_resume, { messageId: uuidv7(), taskId: row.id, contextId: row.contextId });
    await startRun(request, reply, options.sse, { handler: agent.handler, context, message, mode: body.mode, createdAt: row.createdAt, resumed: true });
  }));

  app.post('/runs/:run_id/cancel', route(async (request, reply) => {
    const { row, agent, context } = await locate(request, reply);
    const task = await agent.handler.cancelTask(CancelTaskRequest.fromJSON({ id: row.id }), context);
    sendJson(reply, 202, cancelledRun(task, agent.handler.name, row.createdAt));
  }));

  app.get('/runs/:run_id/events', route(async (request, reply) => {
    const { row, agent } = await locate(request, reply);
    sendJson(reply, 200, { events: await runEvents(store, row, agent.handler.name) });
  }));

  // The document names this path parameter `name` but writes `{session_id}` in the path; the path is what clients call.
  app.get('/session/:session_id', route(async (request, reply) => {
    const { session_id: sessionId } = request.params as { session_id: string };
    if (!isUuid(sessionId)) throw Errors.acpSessionNotFound({});
    const runs: TaskRecord[] = [];
    let refused: unknown;
    let admitted = false;
    // A session is an A2A context, which may span agents: each agent's runs count when its authentication admits the caller.
    for (const agent of agents.values()) {
      let context: ServerCallContext;
      try {
        context = await contextFor(agent, request, reply);
      } catch (err) {
        refused ??= err;
        continue;
      }
      admitted = true;
      const { tenant } = callOf(context);
      const page = await store.list({ agent: agent.handler.name, tenant, contextId: sessionId, pageSize: MAX_SESSION_RUNS });
      runs.push(...page.tasks);
    }
    if (runs.length === 0) {
      // Refused by every agent: the caller's credential is the problem, not the session.
      if (!admitted && refused !== undefined) throw refused;
      throw Errors.acpSessionNotFound({});
    }
    runs.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    const base = options.baseUrl();
    sendJson(reply, 200, { id: sessionId, history: runs.slice(0, MAX_SESSION_RUNS).map((r) => `${base}/runs/${r.id}`) });
  }));
}

/** A request body checked against the ACP document's schema of it; every problem is named. */
async function validBody<K extends 'RunCreateRequest' | 'RunResumeRequest'>(schema: K, raw: unknown): Promise<AcpSchemaTypes[K]> {
  const body = parseRestBody(raw);
  const validator = await loadAcpSpecValidator();
  if (validator.conforms(schema, body)) return body;
  const violations = validator.check(schema, body).map((p) => ({ field: p.path, description: p.message }));
  throw Errors.acpBodyInvalid({ problems: violations.map((v) => `${v.field} ${v.description}`).join('; ') }, { violations });
}

/** `limit` (1–1000, default 10) and `offset` (default 0) of `GET /agents`. */
function pageOf(query: unknown): { limit: number; offset: number } {
  const q = isRecord(query) ? query : {};
  const int = (v: unknown, field: string, min: number, max: number, fallback: number) => {
    if (v === undefined) return fallback;
    const n = typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : NaN;
    if (!(n >= min && n <= max)) throw Errors.integerOutOfRange({ field, min, max }, { violations: [{ field, description: `must be an integer from ${min} to ${max}` }] });
    return n;
  };
  return { limit: int(q['limit'], 'limit', 1, 1000, 10), offset: int(q['offset'], 'offset', 0, 1e9, 0) };
}

/** A run's events: its task's committed log, replayed through the same translation as a stream. */
async function runEvents(store: TaskStore, row: TaskRecord, agentName: string): Promise<AcpEvent[]> {
  const translator = new RunEventTranslator({ agentName, createdAt: row.createdAt });
  const events: AcpEvent[] = [];
  let after = 0;
  while (events.length < MAX_LISTED_EVENTS) {
    const page = await store.events(row.id, after, EVENT_PAGE);
    for (const e of page) events.push(...translator.translate(StreamResponse.fromJSON(JSON.parse(e.payload))));
    if (page.length < EVENT_PAGE) break;
    after = page[page.length - 1]!.seq;
  }
  return events.slice(0, MAX_LISTED_EVENTS);
}
