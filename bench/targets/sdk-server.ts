/**
 * Target (b): the official `@a2a-js/sdk` server, wired as its README shows:
 * express + `jsonRpcHandler` + `DefaultRequestHandler` + `InMemoryTaskStore`.
 *
 * Version selection in SDK 1.3: the express handler reads the `A2A-Version`
 * header (absent = 0.3) and checks it against the card's
 * `supportedInterfaces[].protocolVersion` for the `JSONRPC` binding, so the
 * card declares one v1.0 JSON-RPC interface and the harness sends
 * `A2A-Version: 1.0` (A2A §3.6).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { TaskState } from '@a2a-js/sdk';
import type { AgentCard, Part } from '@a2a-js/sdk';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { AgentEvent, DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { UserBuilder, agentCardHandler, jsonRpcHandler } from '@a2a-js/sdk/server/express';
import { serveTarget } from '../serve-target.js';
import type { ScenarioName } from '../target-protocol.js';

const ANSWER_TEXT = 'lead 42 scored 87';

function textPart(text: string): Part {
  return { content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: '' };
}

function now(): string {
  return new Date().toISOString();
}

/**
 * SendMessage: Task (working) → artifact → completed, i.e. "a completed task
 * carrying one text artifact". Streaming: Task (submitted) → working →
 * artifact → completed, the 4 events of the streaming scenario (A2A §3.1.2).
 */
function createExecutor(scenario: ScenarioName): AgentExecutor {
  return {
    execute: async (requestContext: RequestContext, bus: ExecutionEventBus): Promise<void> => {
      const { taskId, contextId } = requestContext;
      const streaming = scenario === 'streaming';
      bus.publish(
        AgentEvent.task({
          id: taskId,
          contextId,
          status: {
            state: streaming ? TaskState.TASK_STATE_SUBMITTED : TaskState.TASK_STATE_WORKING,
            message: undefined,
            timestamp: now(),
          },
          artifacts: [],
          history: [requestContext.userMessage],
          metadata: undefined,
        }),
      );
      if (streaming) {
        bus.publish(
          AgentEvent.statusUpdate({
            taskId,
            contextId,
            status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: now() },
            metadata: undefined,
          }),
        );
      }
      bus.publish(
        AgentEvent.artifactUpdate({
          taskId,
          contextId,
          artifact: {
            artifactId: randomUUID(),
            name: 'answer',
            description: '',
            parts: [textPart(ANSWER_TEXT)],
            metadata: undefined,
            extensions: [],
          },
          append: false,
          lastChunk: true,
          metadata: undefined,
        }),
      );
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId,
          status: { state: TaskState.TASK_STATE_COMPLETED, message: undefined, timestamp: now() },
          metadata: undefined,
        }),
      );
      bus.finished();
    },
    cancelTask: async (taskId: string, bus: ExecutionEventBus): Promise<void> => {
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId: '',
          status: { state: TaskState.TASK_STATE_CANCELED, message: undefined, timestamp: now() },
          metadata: undefined,
        }),
      );
      bus.finished();
    },
  };
}

function createCard(): AgentCard {
  return {
    name: 'bench',
    description: 'Benchmark agent',
    // The URL is filled in once the port is known; version checks only read protocolVersion.
    supportedInterfaces: [{ url: '', protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' }],
    provider: undefined,
    version: '1.0.0',
    capabilities: { streaming: true, pushNotifications: false, extensions: [] },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [
      {
        id: 'echo',
        name: 'echo',
        description: 'Answers with one text artifact',
        tags: ['bench'],
        examples: [],
        inputModes: [],
        outputModes: [],
        securityRequirements: [],
      },
    ],
    signatures: [],
  };
}

/**
 * The gRPC scenario: the SDK's own gRPC server (`grpcService` on a grpc-js
 * server, as its README shows) over the same request handler, store and
 * executor; the card declares a v1.0 GRPC interface, which its version check reads.
 */
async function serveGrpc(card: AgentCard, requestHandler: DefaultRequestHandler): Promise<{ url: string; close: () => Promise<void> }> {
  const grpc = await import('@grpc/grpc-js');
  const { A2AService, grpcService, UserBuilder: GrpcUserBuilder } = await import('@a2a-js/sdk/server/grpc');
  const server = new grpc.Server();
  server.addService(A2AService, grpcService({ requestHandler, userBuilder: GrpcUserBuilder.noAuthentication }) as unknown as UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))));
  const url = `127.0.0.1:${port}`;
  card.supportedInterfaces = [{ url, protocolBinding: 'GRPC', tenant: '', protocolVersion: '1.0' }];
  return { url, close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

serveTarget(async ({ scenario }) => {
  const card = createCard();
  const requestHandler = new DefaultRequestHandler(card, new InMemoryTaskStore(), createExecutor(scenario));
  if (scenario === 'grpc-send') return serveGrpc(card, requestHandler);
  const app = express();
  app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: requestHandler }));
  app.use('/', jsonRpcHandler({ requestHandler, userBuilder: UserBuilder.noAuthentication }));
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  const iface = card.supportedInterfaces[0];
  if (iface) iface.url = url;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
});
