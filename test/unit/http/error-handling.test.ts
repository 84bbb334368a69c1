import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentmeshError, ErrorCodes } from '../../../src/protocol/errors.js';
import { gate, testServer } from './test-server.js';

const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';

/** The google.rpc.Status body the root scope answers an error with: its HTTP code, status name, message and details. */
function statusBody(code: number, status: string, message: string, details: unknown[]): { error: Record<string, unknown> } {
  return { error: { code, status, message, details } };
}

describe('error rendering of the root scope', () => {
  test('answers 413 with a JSON body when the body is over the limit', async (t) => {
    const { app } = testServer({ bodyLimitBytes: 64 });
    t.after(() => app.close());
    app.post('/in', async () => ({ ok: true }));
    const res = await app.inject({ method: 'POST', url: '/in', payload: { text: 'x'.repeat(200) } });
    assert.equal(res.statusCode, 413);
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    const body = res.json();
    assert.equal(body.error.code, 413);
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    assert.equal(body.error.message, 'Request body is larger than the server accepts');
    assert.deepEqual(body.error.details[0], {
      '@type': ERROR_INFO,
      reason: 'AM_ERR_HTTP_BODY_TOO_LARGE',
      domain: 'agentmesh.dev',
      metadata: { requestId: res.headers['x-request-id'] },
    });
  });

  test('answers 400 with a JSON body for malformed JSON, and keeps serving', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    app.post('/in', async (request) => request.body);
    const bad = await app.inject({ method: 'POST', url: '/in', headers: { 'content-type': 'application/json' }, payload: '{"a": ' });
    assert.equal(bad.statusCode, 400);
    const body = bad.json();
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    assert.match(body.error.message, /^Request body is not valid JSON/);
    assert.equal(body.error.details[0].reason, 'AM_ERR_PROTOCOL_PARSE');
    assert.deepEqual(body.error.details[1], { '@type': ERROR_INFO, reason: 'PARSE_ERROR', domain: 'a2a-protocol.org', metadata: {} });

    const empty = await app.inject({ method: 'POST', url: '/in', headers: { 'content-type': 'application/json' }, payload: '' });
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.json().error.details[0].reason, 'AM_ERR_PROTOCOL_PARSE');

    const good = await app.inject({ method: 'POST', url: '/in', payload: { a: 1 } });
    assert.deepEqual(good.json(), { a: 1 });
  });

  test('answers 415 for an unsupported media type', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    app.post('/in', async () => ({ ok: true }));
    const res = await app.inject({ method: 'POST', url: '/in', headers: { 'content-type': 'application/x-weird' }, payload: 'x' });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().error.details[0].reason, 'AM_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE');
  });

  test('answers 404 in the same shape, without echoing the query string', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    const res = await app.inject({ method: 'GET', url: '/nowhere?token=SECRET' });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), statusBody(404, 'NOT_FOUND', 'Route GET /nowhere not found', [{ '@type': ERROR_INFO, reason: 'AM_ERR_HTTP_NOT_FOUND', domain: 'agentmesh.dev', metadata: { requestId: res.headers['x-request-id'] } }]));
  });

  test('renders a thrown AgentmeshError with its status, details and A2A reason', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    app.get('/tasks/:id', async (request) => {
      const { id } = request.params as { id: string };
      throw new AgentmeshError(ErrorCodes.TASK_NOT_FOUND, `Task ${id} was not found`, { details: { taskId: id } });
    });
    const res = await app.inject({ method: 'GET', url: '/tasks/t-1', headers: { 'x-request-id': 'req-404' } });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(
      res.json(),
      statusBody(404, 'NOT_FOUND', 'Task t-1 was not found', [
        { '@type': ERROR_INFO, reason: 'AM_ERR_TASK_NOT_FOUND', domain: 'agentmesh.dev', metadata: { taskId: 't-1', requestId: 'req-404' } },
        { '@type': ERROR_INFO, reason: 'TASK_NOT_FOUND', domain: 'a2a-protocol.org', metadata: { taskId: 't-1' } },
      ]),
    );
  });

  test('hides an unknown error behind a generic 500 and logs the detail', async (t) => {
    const { app, logs } = testServer();
    t.after(() => app.close());
    app.get('/boom', async () => {
      throw new Error('password=hunter2 in connection string');
    });
    const res = await app.inject({ method: 'GET', url: '/boom', headers: { 'x-request-id': 'req-500' } });
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), statusBody(500, 'INTERNAL', 'Internal error (request id req-500)', [{ '@type': ERROR_INFO, reason: 'AM_ERR_INTERNAL', domain: 'agentmesh.dev', metadata: { requestId: 'req-500' } }]));
    assert.ok(!res.body.includes('hunter2'));
    const line = logs().find((l) => l.msg === 'request failed');
    assert.equal(line?.reqId, 'req-500');
    assert.match(String((line?.err as { message?: string }).message), /hunter2/);
  });

  test('keeps the status of an unexposed AgentmeshError but not its message', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    app.get('/db', async () => {
      throw new AgentmeshError(ErrorCodes.STORAGE_UNAVAILABLE, 'pg: too many clients', { details: { host: 'db-1' } });
    });
    app.get('/db-down', async () => {
      throw new AgentmeshError(ErrorCodes.STORAGE_UNAVAILABLE, 'connect ECONNREFUSED db-1:5432', { retryable: true });
    });
    const res = await app.inject({ method: 'GET', url: '/db', headers: { 'x-request-id': 'r' } });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error.message, 'Internal error (request id r)');
    assert.deepEqual(res.json().error.details, [{ '@type': ERROR_INFO, reason: 'AM_ERR_STORAGE_UNAVAILABLE', domain: 'agentmesh.dev', metadata: { requestId: 'r' } }]);
    // A transient outage (retryable) says so, still without its words.
    const down = await app.inject({ method: 'GET', url: '/db-down', headers: { 'x-request-id': 'd' } });
    assert.equal(down.statusCode, 503);
    assert.equal(down.json().error.message, 'A store this call needs is unavailable right now; retry shortly (request id d)');
    assert.doesNotMatch(down.body, /db-1|ECONNREFUSED/);
  });

  test('maps schema validation failures to INVALID_PARAMS with field violations', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    app.post(
      '/typed',
      { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } },
      async () => ({ ok: true }),
    );
    const res = await app.inject({ method: 'POST', url: '/typed', payload: { other: 1 } });
    assert.equal(res.statusCode, 400);
    const details = res.json().error.details;
    assert.equal(details[0].reason, 'AM_ERR_PROTOCOL_INVALID_PARAMS');
    assert.equal(details[1].reason, 'INVALID_PARAMS');
    assert.equal(details[2]['@type'], 'type.googleapis.com/google.rpc.BadRequest');
    assert.equal(details[2].fieldViolations[0].field, 'body');
    assert.match(details[2].fieldViolations[0].description, /name/);
  });

  test('answers 503 AM_ERR_HTTP_TIMEOUT when a handler does not answer in time', async (t) => {
    const { app } = testServer({ requestTimeoutMs: 30 });
    const never = gate();
    t.after(async () => {
      never.open();
      await app.close();
    });
    app.get('/slow', async () => {
      await never.promise;
      return { late: true };
    });
    const res = await app.inject({ method: 'GET', url: '/slow' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error.status, 'DEADLINE_EXCEEDED');
    assert.equal(res.json().error.details[0].reason, 'AM_ERR_HTTP_TIMEOUT');
  });

  test('leaves error handling of an encapsulated plugin to that plugin', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    await app.register(async (scope) => {
      scope.setErrorHandler((_err, _request, reply) => {
        reply.code(200).send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      });
      scope.post('/rpc', async () => ({ ok: true }));
    });
    const res = await app.inject({ method: 'POST', url: '/rpc', headers: { 'content-type': 'application/json' }, payload: '{' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().error.code, -32700);
  });
});
