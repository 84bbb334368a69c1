/**
 * An official @a2a-js/sdk server for the CLI tests: DefaultRequestHandler +
 * InMemoryTaskStore behind the SDK's express JSON-RPC, REST and card
 * handlers, v0.3 compat on. Nothing here is agentmesh code, so the tests
 * show that our CLI drives an SDK server as any A2A client would.
 *
 * Skills (chosen by message metadata.skillId):
 * - (none)  working → artifact "report" → completed "done"
 * - ask     input-required "Which region?"; the answer completes the task
 * - hold    working, then waits for `release(taskId)` or a cancel
 * - fail    working → failed "upstream CRM unavailable"
 * - reply   a direct Message, no task
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { AGENT_CARD_PATH, Role, TaskState, type AgentCard, type AgentInterface, type Message, type Part } from '@a2a-js/sdk';
import {
  AgentEvent,
  DefaultRequestHandler,
  InMemoryTaskStore,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import { duplicateInterfacesForLegacy } from '@a2a-js/sdk/compat/v0_3';

/** One HTTP request the server saw. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The running fixture. */
export interface FixtureAgent {
  /** Base URL of the main agent (card lists JSON-RPC and REST, v1.0 and v0.3). */
  url: string;
  /** Base URL of an agent whose card prefers REST and lists v1.0 only. */
  restFirstUrl: string;
  /** Base URL of an agent whose card lists v0.3 interfaces only. */
  legacyUrl: string;
  /** Every request, in arrival order. */
  requests: SeenRequest[];
  /** Lets a `hold` task finish: artifact "report" then completed. */
  release(taskId: string): void;
  /** Resolves once a `hold` task with this id is running. */
  held(taskId: string): Promise<void>;
  close(): Promise<void>;
}

const text = (value: string): Part => ({ content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: '' });
const data = (value: unknown): Part => ({ content: { $case: 'data', value }, metadata: undefined, filename: '', mediaType: 'application/json' });

function agentMessage(ctx: RequestContext, parts: Part[]): Message {
  return { messageId: `${ctx.taskId}-${Math.random().toString(16).slice(2)}`, contextId: ctx.contextId, taskId: ctx.taskId, role: Role.ROLE_AGENT, parts, metadata: undefined, extensions: [], referenceTaskIds: [] };
}

class FixtureExecutor implements AgentExecutor {
  readonly #gates = new Map<string, () => void>();
  readonly #heldWaiters = new Map<string, () => void>();
  readonly #heldIds = new Set<string>();
  readonly #canceled = new Set<string>();

  release(taskId: string): void {
    this.#gates.get(taskId)?.();
  }

