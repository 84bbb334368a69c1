import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentCard, Message, Task } from '@a2a-js/sdk';
import type { JSONWebKeySet } from 'jose';
import { createRuntime, type AgentDefinition, type AuthenticatedCaller, type Runtime, type RuntimeConfigInput, type TaskControl } from '../runtime/index.js';
import { createBus, createDatabase, type Bus, type Database } from '../storage/index.js';
import { InjectRpc } from './inject-rpc.js';
import { userMessageJson, type MessageContent, type MessageOptions } from './outgoing-message.js';
import { PushInbox } from './push-inbox.js';
import { ReplyResult } from './reply-result.js';
import { TaskResult, stateNameOf, type TaskStateName } from './task-result.js';
import { TaskStream } from './task-stream.js';
import { fakeClock, heldClock, realClock, type TestClock } from './test-clock.js';

/** Options of {@link testAgent}. */
export interface TestAgentOptions {
  /**
   * The runtime's clock: `'real'` (default), `'fake'` (starts now, moves only
   * with `agent.clock.advance()`), or a clock of your own (`fakeClock(start)`).
   */
  clock?: 'real' | 'fake' | TestClock;
  /** Start a push notification inbox (`agent.push`) on 127.0.0.1 and let the runtime deliver to it. */
  push?: boolean;
  /** Who calls, unless a call names its own `caller`; default anonymous (as behind no gateway). */
  caller?: AuthenticatedCaller;
  /** Runtime settings over the kit's (e.g. `{ skillTimeoutMs: 5000 }`); see RuntimeConfigInput. */
  config?: RuntimeConfigInput;
}

/** Options of a message sent to the agent under test. */
export interface SendOptions extends MessageOptions {
  /** Register the push inbox for this task (needs `testAgent(…, { push: true })`); with `token`, the config's token. */
  push?: boolean | { token: string };
  /** Who sends it (`ctx.caller`, and the task's tenant); default the agent's `caller` option. */
  caller?: AuthenticatedCaller;
}

/** Options of calls about an existing task. */
export interface CallOptions {
  caller?: AuthenticatedCaller;
}

/** A task, by its result or its id. */
export type TaskRef = TaskResult | string;

/** Header carrying a call's caller to the kit's authenticate hook (the runtime is the test's own). */
const CALLER_HEADER = 'agentmesh-test-caller';
/** SSE keep-alives are noise in a test: one a day. */
const NO_HEARTBEAT_MS = 86_400_000;

/**
 * Runs `agent` in-process for a test: a real runtime on an in-memory SQLite
 * store and an in-process bus, driven through its A2A JSON-RPC routes without
 * opening a port (Fastify `inject`). Close it when done — `await using`
 * does it for you.
 *
 * @example
 * import { testAgent } from 'agentmesh/testing';
 * await using agent = await testAgent(scorer);
 * const task = await agent.send({ data: { leadIds: ['lead-001'] } });
 * assert.equal(task.state, 'TASK_STATE_COMPLETED');
 */
