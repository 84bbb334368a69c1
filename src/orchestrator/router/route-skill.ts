import { type AgentmeshError, Errors } from '../../protocol/index.js';
import type { SkillContext, DynamicSkillDefinition } from '../../contracts/agent/index.js';
import { approvalReason, awaitApprovalDecision, isParkedForApproval, type AgentCaller, type ChildOutcome, type OnBehalfOf } from '../calls/index.js';
import { ChildEventRelay } from './child-event-relay.js';
import { MemoryConversationStore, type Conversation, type ConversationKey, type ConversationStore } from './conversation-store.js';
import { RegistryReader } from './registry-reader.js';
import { parseRouteRequest, ROUTE_METADATA_KEY } from './route-request.js';
import { MemoryLearnedRoutes } from './learned-routes.js';
import type { ModelChooser } from './model-chooser.js';
import { decideRoute, ROUTE_EXPLAIN_KEY, selectTarget, type LearnedRoutes, type RoutableWorkflow, type RouteCandidate, type RouteDecision, type RouteExplain, type RouteTarget } from './select-target.js';

/** What {@link createRouteSkill} takes. */
export interface RouteSkillOptions {
  /** Makes the calls to specialists (through the gateway, on the caller's tenant's behalf). */
  caller: AgentCaller;
  /** The registry read for candidates (`GET /v1/agents`, `POST /search`). */
  registryUrl: string;
  /** Bearer token for registry reads, when the registry wants one. */
  registryToken?: string;
  /** Registry answers are reused this long, ms (3 s). */
  registryCacheTtlMs?: number;
  /** The fetch of the registry reads (a pool presenting a client certificate); default global fetch. */
  registryFetch?: typeof fetch | undefined;
  /** The orchestrator's own agent name: never routed to. */
  self: string;
  /** Which specialist each conversation went to. Default: in memory, LRU of 10,000, 1 h idle TTL; `SqlConversationStore` shares it between replicas. */
  store?: ConversationStore;
  /**
   * The tenant calls are made for when the request carries none (an
   * anonymous call straight to the orchestrator, no gateway in front).
   * Unset: such requests are refused, so nobody who bypasses the gateway
   * spends a tenant's credits.
   */
  anonymousTenant?: string;
  /** The skill's time limit, input-required waits included, ms. Default: the runtime's `skillTimeoutMs`. */
  timeoutMs?: number;
  /** Workflows the router may start when a request fits one better than any agent (with `startWorkflow`). */
  workflows?: readonly RoutableWorkflow[];
  /** Runs workflow `name` as this task's work (the orchestrator's own workflow skills); its result is the answer. */
  startWorkflow?: (name: string, ctx: SkillContext) => Promise<unknown>;
  /** Requests users confirmed for a route, per tenant (an explicit choice, a correction): default in memory; `SqlLearnedRoutes` shares them. */
  learned?: LearnedRoutes;
  /** Optional model routing among the top candidates; unset = the lexical ranking alone. */
  model?: ModelChooser;
}

/**
 * The orchestrator's default skill: hands a message to the best agent and
 * streams its work back, so a client talks to one agent and reaches the
 * right specialist (docs/orchestrator.md#routing).
 *
 * - The target: named in `message.metadata["agentmesh.route"]` (`{ agent?, skill?, tags? }`),
 *   else the specialist this conversation (contextId) already went to,
 *   else by the registry's text search (see {@link selectTarget}).
 * - The message's parts go on as they came, on behalf of the caller's tenant,
 *   with the trace context; follow-ups go to the specialist's own context.
 * - Specialist status texts become progress, its artifacts the router task's artifacts.
 * - A specialist asking for input makes the router task ask the same; the
 *   answer is forwarded and the loop goes on.
 * - Canceling the router task cancels the specialist's task.
 *
 * @example
 * const orchestrator = defineAgent({
 *   card: { name: 'orchestrator', description: 'Routes each request to the right specialist' },
 *   defaultSkill: ROUTE_SKILL,
 *   skills: { [ROUTE_SKILL]: createRouteSkill({ caller, registryUrl: 'http://localhost:4100', self: 'orchestrator' }) },
 * });
 */
