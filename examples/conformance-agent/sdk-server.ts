/**
 * The same scenarios as agent.ts, served by the official `@a2a-js/sdk` server
 * alone (no agentmesh): the comparison the conformance figures are read
 * against (docs/conformance.md, "The official conformance suite"). Its card
 * declares what the suite's own reference agent declares (streaming, no push
 * notifications); its store is the SDK's in-memory one.
 *
 *   node examples/conformance-agent/sdk-server.ts     (prints "listening on <url>")
 */
import { createServer } from 'node:net';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import express from 'express';
import { A2A_PROTOCOL_VERSION, Role, TaskState, type AgentCard, type Message, type Part } from '@a2a-js/sdk';
import { AgentEvent, DefaultRequestHandler, InMemoryTaskStore, type AgentExecutor, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import { A2AService, grpcService } from '@a2a-js/sdk/server/grpc';

type Emit = { bus: ExecutionEventBus; taskId: string; contextId: string };

const text = (value: string): Part => ({ content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' });
const FILE: Part = { content: { $case: 'raw', value: Buffer.from('tck') }, metadata: undefined, filename: 'output.txt', mediaType: 'text/plain' };
const FILE_URL: Part = { content: { $case: 'url', value: 'https://example.com/output.txt' }, metadata: undefined, filename: 'output.txt', mediaType: 'text/plain' };
const DATA: Part = { content: { $case: 'data', value: { key: 'value', count: 42 } }, metadata: undefined, filename: '', mediaType: '' };

function agentMessage(e: Emit, parts: Part[], withTask = true): Message {
  return { role: Role.ROLE_AGENT, messageId: crypto.randomUUID(), parts, taskId: withTask ? e.taskId : '', contextId: e.contextId, extensions: [], metadata: {}, referenceTaskIds: [] };
}

function status(e: Emit, state: TaskState, message?: Message): void {
  e.bus.publish(AgentEvent.statusUpdate({ taskId: e.taskId, contextId: e.contextId, status: { state, message, timestamp: new Date().toISOString() }, metadata: {} }));
}

let artifacts = 0;
function artifact(e: Emit, parts: Part[], chunk: { artifactId?: string; append?: boolean; lastChunk?: boolean } = {}): void {
  const artifactId = chunk.artifactId ?? `artifact-${(artifacts += 1)}`;
  e.bus.publish(AgentEvent.artifactUpdate({ taskId: e.taskId, contextId: e.contextId, artifact: { artifactId, name: 'output', description: '', parts, metadata: {}, extensions: [] }, append: chunk.append ?? false, lastChunk: chunk.lastChunk ?? false, metadata: {} }));
}

/** Prefix to behaviour, as the suite's scenarios (and agent.ts) say; most specific first. */
const SCENARIOS: ReadonlyArray<readonly [string, (e: Emit) => Promise<void> | void]> = [
  ['tck-stream-artifact-chunked', (e) => { status(e, TaskState.TASK_STATE_WORKING); artifact(e, [text('chunk-1 ')], { artifactId: 'chunked' }); artifact(e, [text('chunk-2')], { artifactId: 'chunked', append: true, lastChunk: true }); status(e, TaskState.TASK_STATE_COMPLETED); }],
  ['test-resubscribe-message-id', async (e) => { status(e, TaskState.TASK_STATE_WORKING); await new Promise((r) => setTimeout(r, 4_000)); status(e, TaskState.TASK_STATE_COMPLETED); }],
  ['tck-stream-artifact-text', (e) => streamed(e, text('Streamed text content'))],
  ['tck-stream-artifact-file', (e) => streamed(e, FILE)],
  ['tck-stream-ordering-001', (e) => streamed(e, text('Ordered output'))],
  ['tck-artifact-file-url', (e) => { artifact(e, [FILE_URL]); status(e, TaskState.TASK_STATE_COMPLETED); }],
  ['tck-input-required', (e) => status(e, TaskState.TASK_STATE_INPUT_REQUIRED, agentMessage(e, [text('Input required')]))],
  ['tck-complete-task', (e) => status(e, TaskState.TASK_STATE_COMPLETED, agentMessage(e, [text('Hello from TCK')]))],
  ['tck-artifact-text', (e) => { artifact(e, [text('Generated text content')]); status(e, TaskState.TASK_STATE_COMPLETED); }],
  ['tck-artifact-file', (e) => { artifact(e, [FILE]); status(e, TaskState.TASK_STATE_COMPLETED); }],
  ['tck-artifact-data', (e) => { artifact(e, [DATA]); status(e, TaskState.TASK_STATE_COMPLETED); }],
  ['tck-reject-task', (e) => status(e, TaskState.TASK_STATE_REJECTED, agentMessage(e, [text('rejected')]))],
  ['tck-stream-001', (e) => streamed(e, text('Stream hello from TCK'))],
  ['tck-stream-002', (e) => status(e, TaskState.TASK_STATE_COMPLETED)],
  ['tck-stream-003', (e) => streamed(e, text('Stream task lifecycle'))],
];

function streamed(e: Emit, part: Part): void {
  status(e, TaskState.TASK_STATE_WORKING);
  artifact(e, [part]);
  status(e, TaskState.TASK_STATE_COMPLETED);
}

const executor: AgentExecutor = {
  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const message = ctx.userMessage;
    const e: Emit = { bus, taskId: ctx.taskId, contextId: ctx.contextId };
    if (message.messageId.startsWith('tck-message-response')) {
      // A2A §3.1.1: a Message, and no task.
      bus.publish(AgentEvent.message(agentMessage(e, [text('Direct message response')], false)));
      bus.finished();
      return;
    }
    // Every turn opens with the task (the SDK's rule for executors).
    bus.publish(AgentEvent.task(ctx.task ?? { id: ctx.taskId, contextId: ctx.contextId, status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: new Date().toISOString() }, artifacts: [], history: [message], metadata: {} }));
    const scenario = SCENARIOS.find(([prefix]) => message.messageId.startsWith(prefix));
    if (scenario) await scenario[1](e);
    else status(e, TaskState.TASK_STATE_COMPLETED, agentMessage(e, [text(`Unhandled messageId prefix: ${message.messageId}`)]));
    bus.finished();
  },
  async cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    bus.publish(AgentEvent.statusUpdate({ taskId, contextId: '', status: { state: TaskState.TASK_STATE_CANCELED, message: undefined, timestamp: new Date().toISOString() }, metadata: {} }));
    bus.finished();
  },
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const [httpPort, grpcPort] = [await freePort(), await freePort()];
const base = `http://localhost:${httpPort}`;
const card: AgentCard = {
  name: 'tck-sdk',
  description: 'The conformance scenarios on the official @a2a-js/sdk server, for comparison.',
  version: '1.0.0',
  supportedInterfaces: [
    { url: `${base}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: A2A_PROTOCOL_VERSION },
    { url: `${base}/a2a/rest`, protocolBinding: 'HTTP+JSON', tenant: '', protocolVersion: A2A_PROTOCOL_VERSION },
    { url: `localhost:${grpcPort}`, protocolBinding: 'GRPC', tenant: '', protocolVersion: A2A_PROTOCOL_VERSION },
  ],
  provider: undefined,
  documentationUrl: undefined,
  iconUrl: undefined,
  securitySchemes: {},
  securityRequirements: [],
  signatures: [],
  capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
  defaultInputModes: ['text'],
  defaultOutputModes: ['text'],
  skills: [{ id: 'tck', name: 'TCK Conformance', description: 'Handles the conformance suite messages.', tags: ['tck'], examples: [], inputModes: [], outputModes: [], securityRequirements: [] }],
};
const requestHandler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
const app = express();
app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: requestHandler }));
app.use('/a2a/jsonrpc', jsonRpcHandler({ requestHandler, userBuilder: UserBuilder.noAuthentication }));
app.use('/a2a/rest', restHandler({ requestHandler, userBuilder: UserBuilder.noAuthentication }));
await new Promise<void>((resolve) => app.listen(httpPort, '127.0.0.1', () => resolve()));
const grpc = new Server();
grpc.addService(A2AService, grpcService({ requestHandler, userBuilder: UserBuilder.noAuthentication }));
await new Promise<void>((resolve, reject) => grpc.bindAsync(`127.0.0.1:${grpcPort}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
process.stdout.write(`listening on ${base}\n`);
process.once('SIGTERM', () => grpc.tryShutdown(() => process.exit(0)));
