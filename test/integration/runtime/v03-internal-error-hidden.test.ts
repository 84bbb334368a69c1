/**
 * An error not meant for a client, met on the v0.3 bindings (here a stored task whose snapshot no
 * longer parses, whose parser's words quote what is stored): the answer is the generic internal
 * error naming the request id, as on v1.0, never the error's own words; the log keeps them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/observability/index.js';
import { createRuntime, type Runtime } from '../../../src/runtime/index.js';
import { createDatabase, type Database } from '../../../src/storage/index.js';
import { memoryDestination } from '../../helpers/memory-log.js';
import { rpc, testAgent, userMessage } from '../../helpers/runtime-fixture.js';

/** A secret-looking value; the parser quotes the first ten characters of what it could not parse. */
const SECRET = 'sk_live_4f';

describe('an internal error on the v0.3 bindings', () => {
  const log = memoryDestination();
  let dataDir: string;
  let database: Database;
  let runtime: Runtime;
  let url: string;
  let taskId: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-v03-internal-'));
    database = await createDatabase({ sqlitePath: join(dataDir, 'mesh.db') });
    runtime = await createRuntime({ agents: [testAgent], database, logger: createLogger({ level: 'info', destination: log.stream }), config: { port: 0, host: '127.0.0.1', dataDir } });
    ({ url } = await runtime.listen());
    const { body } = await rpc(url, 'SendMessage', { message: userMessage('hi') });
    taskId = body.result.task.id;
    // A snapshot that no longer parses: the parser's error quotes its first characters.
    database.sqlite!.prepare('UPDATE tasks SET snapshot = ? WHERE id = ?').run(`${SECRET}9a is stored here`, taskId);
  });
  after(async () => {
    await runtime.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The v1.0 answer's words, which v0.3 must match. */
  const v1Message = async (): Promise<string> => (await rpc(url, 'GetTask', { id: taskId }, { 'A2A-Version': '1.0', 'x-request-id': 'req-v1' })).body.error.message;

  test('v1.0 JSON-RPC answers the generic internal error (the reference)', async () => {
    assert.equal(await v1Message(), 'Internal error (request id req-v1)');
  });

  test('v0.3 JSON-RPC answers the generic internal error naming the request id, not the error, and logs the cause', async () => {
    const { body } = await rpc(url, 'tasks/get', { id: taskId }, { 'A2A-Version': '0.3', 'x-request-id': 'req-v03' });
    assert.doesNotMatch(JSON.stringify(body), new RegExp(SECRET));
    assert.equal(body.error.message, 'Internal error (request id req-v03)');
    const logged = log.records().find((r) => r['reqId'] === 'req-v03' && r['msg'] === 'v0.3 request failed');
    assert.match(JSON.stringify(logged?.['err']), new RegExp(SECRET), 'the cause is in the log');
  });

  test('v0.3 HTTP+JSON answers the generic internal error too', async () => {
    const response = await fetch(`${url}/v1/tasks/${taskId}`, { headers: { 'A2A-Version': '0.3', 'x-request-id': 'req-rest' } });
    const text = await response.text();
    assert.doesNotMatch(text, new RegExp(SECRET));
    assert.match(text, /Internal error \(request id req-rest\)/);
  });
});
