/**
 * A data-plane server parsed by node:http's server or the llhttp front (argv[2]) in a process of its own,
 * started with --expose-gc, so that a test can ask what the server keeps: `GET /memory` collects garbage
 * first and answers the process's bytes (its heap, and what its objects hold outside it: buffers), so
 * garbage not yet collected is never counted. `/plane/held`
 * answers an event stream that never ends; any other plane request `ok`. Prints `listening <port>`, and
 * exits when its stdin closes (its parent is gone).
 */
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { DataPlaneRoute } from '../../../src/http/index.js';
import { testServer } from './test-server.js';

const kind = process.argv[2] === 'llhttp' ? 'llhttp' : 'node';
const route: DataPlaneRoute = {
  prefix: '/plane/',
  routeLabel: () => '/plane/*',
  handle: async (request, reply) => {
    if (request.url === '/plane/held') {
      const body = new Readable({ read() {} });
      body.push('data: 1\n\n');
      reply.header('content-type', 'text/event-stream').send(body);
      return;
    }
    reply.send('ok');
  },
};
const s = testServer({ dataPlane: route, dataPlaneServer: kind, bodyLimitBytes: 64 * 1024 });
s.app.get('/memory', async () => {
  if (gc === undefined) throw new Error('started without --expose-gc');
  // The backing stores of collected buffers are released a collection or two after the buffers themselves:
  // collected five times, a turn apart, before what is kept is read.
  for (let round = 0; round < 5; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { heapUsed, external } = process.memoryUsage();
  return { heapUsed, external };
});
await s.app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`listening ${(s.app.server.address() as AddressInfo).port}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
