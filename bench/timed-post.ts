import { request, type Agent } from 'node:http';

/**
 * POSTs the JSON `body` to `target` over `agent` (with `headers` added),
 * reads the whole answer and gives its status and how long the call took, ms
 * on the high-resolution clock: one call of the benches that time calls one
 * at a time on one kept-alive connection.
 */
export async function timedPost(agent: Agent, target: URL, body: string, headers: Record<string, string> = {}): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
  return { status, ms: performance.now() - started };
}
