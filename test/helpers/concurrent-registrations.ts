/**
 * Registers `total` agents through `PUT /v1/agents/{name}`, `writers` at a
 * time, each on its own keep-alive connection, and times every request: what
 * a fleet whose agents start together, or an operator importing a catalogue,
 * does to a registry.
 */
import { Agent, request } from 'node:http';
import { sampleCard } from './registry-fixture.js';

export interface RegistrationTimes {
  /** Every request's duration, ms, sorted. */
  times: number[];
  /** Wall time of the whole run, ms. */
  wallMs: number;
  /** Answers other than 200/201, with their status. */
  failures: Array<{ name: string; status: number }>;
  at(quantile: number): number;
}

function put(agent: Agent, target: URL, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path, method: 'PUT', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function registerConcurrently(url: string, { writers, total, prefix = 'writer' }: { writers: number; total: number; prefix?: string }): Promise<RegistrationTimes> {
  const target = new URL(url);
  const times: number[] = [];
  const failures: RegistrationTimes['failures'] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (let i = next++; i < total; i = next++) {
          const name = `${prefix}-${i}`;
          const body = JSON.stringify({ card: sampleCard(name) });
          const t0 = performance.now();
          const status = await put(agent, target, `/v1/agents/${name}`, body);
          times.push(performance.now() - t0);
          if (status !== 200 && status !== 201) failures.push({ name, status });
        }
      } finally {
        agent.destroy();
      }
    }),
  );
  const wallMs = performance.now() - started;
  times.sort((a, b) => a - b);
  return { times, wallMs, failures, at: (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))]! };
}
