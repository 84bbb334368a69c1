/**
 * Target (a): bare `node:http` answering a fixed body. This is the ceiling
 * for any Node HTTP server on this machine: it reads the request and writes
 * the SDK's own SendMessage response bytes, doing no A2A work at all.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveTarget } from '../serve-target.js';

serveTarget(async ({ fixedBody }) => {
  if (fixedBody === undefined) {
    throw new Error('bare-http needs the fixed body captured from the SDK target');
  }
  const body = Buffer.from(fixedBody, 'utf8');
  const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) };
  const server = createServer((req, res) => {
    // Consume the request body like a real server would before answering.
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, headers);
      res.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
});
