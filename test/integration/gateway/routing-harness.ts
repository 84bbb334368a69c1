import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildHttpServer } from '../../../src/http/index.js';
import { createUpstreamRouter, type ForwardResult, type UpstreamRouter, type UpstreamRouterOptions } from '../../../src/gateway/routing/index.js';
import { createLogger, createMetrics, type Metrics } from '../../../src/observability/index.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';
export { freePort } from '../../helpers/free-port.js';

/**
 * A router over a real registry, and a small Fastify app (the shared HTTP
 * bootstrap, as the gateway uses it) that forwards `/agents/{name}/…`
 * through it, recording each forward's result.
 */
export async function startRouterApp(
  registryUrl: string,
  options: Partial<UpstreamRouterOptions> & { idempotent?: (method: string, body: Buffer | undefined) => boolean; extraHeaders?: Record<string, string>; tap?: (chunk: Buffer) => void; halfClose?: 'answer' | 'end' } = {},
): Promise<{ router: UpstreamRouter; app: FastifyInstance; url: string; metrics: Metrics; results: ForwardResult[]; logs: Array<{ msg: string; [key: string]: unknown }>; close: () => Promise<void> }> {
  // The router's log lines, kept for assertions (ROUTING_TEST_LOG=debug prints them too).
  const logs: Array<{ msg: string; [key: string]: unknown }> = [];
  const echo = process.env.ROUTING_TEST_LOG !== undefined;
  const logger = createLogger({
    level: process.env.ROUTING_TEST_LOG ?? 'info',
    destination: {
      write(line: string) {
        logs.push(JSON.parse(line) as { msg: string });
        if (echo) process.stderr.write(line);
      },
    },
  });
  const metrics = createMetrics({ defaultMetrics: false });
  const router = createUpstreamRouter({ registryUrl, logger, metrics, ...options });
  await router.start();
  const app = buildHttpServer({ name: 'gateway', version: 'test', logger, metrics, requestTimeoutMs: 60_000, handlerTimeoutMs: 0, ...(options.halfClose !== undefined && { halfClose: options.halfClose }) });
  const results: ForwardResult[] = [];
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    const handler = async (request: { method: string; url: string; params: unknown; body: unknown }, reply: Parameters<UpstreamRouter['forward']>[1]) => {
      const params = request.params as { name: string; '*'?: string };
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : undefined;
      const body = request.body as Buffer | undefined;
      const result = await router.forward(
        {
          agent: params.name,
          method: request.method,
          path: `/${params['*'] ?? ''}`,
          query,
          headers: options.extraHeaders ?? {},
          body,
          idempotent: options.idempotent?.(request.method, body) ?? false,
          tap: options.tap,
        },
        reply,
      );
      results.push(result);
      return reply;
    };
    scope.all('/agents/:name', handler);
    scope.all('/agents/:name/*', handler);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    router,
    app,
    url,
    metrics,
    results,
    logs,
    close: () => closeInTurn(app, router),
  };
}

/** A plain HTTP server standing in for an agent instance whose behaviour a test controls. */
export async function startUpstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (taken from the OS, then released). */
/**
 * A TCP relay in front of a server. `cut()` ends every relayed connection
 * and holds the new ones (accepted, not yet relayed) until `release()`:
 * a client that reconnects at once finds the server reachable, only later.
 */
export async function startRelay(target: string): Promise<{ url: string; cut: () => void; release: () => void; held: () => number; close: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  const live = new Set<net.Socket>();
  let holding = false;
  const waiting: net.Socket[] = [];
  const relay = (client: net.Socket) => {
    const server = net.connect(Number(port), hostname);
    live.add(client).add(server);
    const end = () => {
      client.destroy();
      server.destroy();
      live.delete(client);
      live.delete(server);
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
    client.pipe(server).pipe(client);
  };
  const proxy = net.createServer((client) => {
    if (holding) {
      client.pause();
      waiting.push(client);
    } else relay(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    cut: () => {
      holding = true;
      for (const socket of live) socket.destroy();
    },
    release: () => {
      holding = false;
      for (const client of waiting.splice(0)) {
        relay(client);
        client.resume();
      }
    },
    held: () => waiting.length,
    close: async () => {
      for (const socket of [...live, ...waiting]) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

/** JSON-RPC call through the router app. */
export async function rpcVia(url: string, agent: string, method: string, params: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${url}/agents/${agent}`, { method: 'POST', headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, headers: response.headers };
}