export function createRouteSkill(options: RouteSkillOptions): DynamicSkillDefinition {
  if (typeof options?.caller?.send !== 'function') throw Errors.routeSkillOptionInvalid({ option: 'caller', description: 'must be an AgentCaller' });
  if (typeof options.self !== 'string' || options.self === '') throw Errors.routeSkillOptionInvalid({ option: 'self', description: 'must be the orchestrator agent name' });
  const registry = new RegistryReader({ url: options.registryUrl, token: options.registryToken, fetch: options.registryFetch, ...(options.registryCacheTtlMs !== undefined && { cacheTtlMs: options.registryCacheTtlMs }) });
  const store = options.store ?? new MemoryConversationStore();
  if (options.anonymousTenant !== undefined && (typeof options.anonymousTenant !== 'string' || options.anonymousTenant === '')) throw Errors.routeSkillOptionInvalid({ option: 'anonymousTenant', description: 'must be a non-empty tenant id' });
  if (options.workflows !== undefined && options.workflows.length > 0 && typeof options.startWorkflow !== 'function') throw Errors.routeSkillOptionInvalid({ option: 'workflows', description: 'need startWorkflow to run them' });
  const deps: RouteDeps = {
    caller: options.caller,
    registry,
    store,
    self: options.self,
    anonymousTenant: options.anonymousTenant,
    workflows: options.workflows ?? [],
    startWorkflow: options.startWorkflow,
    learned: options.learned ?? new MemoryLearnedRoutes(),
    model: options.model,
  };
  return {
    name: 'Route to the right agent',
    description: 'Hands your request to the best agent for it (by name, skill, tags or what the text is about) and streams its work back; follow-ups in the same conversation reach the same agent.',
    tags: ['router', 'routing', 'orchestrator'],
    // Kept generic: the orchestrator is registered too, and its card should not compete for specialists' requests.
    examples: ['send this request to the right agent'],
    inputModes: ['text/plain', 'application/json'],
    outputModes: ['text/plain', 'application/json'],
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    handler: (_input, ctx) => route(ctx, deps),
  };
}

interface RouteDeps {
  caller: AgentCaller;
  registry: RegistryReader;
  store: ConversationStore;
  self: string;
  anonymousTenant: string | undefined;
  workflows: readonly RoutableWorkflow[];
  startWorkflow: ((name: string, ctx: SkillContext) => Promise<unknown>) | undefined;
  learned: LearnedRoutes;
  model: ModelChooser | undefined;
}

/** The data of the router's progress while the specialist's call waits for approval at the gateway: `{ agent, approval, reason }`. */
export const ROUTE_APPROVAL_KEY = 'agentmesh.route.approval';

/** The data part of the router's question when it asks which candidate is meant. */
export const ROUTE_ASK_KEY = 'agentmesh.route.ask';
/** Questions asked before the router gives up on a choice it cannot read. */
const MAX_ASKS = 3;

/** The target of one message: selected, or the conversation's specialist again. */
type Chosen = Pick<RouteTarget, 'agent' | 'skill' | 'matched' | 'reason'> & { via: RouteTarget['via'] | 'conversation' };

