/**
 * A call that reaches a database its role already closed (a handler that outlived its client while
 * the role shut down) is the role shutting down, on every binding: JSON-RPC, HTTP+JSON and gRPC
 * answer the retryable UNAVAILABLE "shutting down" error, and the log holds no failure with a stack.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { GetTaskRequest } from '@a2a-js/sdk';
import { A2AError } from '@a2a-js/sdk/errors';
import { connectAgent } from '../../../src/cli/index.js';
import { rpc, startRuntimeOnDatabase } from '../../helpers/runtime-fixture.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const SHUTTING_DOWN = /shutting down; retry on another instance/;

describe('a call on a database the role already closed', () => {
  const env = startedForSuite(async () => {
    const started = await startRuntimeOnDatabase({ grpcPort: 0 });
    await started.database.close();
    return started;
  });

  /**
   * The log lines of failed calls (level error and above): none is expected. The push worker's own cycle
   * meets the closed database too, whenever its timer fires: its line is no call's.
   */
  const failures = () => env().log.records().filter((r) => typeof r['level'] === 'number' && r['level'] >= 50 && /failed/.test(String(r['msg'])) && r['module'] !== 'push');

  test('JSON-RPC answers the shutting-down error, UNAVAILABLE, and logs no failure', async () => {
    const { body } = await rpc(env().url, 'GetTask', { id: 'any' });
    assert.match(body.error.message, SHUTTING_DOWN);
    assert.ok(body.error.data.some((d: { reason?: string }) => d.reason === 'HTTP_UNAVAILABLE' || d.reason === 'AM_ERR_HTTP_UNAVAILABLE'), JSON.stringify(body));
    assert.deepEqual(failures(), []);
  });

  test('v0.3 JSON-RPC answers -32603 with the retry signal v1 gives (its ErrorInfo in data), and logs no failure', async () => {
    const v1 = (await rpc(env().url, 'GetTask', { id: 'any' })).body.error;
    const { body } = await rpc(env().url, 'tasks/get', { id: 'any' }, { 'A2A-Version': '0.3' });
    assert.equal(body.error.code, -32603);
    assert.match(body.error.message, SHUTTING_DOWN);
    const info = (error: { data?: Array<{ reason?: string; metadata?: { code?: string } }> }) => error.data?.map((d) => [d.reason, d.metadata?.code]);
    assert.deepEqual(info(body.error), info(v1), JSON.stringify(body));
    assert.deepEqual(info(body.error), [['HTTP_UNAVAILABLE', 'AM_ERR_HTTP_UNAVAILABLE']]);
    assert.deepEqual(failures(), []);
  });

  test('v0.3 HTTP+JSON answers 503, as v1.0 does, with the same -32603, message and data as v0.3 JSON-RPC', async () => {
    const rpcError = (await rpc(env().url, 'tasks/get', { id: 'any' }, { 'A2A-Version': '0.3' })).body.error;
    const response = await fetch(`${env().url}/v1/tasks/any`, { headers: { 'A2A-Version': '0.3' } });
    assert.equal(response.status, 503);
    const body = (await response.json()) as { code: number; message: string; data: Array<{ metadata?: { code?: string } }> };
    assert.equal(body.code, -32603);
    assert.equal(body.message, rpcError.message);
    assert.deepEqual(body.data.map((d) => d.metadata?.code), ['AM_ERR_HTTP_UNAVAILABLE']);
    assert.deepEqual(failures(), []);
  });

  test('HTTP+JSON answers 503 UNAVAILABLE, shutting down, and logs no failure', async () => {
    const response = await fetch(`${env().url}/tasks/any`, { headers: { 'A2A-Version': '1.0' } });
    assert.equal(response.status, 503);
    const body = (await response.json()) as { error: { status: string; message: string } };
    assert.equal(body.error.status, 'UNAVAILABLE');
    assert.match(body.error.message, SHUTTING_DOWN);
    assert.deepEqual(failures(), []);
  });

  test('gRPC answers UNAVAILABLE, shutting down, and logs no failure', async () => {
    const { client } = await connectAgent({ url: env().url, protocol: '1.0', binding: 'grpc' });
    const thrown = await client.getTask(GetTaskRequest.fromJSON({ id: 'any' })).then(() => assert.fail('the call succeeded'), (err: unknown) => err);
    assert.ok(thrown instanceof A2AError, String(thrown));
    assert.match(thrown.message, SHUTTING_DOWN);
    assert.equal((thrown as A2AError & { status?: number }).status, grpc.status.UNAVAILABLE);
    assert.deepEqual(failures(), []);
  });
});
