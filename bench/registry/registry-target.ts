/**
 * Child process of the registry benchmark: an agentmesh registry on its
 * embedded SQLite store (or, as the anchor, a bare node:http server answering
 * one fixed search response). Reports its URL over IPC; exits on `stop`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistry } from '../../src/registry/index.js';

type Start = { type: 'start'; kind: 'registry'; dataDir: string } | { type: 'start'; kind: 'bare'; body: string };

process.on('message', async (message: Start | { type: 'stop' }) => {
  if (message.type === 'stop') process.exit(0);
  if (message.kind === 'registry') {
    const registry = await createRegistry({ config: { port: 0, host: '127.0.0.1', dataDir: message.dataDir, logLevel: 'silent', probeIntervalMs: 3_600_000 } });
    const { url } = await registry.listen();
    process.send?.({ type: 'ready', url });
    return;
  }
  const body = Buffer.from(message.body);
  const server = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
});
process.on('disconnect', () => process.exit(0));
