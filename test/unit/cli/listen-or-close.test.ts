import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { listenOrClose } from '../../../src/cli/serving/listen-or-close.js';
import { ErrorCodes } from '../../../src/protocol/errors.js';

/** A role that listens with a real socket on `host`:`port`, as the roles do. */
function role(host: string, port: number) {
  const server: Server = createServer();
  let closed = false;
  return {
    listen: async () => {
      server.listen(port, host);
      await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err as Error))]);
      return server.address();
    },
    close: async () => {
      closed = true;
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
    closed: () => closed,
  };
}

const owner = [{ port: 0, component: 'the registry', option: '--port (env REGISTRY_PORT)' }];

describe('a listen the host refuses', () => {
  test('an address no interface of this host has names the component and --host, and closes the role', async () => {
    const r = role('10.254.254.254', 0);
    await assert.rejects(listenOrClose(r, owner), {
      code: ErrorCodes.CONFIG_INVALID,
      message: 'the registry cannot listen on 10.254.254.254: no interface of this host has that address; give --host (env HOST) an address of this host: 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of its own',
    });
    assert.equal(r.closed(), true);
  });

  test('a host name that resolves to nothing names the name and --host, not getaddrinfo', async () => {
    await assert.rejects(listenOrClose(role('agentmesh-no-such-host.invalid', 0), owner), {
      code: ErrorCodes.CONFIG_INVALID,
      message: /^the registry cannot listen on agentmesh-no-such-host\.invalid: that name does not resolve to an address; give --host \(env HOST\)/,
    });
  });

  test('a port in use still names the option that moves it', async () => {
    const first = role('127.0.0.1', 0);
    const { port } = (await first.listen()) as { port: number };
    try {
      await assert.rejects(listenOrClose(role('127.0.0.1', port), [{ ...owner[0]!, port }]), { message: new RegExp(`^the registry cannot listen on 127\\.0\\.0\\.1:${port}: the address is in use .*--port \\(env REGISTRY_PORT\\)`) });
    } finally {
      await first.close();
    }
  });
});