async function route(ctx: SkillContext, deps: RouteDeps): Promise<unknown> {
  const request = parseRouteRequest(ctx.message);
  const tenant = ctx.tenant !== '' ? ctx.tenant : deps.anonymousTenant;
  if (tenant === undefined) {
    throw Errors.routeNeedsTenant({});
  }
  const key = conversationKey(ctx, tenant);
  const previous = await deps.store.get(key);
  const learnedFrom = (candidate: string): void => {
    deps.learned.add(tenant, candidate, ctx.text).catch((err: unknown) => ctx.log.warn({ err }, 'could not remember the confirmed route'));
  };
  let target: Chosen;
  let explain: RouteExplain;
  // A route named in the message wins over the conversation's specialist: the client changed its mind.
  if (previous !== undefined && request === undefined) {
    target = { agent: previous.agent, skill: previous.skill, via: 'conversation', matched: [], reason: 'continuing this conversation' };
    explain = { text: clip(ctx.text), decision: 'conversation', chosen: previous.agent, rule: 'continuing this conversation', cues: [], candidates: [] };
  } else {
    // Naming another agent than the conversation's is a correction: the ranking learns it.
    if (request?.agent !== undefined && previous !== undefined && previous.agent !== request.agent && ctx.text.trim() !== '') learnedFrom(request.agent);
    let decision: RouteDecision = await decideRoute({ registry: deps.registry, self: deps.self, text: ctx.text, route: request, tenant, workflows: deps.workflows, learned: deps.learned, model: deps.model });
    let asks = 0;
    for (;;) {
      if (decision.kind === 'none') {
        reportRoute(ctx, `No agent for this: ${decision.explain.rule}`, decision.explain);
        throw decision.error;
      }
      if (decision.kind === 'workflow') return runWorkflow(ctx, deps, decision.workflow, decision.explain);
      if (decision.kind === 'route') break;
      // Ask: the best candidates are too close to call, or the request too vague.
      if (asks >= MAX_ASKS) throw noChoice(decision.candidates);
      asks += 1;
      reportRoute(ctx, `Asking which is meant: ${decision.candidates.map((c) => c.id).join(', ')}`, decision.explain);
      const answer = await ctx.requestInput(decision.question, { [ROUTE_ASK_KEY]: { candidates: decision.candidates.map((c) => ({ id: c.id, why: c.why, score: c.score })) } });
      const reply = textOf(answer);
      const choice = parseChoice(reply, decision.candidates);
      if (choice === undefined) {
        // Not a choice: more words about the request. Rank again with them.
        decision = await decideRoute({ registry: deps.registry, self: deps.self, text: `${ctx.text} ${reply}`, tenant, workflows: deps.workflows, learned: deps.learned, model: deps.model });
        continue;
      }
      learnedFrom(choice.id);
      const chosenExplain: RouteExplain = { ...decision.explain, decision: 'choice', chosen: choice.id, rule: `chosen by the user among ${decision.candidates.map((c) => c.id).join(', ')}` };
      if (choice.kind === 'workflow') return runWorkflow(ctx, deps, choice.id.slice('workflow:'.length), chosenExplain);
      const named = await selectTarget({ registry: deps.registry, self: deps.self, text: ctx.text, route: { agent: choice.id }, tenant });
      decision = { kind: 'route', target: { ...named, reason: 'chosen by the user' }, explain: chosenExplain };
    }
    target = decision.target;
    explain = decision.explain;
  }
  // The same specialist again (named again, say) carries on in its own context, where its history is.
  const childContextId = previous !== undefined && previous.agent === target.agent ? previous.childContextId : undefined;
  reportRoute(ctx, `Routing to ${target.agent}${target.skill ? ` (${target.skill})` : ''}: ${target.reason}`, explain, {
    [ROUTE_METADATA_KEY]: { agent: target.agent, ...(target.skill && { skill: target.skill }), via: target.via, matched: target.matched },
  });

  const { caller } = deps;
  const onBehalfOf: OnBehalfOf = { tenant, ...(ctx.caller.id !== '' && { subject: ctx.caller.id }), ...(ctx.caller.authenticated && { scopes: ctx.caller.scopes }), ...(ctx.caller.subjectToken !== undefined && { subjectToken: ctx.caller.subjectToken }) };
  const relay = new ChildEventRelay(ctx);
  let child: { taskId: string; contextId: string } | undefined;
  let canceling: Promise<void> | undefined;
  const cancelChild = (): void => {
    if (child === undefined || canceling !== undefined) return;
    canceling = caller.cancel(target.agent, child.taskId, onBehalfOf).catch((err: unknown) => ctx.log.warn({ err, agent: target.agent, childTaskId: child?.taskId }, 'could not cancel the specialist task'));
  };
  const remember = (taskId: string, contextId: string): void => {
    child = { taskId, contextId };
    const conversation: Conversation = { agent: target.agent, skill: target.skill, childContextId: contextId, childTaskId: taskId };
    deps.store.set(key, conversation).catch((err: unknown) => ctx.log.warn({ err }, 'could not remember the conversation'));
    // The child's id may arrive after the cancel did.
    if (ctx.signal.aborted) cancelChild();
  };
  ctx.signal.addEventListener('abort', cancelChild, { once: true });
  const common = { agent: target.agent, onBehalfOf, ...(ctx.traceparent !== undefined && { traceparent: ctx.traceparent }), signal: ctx.signal, onEvent: relay.onEvent };
  try {
    let outcome: ChildOutcome = await caller.send({
      ...common,
      ...(target.skill !== undefined && { skill: target.skill }),
      input: inputOf(ctx),
      parts: ctx.message.parts,
      // Derived from the router task: a replay of this task reaches the same child task (ChildCall.messageId).
      messageId: `${ctx.taskId}-route`,
      ...(childContextId !== undefined && { contextId: childContextId }),
      onTask: remember,
    });
    for (let turn = 1; ; turn++) {
      switch (outcome.state) {
        case 'completed':
          remember(outcome.taskId, outcome.contextId);
          // Streamed artifacts already are the answer (the specialist's `result` among them).
          return relay.artifacts > 0 ? undefined : outcome.output;
        case 'input-required':
        case 'auth-required': {
          remember(outcome.taskId, outcome.contextId);
          if (isParkedForApproval(outcome)) {
            // Parked at the gateway for a person's approval (ADR 0037): no answer of the caller moves it, so the
            // router's task stays working and says why, and follows the gated task until someone decides.
            const reason = approvalReason(outcome);
            ctx.progress(`${target.agent} waits for approval: ${reason}`, { [ROUTE_APPROVAL_KEY]: { agent: target.agent, approval: outcome.taskId, reason } });
            outcome = await awaitApprovalDecision(caller, { ...common, taskId: outcome.taskId });
            break;
          }
          const answer = await ctx.requestInput(outcome.question, isRecord(outcome.data) ? outcome.data : undefined);
          outcome = await caller.reply({ ...common, taskId: outcome.taskId, contextId: outcome.contextId, parts: answer.parts, messageId: `${ctx.taskId}-answer-${turn}`, ...(outcome.questionId !== undefined && { questionId: outcome.questionId }) });
          break;
        }
        default:
          throw childEnded(target.agent, outcome);
      }
    }
  } finally {
    ctx.signal.removeEventListener('abort', cancelChild);
    if (ctx.signal.aborted) cancelChild();
    await canceling;
  }
}

