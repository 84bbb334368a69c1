/**
 * An error not meant for a client, met on the v0.3 bindings (here a stored task whose snapshot no
 * longer parses, whose parser's words quote what is stored): the answer is the generic internal
 * error naming the request id, as on v1.0, never the error's own words; the log keeps them.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rpc, startRuntimeOnDatabase, userMessage } from '../../helpers/runtime-fixture.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

/** A secret-looking value; the parser quotes the first ten characters of what it could not parse. */
const SECRET = 'sk_live_4f';

describe('an internal error on the v0.3 bindings', () => {
  let taskId: string;
  const env = startedForSuite(async () => {
    const started = await startRuntimeOnDatabase();
    const { body } = await rpc(started.url, 'SendMessage', { message: userMessage('hi') });
    taskId = body.result.task.id;
    // A snapshot that no longer parses: the parser's error quotes its first characters.
    started.database.sqlite!.prepare('UPDATE tasks SET snapshot = ? WHERE id = ?').run(`${SECRET}9a is stored here`, taskId);
    return started;
  });

  /** The v1.0 answer's words, which v0.3 must match. */
  const v1Message = async (): Promise<string> => (await rpc(env().url, 'GetTask', { id: taskId }, { 'A2A-Version': '1.0', 'x-request-id': 'req-v1' })).body.error.message;

  test('v1.0 JSON-RPC answers the generic internal error (the reference)', async () => {
    assert.equal(await v1Message(), 'Internal error (request id req-v1)');
  });

  test('v0.3 JSON-RPC answers the generic internal error naming the request id, not the error, and logs the cause', async () => {
    const { body } = await rpc(env().url, 'tasks/get', { id: taskId }, { 'A2A-Version': '0.3', 'x-request-id': 'req-v03' });
    assert.doesNotMatch(JSON.stringify(body), new RegExp(SECRET));
    assert.equal(body.error.message, 'Internal error (request id req-v03)');
    const logged = env().log.records().find((r) => r['reqId'] === 'req-v03' && r['msg'] === 'v0.3 request failed');
    assert.match(JSON.stringify(logged?.['err']), new RegExp(SECRET), 'the cause is in the log');
  });

  test('v0.3 HTTP+JSON answers the generic internal error too', async () => {
    const response = await fetch(`${env().url}/v1/tasks/${taskId}`, { headers: { 'A2A-Version': '0.3', 'x-request-id': 'req-rest' } });
    const text = await response.text();
    assert.doesNotMatch(text, new RegExp(SECRET));
    assert.match(text, /Internal error \(request id req-rest\)/);
  });
});
