/**
 * SendMessage over gRPC (A2A §10): a check of one real answer, then the load.
 * autocannon speaks HTTP/1.1 only, so this drives `@grpc/grpc-js` itself:
 * `connections` calls kept in flight over as many channels (one HTTP/2
 * connection each, as autocannon keeps one TCP connection per slot), the same
 * request for every target, a discarded warm-up, then the measured run.
 * The figures have the shape autocannon's have ({@link LoadResult}).
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { SendMessageRequest, type SendMessageResponse } from '@a2a-js/sdk';
import { A2AService } from '@a2a-js/sdk/server/grpc';
import type { LoadResult, MeasureOptions } from './load.js';

const COMPLETED = 3;
const VERIFY_TIMEOUT_MS = 10_000;

type SendMessageClient = grpc.Client & {
  sendMessage(request: SendMessageRequest, metadata: grpc.Metadata, callback: (err: grpc.ServiceError | null, response?: SendMessageResponse) => void): grpc.ClientUnaryCall;
};

const ClientConstructor = grpc.makeGenericClientConstructor(A2AService, 'A2AService') as unknown as new (target: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => SendMessageClient;

/** The same request as the HTTP scenarios (a2a-requests.ts), a fresh messageId each time (both servers de-duplicate on it). */
function request(): SendMessageRequest {
  return SendMessageRequest.fromJSON({ message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'score lead 42' }] } });
}

function metadata(): grpc.Metadata {
  const m = new grpc.Metadata();
  m.set('a2a-version', '1.0');
  return m;
}

/** A completed task with one text artifact: what the scenario asks of every target. */
function isCompletedTask(response: SendMessageResponse | undefined): boolean {
  const payload = response?.payload;
  return payload?.$case === 'task' && payload.value.status?.state === COMPLETED && payload.value.artifacts.length === 1 && payload.value.artifacts[0]?.parts[0]?.content?.$case === 'text';
}

function call(client: SendMessageClient): Promise<{ ok: boolean; error?: grpc.ServiceError; bytes: number }> {
  return new Promise((resolve) => {
    client.sendMessage(request(), metadata(), (err, response) => {
      if (err) resolve({ ok: false, error: err, bytes: 0 });
      else resolve({ ok: isCompletedTask(response), bytes: response ? A2AService.sendMessage.responseSerialize(response).length : 0 });
    });
  });
}

/** One SendMessage over gRPC must answer a completed task with one text artifact. */
export async function verifyGrpcSendMessage({ target }: { target: string }): Promise<{ bytes: number }> {
  const client = new ClientConstructor(target, grpc.credentials.createInsecure());
  try {
    const outcome = await Promise.race([
      call(client),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no gRPC answer from ${target} in ${VERIFY_TIMEOUT_MS} ms`)), VERIFY_TIMEOUT_MS).unref()),
    ]);
    if (outcome.error) throw new Error(`gRPC SendMessage failed: ${outcome.error.code} ${outcome.error.details}`);
    if (!outcome.ok) throw new Error('gRPC SendMessage did not answer a completed task with one text artifact');
    return { bytes: outcome.bytes };
  } finally {
    client.close();
  }
}

/** Keeps `connections` calls in flight for `durationS` seconds. */
async function runGrpcLoad({ target, connections, durationS }: { target: string; connections: number; durationS: number }): Promise<LoadResult> {
  // One channel per slot: grpc-js would otherwise multiplex every call on one connection.
  const clients = Array.from({ length: connections }, () => new ClientConstructor(target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
  const latencies: number[] = [];
  let errors = 0;
  let timeouts = 0;
  let mismatches = 0;
  const started = performance.now();
  const endAt = started + durationS * 1000;
  try {
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < endAt) {
          const t0 = performance.now();
          const outcome = await call(client);
          latencies.push(performance.now() - t0);
          if (outcome.error) {
            errors++;
            if (outcome.error.code === grpc.status.DEADLINE_EXCEEDED) timeouts++;
          } else if (!outcome.ok) mismatches++;
        }
      }),
    );
  } finally {
    for (const client of clients) client.close();
  }
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return {
    requestsPerSec: latencies.length / elapsedS,
    // Whole milliseconds, as autocannon reports them.
    p50Ms: Math.round(pct(50)),
    p99Ms: Math.round(pct(99)),
    totalRequests: latencies.length,
    durationS: elapsedS,
    errors,
    timeouts,
    non2xx: 0,
    mismatches,
  };
}

/** Warm-up (discarded), then the measured run with the target's CPU sampled around it. */
export async function measureGrpc({ target, connections, warmupS, durationS, cpuMicros }: Omit<MeasureOptions, 'url' | 'scenario'> & { target: string }): Promise<LoadResult> {
  if (warmupS > 0) await runGrpcLoad({ target, connections, durationS: warmupS });
  const before = await cpuMicros?.();
  const result = await runGrpcLoad({ target, connections, durationS });
  if (cpuMicros === undefined || before === undefined || result.totalRequests === 0) return result;
  return { ...result, cpuMicrosPerRequest: ((await cpuMicros()) - before) / result.totalRequests };
}