  held(taskId: string): Promise<void> {
    if (this.#heldIds.has(taskId)) return Promise.resolve();
    return new Promise((resolve) => this.#heldWaiters.set(taskId, resolve));
  }

  releaseAll(): void {
    for (const open of this.#gates.values()) open();
  }

  execute = async (ctx: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    const user = ctx.userMessage;
    const skill = (user.metadata as { skillId?: string } | undefined)?.skillId;
    const userText = user.parts.flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : [])).join(' ');
    const userData = user.parts.flatMap((p) => (p.content?.$case === 'data' ? [p.content.value as unknown] : []));
    const now = () => new Date().toISOString();
    const status = (state: TaskState, message?: string) =>
      bus.publish(AgentEvent.statusUpdate({ taskId: ctx.taskId, contextId: ctx.contextId, metadata: undefined, status: { state, message: message === undefined ? undefined : agentMessage(ctx, [text(message)]), timestamp: now() } }));
    const artifact = (parts: Part[]) =>
      bus.publish(AgentEvent.artifactUpdate({ taskId: ctx.taskId, contextId: ctx.contextId, metadata: undefined, append: false, lastChunk: true, artifact: { artifactId: 'report-1', name: 'report', description: '', parts, metadata: undefined, extensions: [] } }));

    if (skill === 'reply') {
      bus.publish(AgentEvent.message(agentMessage(ctx, [text(`pong: ${userText}`)])));
      bus.finished();
      return;
    }
    // The first event of every turn is the task (SDK AgentExecutor contract).
    bus.publish(AgentEvent.task(ctx.task ?? { id: ctx.taskId, contextId: ctx.contextId, status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: now() }, artifacts: [], history: [user], metadata: undefined }));

    if (skill === 'ask' || ctx.task?.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED) {
      if (ctx.task === undefined) {
        status(TaskState.TASK_STATE_INPUT_REQUIRED, 'Which region?');
      } else {
        status(TaskState.TASK_STATE_WORKING, 'Scoring for the region');
        artifact([text(`region: ${userText}`)]);
        status(TaskState.TASK_STATE_COMPLETED, 'done');
      }
      bus.finished();
      return;
    }
    if (skill === 'fail') {
      status(TaskState.TASK_STATE_WORKING, 'Calling the CRM');
      status(TaskState.TASK_STATE_FAILED, 'upstream CRM unavailable');
      bus.finished();
      return;
    }
    if (skill === 'hold') {
      status(TaskState.TASK_STATE_WORKING, 'waiting for release');
      const released = new Promise<void>((resolve) => this.#gates.set(ctx.taskId, resolve));
      this.#heldIds.add(ctx.taskId);
      this.#heldWaiters.get(ctx.taskId)?.();
      await released;
      this.#gates.delete(ctx.taskId);
      if (this.#canceled.has(ctx.taskId)) return;
      artifact([text('released')]);
      status(TaskState.TASK_STATE_COMPLETED, 'done');
      bus.finished();
      return;
    }
    status(TaskState.TASK_STATE_WORKING, 'Scoring 3 leads…');
    const parts = [text(`scored: ${userText}${skill ? ` (skill ${skill})` : ''}`)];
    if (userData.length > 0) parts.push(data({ received: userData[0] }));
    artifact(parts);
    status(TaskState.TASK_STATE_COMPLETED, 'done');
    bus.finished();
  };

  cancelTask = async (taskId: string, bus: ExecutionEventBus): Promise<void> => {
    this.#canceled.add(taskId);
    bus.publish(AgentEvent.statusUpdate({ taskId, contextId: '', metadata: undefined, status: { state: TaskState.TASK_STATE_CANCELED, message: undefined, timestamp: new Date().toISOString() } }));
    bus.finished();
    this.#gates.get(taskId)?.();
  };
}

function card(name: string, supportedInterfaces: AgentInterface[]): AgentCard {
  return {
    name,
    description: 'CLI test agent',
    version: '1.0.0',
    provider: undefined,
    documentationUrl: '',
    iconUrl: '',
    supportedInterfaces,
    capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text'],
    defaultOutputModes: ['text'],
    skills: [],
    signatures: [],
  } as AgentCard;
}

const iface = (url: string, protocolBinding: string, protocolVersion: string): AgentInterface => ({ url, protocolBinding, tenant: '', protocolVersion });

/** Starts the fixture on 127.0.0.1, port 0. */
export async function startFixtureAgent(): Promise<FixtureAgent> {
  const app = express();
  const requests: SeenRequest[] = [];
  app.use((req, _res, next) => {
    requests.push({ method: req.method, path: req.originalUrl, headers: { ...req.headers } });
    next();
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const executor = new FixtureExecutor();

  const mount = (prefix: string, interfaces: AgentInterface[]) => {
    const handler = new DefaultRequestHandler(card(prefix || 'main', interfaces), new InMemoryTaskStore(), executor);
    const common = { requestHandler: handler, userBuilder: UserBuilder.noAuthentication, legacyCompat: { enabled: true } };
    app.use(`${prefix}/${AGENT_CARD_PATH}`, agentCardHandler({ agentCardProvider: handler, legacyCompat: { enabled: true } }));
    app.use(`${prefix}/a2a/jsonrpc`, jsonRpcHandler(common));
    app.use(`${prefix}/a2a/rest`, restHandler(common));
  };
  mount('', duplicateInterfacesForLegacy([iface(`${base}/a2a/jsonrpc`, 'JSONRPC', '1.0'), iface(`${base}/a2a/rest`, 'HTTP+JSON', '1.0')], ['JSONRPC', 'HTTP+JSON']));
  // Relative interface URLs on purpose: the CLI resolves them against the card URL.
  mount('/agents/rest-first', [iface('/agents/rest-first/a2a/rest', 'HTTP+JSON', '1.0'), iface('/agents/rest-first/a2a/jsonrpc', 'JSONRPC', '1.0')]);
  mount('/agents/legacy', [iface(`${base}/agents/legacy/a2a/jsonrpc`, 'JSONRPC', '0.3'), iface(`${base}/agents/legacy/a2a/rest`, 'HTTP+JSON', '0.3')]);

  return {
    url: base,
    restFirstUrl: `${base}/agents/rest-first`,
    legacyUrl: `${base}/agents/legacy`,
    requests,
    release: (taskId) => executor.release(taskId),
    held: (taskId) => executor.held(taskId),
    close: async () => {
      executor.releaseAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