/** The routing decision as a status line, its explanation in the update's data and in the task's metadata, for `agentmesh route --explain` and the console. */
function reportRoute(ctx: SkillContext, line: string, explain: RouteExplain, data: Record<string, unknown> = {}): void {
  if (explain.model !== undefined) ctx.log.info({ routerModel: { choice: explain.model.choice, latencyMs: explain.model.latencyMs, error: explain.model.error, prompt: explain.model.prompt } }, 'router asked the model');
  ctx.progress(line, { ...data, [ROUTE_EXPLAIN_KEY]: explain }, { taskMetadata: { [ROUTE_EXPLAIN_KEY]: explain } });
}

/** Starts a workflow as this task's work: the orchestrator's own workflow skills do the running. */
async function runWorkflow(ctx: SkillContext, deps: RouteDeps, name: string, explain: RouteExplain): Promise<unknown> {
  if (deps.startWorkflow === undefined) throw Errors.routeWorkflowUnavailable({ workflow: name });
  reportRoute(ctx, `Starting workflow ${name}: ${explain.rule}`, explain, { [ROUTE_METADATA_KEY]: { workflow: name, via: explain.decision } });
  return deps.startWorkflow(name, ctx);
}

/**
 * The candidate a reply names: its number in the list (1-based), its
 * name (a workflow also by its bare name), or the one name it contains.
 */
export function parseChoice(reply: string, candidates: readonly RouteCandidate[]): RouteCandidate | undefined {
  const text = reply.trim().toLowerCase().replace(/[.!]+$/, '');
  if (text === '') return undefined;
  const number = /^#?(\d{1,2})$/.exec(text);
  if (number) return candidates[Number(number[1]) - 1];
  const bare = (id: string): string => id.replace(/^workflow:/, '');
  const exact = candidates.find((c) => c.id.toLowerCase() === text || bare(c.id).toLowerCase() === text);
  if (exact !== undefined) return exact;
  const named = candidates.filter((c) => new RegExp(`(^|[^a-z0-9-])${escapeRegExp(bare(c.id).toLowerCase())}($|[^a-z0-9-])`).test(text));
  return named.length === 1 ? named[0] : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

function noChoice(candidates: readonly RouteCandidate[]): AgentmeshError {
  return Errors.routeNoChoice({ candidates: candidates.map((c) => c.id).join(', ') });
}

function textOf(message: { parts: ReadonlyArray<{ content?: { $case: string; value?: unknown } | undefined }> }): string {
  return message.parts.flatMap((p) => (p.content?.$case === 'text' && typeof p.content.value === 'string' ? [p.content.value] : [])).join(' ');
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}

/** What the specialist gets as its input when the caller forwards `input` rather than parts: the data part, else the text. */
function inputOf(ctx: SkillContext): unknown {
  const data = ctx.message.parts.find((p) => p.content?.$case === 'data');
  return data?.content?.$case === 'data' ? data.content.value : ctx.text;
}

/**
 * Conversations are per tenant and caller: a contextId is the client's to
 * choose, so it alone must not open someone else's conversation.
 */
function conversationKey(ctx: SkillContext, tenant: string): ConversationKey {
  return { tenant, caller: ctx.caller.id, contextId: ctx.contextId };
}

function childEnded(agent: string, outcome: Extract<ChildOutcome, { error: string }>): AgentmeshError {
  const verb = outcome.state === 'failed' ? 'failed' : outcome.state === 'rejected' ? 'rejected the task' : 'canceled the task';
  return Errors.routeChildEnded({ agent, verb, error: outcome.error }, { retryable: outcome.transient });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
