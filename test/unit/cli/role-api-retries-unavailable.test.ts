/**
 * The CLI's client of agentmesh's own APIs (src/cli/role-apis/role-api.ts)
 * sends a call the role answered 503 ("retry shortly") again, only when the
 * call may be repeated, within its waits and the command's deadline; against
 * a real HTTP server that answers with the roles' own error body.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { retryLine } from '../../../src/cli/client/role-command.js';
import { RoleApi, type RoleRetryNotice } from '../../../src/cli/role-apis/role-api.js';
import { renderHttpError } from '../../../src/http/errors/render-http-error.js';
import { Errors } from '../../../src/protocol/error-messages.js';
import { ErrorCodes, isAgentmeshError } from '../../../src/protocol/errors.js';

/** What the server answers next, by request; when the script runs out, 200 {"ok":true}. */
let script: Array<{ status: number; headers?: Record<string, string> }> = [];
let seen: Array<{ method: string; body: string }> = [];
let server: Server;
let url = '';

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, body });
      const next = script.shift();
      if (next === undefined || next.status === 200) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      // The body agentmesh's HTTP APIs answer with (the gateway's management and credit routes).
      const { statusCode, body: error } = renderHttpError(Errors.storageUnavailableOfRequest({ requestId: `r${seen.length}` }), `r${seen.length}`);
      res.writeHead(next.status === 503 ? statusCode : next.status, { 'content-type': 'application/json', ...next.headers }).end(JSON.stringify(error));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => server.close());

function api(options: { retryDelaysMs?: number[]; signal?: AbortSignal } = {}): { api: RoleApi; notices: RoleRetryNotice[] } {
  const notices: RoleRetryNotice[] = [];
  script = [];
  seen = [];
  return { api: new RoleApi({ url, role: 'gateway', retryDelaysMs: [1, 1, 1], onRetry: (notice) => notices.push(notice), ...options }), notices };
}

describe('a call answered 503 by a role', () => {
  it('is sent again when it may be repeated (GET), and the answer after the outage is returned', async () => {
    const { api: gateway, notices } = api();
    script = [{ status: 503 }, { status: 503 }];
    assert.deepEqual(await gateway.json('GET', '/v1/tenants/acme/credits?x=1'), { ok: true });
    assert.equal(seen.length, 3);
    assert.deepEqual(
      notices.map((n) => [n.retry, n.retries, n.method, n.path, n.message]),
      [
        [1, 3, 'GET', '/v1/tenants/acme/credits', 'A store this call needs is unavailable right now; retry shortly (request id r1)'],
        [2, 3, 'GET', '/v1/tenants/acme/credits', 'A store this call needs is unavailable right now; retry shortly (request id r2)'],
      ],
    );
    assert.equal(retryLine(notices[0]!), 'gateway answered 503 to GET /v1/tenants/acme/credits: A store this call needs is unavailable right now; retry shortly (request id r1); retrying in 0.0 s (1 of 3)');
  });

  it('is sent once when it is a POST nobody marked idempotent (a second one could create twice)', async () => {
    const { api: gateway, notices } = api();
    script = [{ status: 503 }];
    const failure = await gateway.json('POST', '/v1/clients', { name: 'app' }).then(
      () => assert.fail('a 503 is a failure'),
      (err: unknown) => err,
    );
    assert.ok(isAgentmeshError(failure));
    assert.equal(failure.code, ErrorCodes.STORAGE_UNAVAILABLE);
    assert.equal(failure.retryable, true, 'the caller is told it may retry');
    assert.equal(seen.length, 1);
    assert.equal(notices.length, 0);
  });

  it('is sent again, body and all, when its client marks the POST idempotent (a top-up by its reference)', async () => {
    const { api: gateway } = api();
    script = [{ status: 503 }];
    await gateway.json('POST', '/v1/tenants/acme/credits/topups', { milliCredits: 5, reference: 'inv-1' }, { idempotent: true });
    assert.deepEqual(seen, [
      { method: 'POST', body: '{"milliCredits":5,"reference":"inv-1"}' },
      { method: 'POST', body: '{"milliCredits":5,"reference":"inv-1"}' },
    ]);
  });

  it('fails with the last answer once every retry was answered 503', async () => {
    const { api: gateway, notices } = api();
    script = [{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }];
    await assert.rejects(gateway.json('GET', '/v1/approvals'), (err: unknown) => isAgentmeshError(err) && /request id r4\b/.test(err.message));
    assert.equal(seen.length, 4, 'the call and its three retries');
    assert.equal(notices.length, 3);
  });

  it('is not sent again for any other 5xx, nor for a 4xx', async () => {
    for (const status of [500, 502, 504, 429, 409]) {
      const { api: gateway } = api();
      script = [{ status }];
      await assert.rejects(gateway.json('GET', '/v1/approvals'));
      assert.equal(seen.length, 1, `HTTP ${status}`);
    }
  });

  it("waits as long as the answer's Retry-After asks, when that is longer than its own wait", async () => {
    const { api: gateway, notices } = api();
    script = [{ status: 503, headers: { 'retry-after': '1' } }];
    const started = performance.now();
    await gateway.json('GET', '/v1/approvals');
    assert.equal(notices[0]?.delayMs, 1000);
    assert.ok(performance.now() - started >= 990, 'it waited the second it was asked to');
  });

  it('gives up a wait at the command deadline instead of waiting it out', async () => {
    const deadline = new AbortController();
    const { api: gateway, notices } = api({ retryDelaysMs: [60_000], signal: deadline.signal });
    script = [{ status: 503 }];
    const sent = gateway.json('GET', '/v1/approvals');
    // The deadline fires once the role has answered and the client waits to send again.
    while (notices.length === 0) await new Promise((resolve) => setImmediate(resolve));
    deadline.abort(new Error('deadline'));
    await assert.rejects(sent, /deadline/);
    assert.equal(seen.length, 1, 'nothing was sent after the deadline');
  });
});
