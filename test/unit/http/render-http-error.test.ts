import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import assert from 'node:assert/strict';
import { renderHttpError } from '../../../src/http/errors/render-http-error.js';
import { AgentmeshError, ErrorCodes } from '../../../src/protocol/errors.js';
import { Errors, invalidParams } from '../../../src/protocol/error-messages.js';
import { toJsonRpcErrorObject } from '../../../src/protocol/wire-errors.js';

describe('renderHttpError', () => {
  test('renders field violations as a google.rpc.BadRequest detail', () => {
    const { statusCode, body } = renderHttpError(invalidParams('message.parts', 'must not be empty'), 'req-1');
    assert.equal(statusCode, 400);
    assert.deepEqual(body, {
      error: {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message: 'Invalid parameters: message.parts must not be empty',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'AM_ERR_PROTOCOL_INVALID_PARAMS', domain: 'agentmesh.dev', metadata: { requestId: 'req-1' } },
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'INVALID_PARAMS', domain: 'a2a-protocol.org', metadata: {} },
          { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'message.parts', description: 'must not be empty' }] },
        ],
      },
    });
  });

  test('omits the A2A ErrorInfo for errors that are not A2A errors', () => {
    const { statusCode, body } = renderHttpError(new AgentmeshError(ErrorCodes.AUTH_FORBIDDEN, 'Scope a2a.write required'), 'r');
    assert.equal(statusCode, 403);
    assert.equal(body.error.status, 'PERMISSION_DENIED');
    assert.deepEqual(body.error.details.map((d) => ('domain' in d ? d.domain : d['@type'])), ['agentmesh.dev']);
  });

  test('turns anything that is not an Error into a generic internal error', () => {
    for (const thrown of ['a string', 42, null, undefined, { weird: true }]) {
      const rendered = renderHttpError(thrown, 'req-x');
      assert.equal(rendered.statusCode, 500);
      assert.equal(rendered.internal, true);
      assert.equal(rendered.body.error.message, 'Internal error (request id req-x)');
      assert.equal(rendered.error.code, 'AM_ERR_INTERNAL');
    }
  });

  test("a store's transient outage keeps its 503 and code in both bindings, without its words; it is still logged as ours", () => {
    const outage = Errors.postgresConnectionFailed({ reason: 'connect ECONNREFUSED 10.0.0.7:5432' });
    const rendered = renderHttpError(outage, 'req-9');
    assert.equal(rendered.statusCode, 503);
    assert.equal(rendered.internal, true, 'the cause goes to the log');
    assert.equal(rendered.body.error.status, 'UNAVAILABLE');
    assert.equal(rendered.body.error.message, 'A store this call needs is unavailable right now; retry shortly (request id req-9)');
    assert.deepEqual(rendered.body.error.details, [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'AM_ERR_STORAGE_UNAVAILABLE', domain: 'agentmesh.dev', metadata: { requestId: 'req-9' } }]);
    const rpc = toJsonRpcErrorObject(outage, 'req-9');
    assert.equal(rpc.code, -32603);
    assert.equal(rpc.message, rendered.body.error.message);
    assert.equal(rpc.data?.[0]?.['reason'], 'STORAGE_UNAVAILABLE');
    for (const shown of [JSON.stringify(rendered.body), JSON.stringify(rpc)]) assert.doesNotMatch(shown, /10\.0\.0\.7|ECONNREFUSED/);
  });

  test('a storage failure that retrying will not fix (a failed migration) says only where the log has it', () => {
    const rendered = renderHttpError(Errors.migrationFailed({ migration: '0016', reason: 'relation exists', hint: '' }), 'req-m');
    assert.equal(rendered.body.error.message, 'Internal error (request id req-m)');
    assert.equal(toJsonRpcErrorObject(Errors.migrationFailed({ migration: '0016', reason: 'relation exists', hint: '' }), 'req-m').message, 'Internal error (request id req-m)');
  });

  test('a query on a database the role already closed (a handler that outlived its client at shutdown) is the role shutting down, 503', async () => {
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    await sql`select 1`.execute(db);
    await db.destroy();
    const thrown = await sql`select 1`.execute(db).then(() => assert.fail('the query ran'), (err: unknown) => err);
    const rendered = renderHttpError(thrown, 'req-s');
    assert.equal(rendered.statusCode, 503);
    assert.equal(rendered.internal, false);
    assert.equal(rendered.error.code, 'AM_ERR_HTTP_UNAVAILABLE');
    assert.match(rendered.body.error.message, /shutting down/);
  });

  test('maps status-only errors of other plugins by their status', () => {
    const unauthorized = Object.assign(new Error('Unauthorized'), { statusCode: 401 });
    assert.equal(renderHttpError(unauthorized, 'r').error.code, 'AM_ERR_AUTH_UNAUTHENTICATED');
    assert.equal(renderHttpError(unauthorized, 'r').statusCode, 401);
    const teapot = Object.assign(new Error("I'm a teapot"), { statusCode: 418 });
    const rendered = renderHttpError(teapot, 'r');
    assert.equal(rendered.statusCode, 400);
    assert.equal(rendered.body.error.message, "I'm a teapot");
  });
});
