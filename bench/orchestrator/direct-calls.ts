/**
 * The anchors of the orchestrator part: the same calls the orchestrator
 * makes, made by a plain loop. Each call goes through the official SDK's
 * JSON-RPC client built as the orchestrator builds its own (a card naming
 * the agent's URL, no card fetch) and streams (SendStreamingMessage), as the
 * orchestrator's agent caller does per step, to the task's end.
 */
import { AgentCard, SendMessageRequest, TaskState, type StreamResponse } from '@a2a-js/sdk';
import { ClientFactory, JsonRpcTransportFactory, type Client } from '@a2a-js/sdk/client';

/** One SDK client per agent URL, optionally sending a bearer token (the gateway path). */
export async function sdkClient(url: string, bearer?: string): Promise<Client> {
  const authorized: typeof fetch = bearer === undefined ? fetch : (input, init) => fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), authorization: `Bearer ${bearer}` } });
  const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: authorized })] });
  return factory.createFromAgentCard(AgentCard.fromJSON({ name: url, supportedInterfaces: [{ url, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }], capabilities: { streaming: true } }));
}

let sequence = 0;

/** Streams one call with `data` as its data part; resolves when the task ends, rejects unless it completed. */
export async function streamCall(client: Client, data: unknown): Promise<void> {
  const request = SendMessageRequest.fromJSON({ message: { messageId: `bench-direct-${process.pid}-${Date.now()}-${sequence++}`, role: 'ROLE_USER', parts: [{ data }] } });
  let state: TaskState | undefined;
  for await (const event of client.sendMessageStream(request)) state = stateOf(event) ?? state;
  if (state !== TaskState.TASK_STATE_COMPLETED) throw new Error(`a direct call ended in state ${state === undefined ? 'unknown' : TaskState[state]}`);
}

function stateOf(event: StreamResponse): TaskState | undefined {
  const payload = event.payload;
  if (payload?.$case === 'task') return payload.value.status?.state;
  if (payload?.$case === 'statusUpdate') return payload.value.status?.state;
  return undefined;
}

/** `count` calls one after another; resolves with the wall time, ms. */
export async function sequentialCalls(call: (index: number) => Promise<void>, count: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await call(i);
  return performance.now() - started;
}

/** `count` units, `concurrency` in flight at once, as the orchestrator's map runs them; resolves with the wall time, ms. */
export async function pooledCalls(call: (index: number) => Promise<void>, count: number, concurrency: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await call(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return performance.now() - started;
}