export async function testAgent(agent: AgentDefinition, options: TestAgentOptions = {}): Promise<AgentUnderTest> {
  const clock = options.clock === 'fake' ? fakeClock() : options.clock === undefined || options.clock === 'real' ? realClock() : options.clock;
  const dataDir = await mkdtemp(join(tmpdir(), 'agentmesh-testing-'));
  const opened: { database?: Database; bus?: Bus; runtime?: Runtime; inbox?: PushInbox } = {};
  const close = async () => {
    await opened.runtime?.close();
    await opened.inbox?.close();
    await opened.bus?.close();
    await opened.database?.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    opened.database = await createDatabase({ sqlitePath: ':memory:' });
    opened.bus = await createBus();
    const defaultCaller = options.caller;
    opened.runtime = await createRuntime({
      agents: [agent],
      database: opened.database,
      bus: opened.bus,
      now: clock.now,
      authenticate: async (request) => {
        const header = request.headers[CALLER_HEADER];
        return typeof header === 'string' ? (JSON.parse(header) as AuthenticatedCaller) : defaultCaller;
      },
      config: {
        logLevel: 'silent',
        dataDir,
        // Generated per test agent: nothing is read from or left in a data directory.
        storageSecret: randomBytes(32).toString('base64url'),
        signingKeyPem: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        sseHeartbeatMs: NO_HEARTBEAT_MS,
        ...options.config,
        // The push inbox is an http URL on loopback: the SSRF guard must let the runtime reach it.
        ...(options.push ? { dev: true, allowHosts: [...(options.config?.allowHosts ?? []), '127.0.0.1'] } : {}),
      },
    });
    const runtime = opened.runtime;
    if (options.push) {
      opened.inbox = await PushInbox.start({
        jwks: async () => (await runtime.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<JSONWebKeySet>(),
        deliverOnce: () => runtime.deliverPushNow(),
        now: clock.now,
      });
    }
    return new AgentUnderTest(agent, runtime, heldClock(clock), opened.inbox, close);
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/** An agent running in-process for a test: see {@link testAgent}. */
export class AgentUnderTest implements AsyncDisposable {
  /** The runtime hosting the agent (its Fastify `app`, `engine`, `tasks()`…). */
  readonly runtime: Runtime;
  /** The runtime's clock: `clock.advance(ms)` when the agent was made with `clock: 'fake'`. */
  readonly clock: TestClock;
  readonly #agent: AgentDefinition;
  readonly #rpc: InjectRpc;
  readonly #inbox: PushInbox | undefined;
  readonly #close: () => Promise<void>;
  #closing: Promise<void> | undefined;

  /** @internal made by {@link testAgent} */
  constructor(agent: AgentDefinition, runtime: Runtime, clock: TestClock, inbox: PushInbox | undefined, close: () => Promise<void>) {
    this.#agent = agent;
    this.runtime = runtime;
    this.clock = clock;
    this.#rpc = new InjectRpc(runtime.app, agent.name);
    this.#inbox = inbox;
    this.#close = close;
  }

  /** The agent's name. */
  get name(): string {
    return this.#agent.name;
  }

  /** The push notification inbox; throws unless the agent was made with `push: true`. */
  get push(): PushInbox {
    if (this.#inbox === undefined) throw new Error('no push inbox: make the test agent with testAgent(agent, { push: true })');
    return this.#inbox;
  }

  /**
   * Sends a message and resolves with the task once it is done or waiting
   * (completed, failed, canceled, rejected, input-required, auth-required).
   * Rejects with an A2ACallError when the agent refuses the message
   * (invalid input, unknown skill…).
   */
  async send(content: MessageContent, options: SendOptions = {}): Promise<TaskResult> {
    return this.#send(content, options, false);
  }

  /**
   * Sends a message to a skill that answers with a message (`ctx.reply()`,
   * `messageReplies`) and resolves with that message. Rejects when the agent
   * answered with a task instead (naming its state and status), or refused
   * the message (A2ACallError).
   */
  async ask(content: MessageContent, options: SendOptions = {}): Promise<ReplyResult> {
    const answer = await this.answer(content, options);
    if (answer instanceof ReplyResult) return answer;
    throw new Error(`the agent answered with task ${answer.id} (${answer.state}${answer.statusText ? `: ${answer.statusText}` : ''}), not a message`);
  }

  /**
   * Sends a message and resolves with whatever SendMessage answered: a
   * {@link ReplyResult} when the skill replied with a message, else the task
   * once it is done or waiting (as {@link send}). For skills that decide.
   */
  async answer(content: MessageContent, options: SendOptions = {}): Promise<TaskResult | ReplyResult> {
    const result = await this.#call(content, options, false);
    if (result.task !== undefined) return new TaskResult(Task.fromJSON(result.task));
    return new ReplyResult(Message.fromJSON(result.message));
  }

  /** Sends a message and resolves at once, with the task as just created (submitted): for tasks the test watches or cancels. */
  async start(content: MessageContent, options: SendOptions = {}): Promise<TaskResult> {
    return this.#send(content, options, true);
  }

  /**
   * Sends a message and streams the task's events (SendStreamingMessage):
   * the task, status updates (progress, input-required, the end), artifact
   * chunks, as the SDK's `StreamResponse`.
   */
  stream(content: MessageContent, options: SendOptions = {}): TaskStream {
    const opening = this.#params(content, options, false).then((params) => this.#rpc.stream('SendStreamingMessage', params, headersOf(options.caller)));
    return new TaskStream(opening);
  }

  /** Follows a running task's events (SubscribeToTask): first the task as it is, then what happens next. */
  subscribe(task: TaskRef, options: CallOptions = {}): TaskStream {
    return new TaskStream(this.#rpc.stream('SubscribeToTask', { id: idOf(task) }, headersOf(options.caller)));
  }

  /** Answers a task waiting for input (same task, same context); resolves once it is done or waiting again. */
  async reply(task: TaskRef, content: MessageContent, options: SendOptions = {}): Promise<TaskResult> {
    const contextId = typeof task === 'string' ? undefined : task.contextId;
    return this.send(content, { ...options, taskId: idOf(task), ...(contextId === undefined ? {} : { contextId }) });
  }

  /** Cancels a task (CancelTask) and resolves with it afterwards; the handler's `ctx.signal` aborts. */
  async cancel(task: TaskRef, options: CallOptions = {}): Promise<TaskResult> {
    return new TaskResult(Task.fromJSON(await this.#rpc.call('CancelTask', { id: idOf(task) }, headersOf(options.caller))));
  }

  /** The task as stored now (GetTask). */
  async get(task: TaskRef, options: CallOptions = {}): Promise<TaskResult> {
    return new TaskResult(Task.fromJSON(await this.#rpc.call('GetTask', { id: idOf(task) }, headersOf(options.caller))));
  }

  /**
   * Resolves with the task once it is in `state` (e.g. `'TASK_STATE_WORKING'`
   * before a cancel), following its events rather than polling. Rejects when
   * the task ends in another state first.
   */
  async waitFor(task: TaskRef, state: TaskStateName, options: CallOptions = {}): Promise<TaskResult> {
    let current = await this.get(task, options);
    if (current.state === state) return current;
    if (isFinal(current.state)) throw new Error(`task ${current.id} ended ${current.state}, not ${state}${current.statusText ? `: ${current.statusText}` : ''}`);
    try {
      for await (const event of this.subscribe(task, options)) {
        const p = event.payload;
        const seen = p?.$case === 'task' ? p.value.status?.state : p?.$case === 'statusUpdate' ? p.value.status?.state : undefined;
        if (seen !== undefined && stateNameOf(seen) === state) break;
      }
    } catch (err) {
      // Ended between the read and the subscription: the task as stored tells which way.
      if (!(err instanceof Error && err.name === 'A2ACallError')) throw err;
    }
    current = await this.get(task, options);
    if (current.state !== state) throw new Error(`task ${current.id} is ${current.state}, not ${state}${current.statusText ? `: ${current.statusText}` : ''}`);
    return current;
  }

  /** The agent's card as served (A2A v1). */
  async card(): Promise<AgentCard> {
    const response = await this.runtime.app.inject({ method: 'GET', url: `/agents/${encodeURIComponent(this.name)}/.well-known/agent-card.json`, headers: { 'a2a-version': '1.0' } });
    return AgentCard.fromJSON(response.json());
  }

  /** Writes to handed-off tasks (`ctx.handOff()`) as a worker would: progress, artifacts, complete, fail… */
  tasks(): TaskControl {
    return this.runtime.tasks(this.name);
  }

  /** Stops the runtime (running handlers are aborted), the push inbox, and removes the store. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #send(content: MessageContent, options: SendOptions, returnImmediately: boolean): Promise<TaskResult> {
    const result = await this.#call(content, options, returnImmediately);
    if (result.task === undefined) throw new Error(`SendMessage answered with a message, not a task (read it with agent.ask() or agent.answer()): ${JSON.stringify(result.message)}`);
    return new TaskResult(Task.fromJSON(result.task));
  }

  async #call(content: MessageContent, options: SendOptions, returnImmediately: boolean): Promise<{ task?: unknown; message?: unknown }> {
    const params = await this.#params(content, options, returnImmediately);
    return (await this.#rpc.call('SendMessage', params, headersOf(options.caller))) as { task?: unknown; message?: unknown };
  }

  async #params(content: MessageContent, options: SendOptions, returnImmediately: boolean): Promise<Record<string, unknown>> {
    const configuration: Record<string, unknown> = {};
    if (returnImmediately) configuration['returnImmediately'] = true;
    if (options.push) {
      const token = typeof options.push === 'object' ? options.push.token : undefined;
      configuration['taskPushNotificationConfig'] = { url: this.push.url, ...(token === undefined ? {} : { token }) };
    }
    return { message: userMessageJson(content, options), ...(Object.keys(configuration).length === 0 ? {} : { configuration }) };
  }
}

function idOf(task: TaskRef): string {
  return typeof task === 'string' ? task : task.id;
}

function headersOf(caller: AuthenticatedCaller | undefined): Record<string, string> {
  return caller === undefined ? {} : { [CALLER_HEADER]: JSON.stringify(caller) };
}

function isFinal(state: TaskStateName): boolean {
  return state === 'TASK_STATE_COMPLETED' || state === 'TASK_STATE_FAILED' || state === 'TASK_STATE_CANCELED' || state === 'TASK_STATE_REJECTED';
}
