import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readSse, startRuntime, userMessage } from '../../helpers/runtime-fixture.js';

// Asks for the registered type: a client naming no JSON type is answered in application/json.
const V1 = { 'A2A-Version': '1.0', accept: 'application/a2a+json' };
// The binding's registered media type (A2A §14.1): answers come back in it.
const JSON_V1 = { 'content-type': 'application/a2a+json', ...V1 };

/** The parts of a v1 Task these tests read. */
interface WireTask {
  id: string;
  status: { state: string };
  artifacts?: Array<{ parts: Array<{ text?: string }> }>;
  history?: Array<{ parts: Array<{ text?: string }> }>;
}

/** A v1 ListTasksResponse. */
interface WirePage {
  tasks: WireTask[];
  totalSize: number;
  nextPageToken: string;
}

interface ErrorInfo {
  '@type': string;
  reason?: string;
  domain?: string;
  fieldViolations?: Array<{ field: string; description: string }>;
}

/** Checks a google.rpc.Status error body (A2A §11.6) and returns its details. */
/** `mediaType`: what the answer is sent as; application/json when the request named no JSON type. */
async function expectStatus(response: Response, httpStatus: number, status: string, mediaType = 'application/a2a+json'): Promise<{ message: string; details: ErrorInfo[] }> {
  assert.equal(response.status, httpStatus);
  assert.equal((response.headers.get('content-type') ?? '').split(';')[0], mediaType);
  const body = (await response.json()) as { error: { code: number; status: string; message: string; details: ErrorInfo[] } };
  assert.equal(body.error.code, httpStatus);
  assert.equal(body.error.status, status);
  assert.equal(typeof body.error.message, 'string');
  return body.error;
}

function errorInfo(details: ErrorInfo[]): ErrorInfo {
  const info = details.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo');
  assert.ok(info, 'details carry a google.rpc.ErrorInfo');
  return info;
}

describe('HTTP+JSON binding, v1', () => {
  let env: Awaited<ReturnType<typeof startRuntime>>;
  let url: string;
  let webhook: Server;
  let webhookUrl: string;
  before(async () => {
    env = await startRuntime(undefined, { dev: true, allowHosts: ['127.0.0.1', 'localhost'] });
    url = env.url;
    webhook = createServer((_req, res) => res.writeHead(200).end());
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
  });
  after(async () => {
    await new Promise<void>((resolve) => webhook.close(() => resolve()));
    await env.close();
  });

  const send = async (body: unknown) => fetch(`${url}/message:send`, { method: 'POST', headers: JSON_V1, body: JSON.stringify(body) });
  const startWait = async (): Promise<string> => {
    const response = await send({ message: userMessage('hold', { metadata: { skillId: 'wait' } }), configuration: { returnImmediately: true } });
    assert.equal(response.status, 200);
    return ((await response.json()) as { task: { id: string } }).task.id;
  };

  test('POST /message:send returns the completed task as application/a2a+json', async () => {
    const response = await send({ message: userMessage('rest hello') });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/a2a\+json/);
    const { task } = (await response.json()) as { task: WireTask };
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED');
    assert.equal(task.artifacts?.[0]?.parts[0]?.text, 'rest hello');
  });

  test('POST /message:send to a skill that replies returns { message }; /message:stream sends it as the one event, without an id', async () => {
    const response = await send({ message: userMessage('Ada', { metadata: { skillId: 'hello' } }) });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { task?: unknown; message: { role: string; parts: unknown[] } };
    assert.equal(body.task, undefined);
    assert.equal(body.message.role, 'ROLE_AGENT');
    assert.deepEqual(body.message.parts, [{ text: 'Hello, Ada' }]);
    const streamed = await fetch(`${url}/message:stream`, { method: 'POST', headers: { ...JSON_V1, accept: 'text/event-stream' }, body: JSON.stringify({ message: userMessage('Lin', { metadata: { skillId: 'hello' } }) }) });
    const frames = await readSse(streamed);
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.id, undefined);
    assert.deepEqual(frames[0]!.data.message.parts, [{ text: 'Hello, Lin' }]);
  });

  test('GET /tasks/{id} returns the task and honours historyLength', async () => {
    const { task } = (await (await send({ message: userMessage('fetch me') })).json()) as { task: { id: string } };
    const full = await fetch(`${url}/tasks/${task.id}`, { headers: V1 });
    assert.equal(full.status, 200);
    assert.match(full.headers.get('content-type') ?? '', /^application\/a2a\+json/);
    const body = (await full.json()) as WireTask;
    assert.equal(body.id, task.id);
    assert.equal(body.history?.[0]?.parts[0]?.text, 'fetch me');
    const trimmed = (await (await fetch(`${url}/tasks/${task.id}?historyLength=0`, { headers: V1 })).json()) as WireTask;
    assert.equal(trimmed.history, undefined);
  });

  test('GET /tasks lists a context with typed query parameters and pages', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(((await (await send({ message: userMessage(`l${i}`, { contextId: 'ctx-rest' }) })).json()) as { task: { id: string } }).task.id);
    const first = await fetch(`${url}/tasks?contextId=ctx-rest&pageSize=2&includeArtifacts=true`, { headers: V1 });
    assert.equal(first.status, 200);
    assert.match(first.headers.get('content-type') ?? '', /^application\/a2a\+json/);
    const page1 = (await first.json()) as WirePage;
    assert.equal(page1.totalSize, 3);
    assert.equal(page1.tasks.length, 2);
    assert.ok(Array.isArray(page1.tasks[0]?.artifacts), 'includeArtifacts=true is read as a boolean');
    assert.ok(page1.nextPageToken);
    const page2 = (await (await fetch(`${url}/tasks?contextId=ctx-rest&pageSize=2&pageToken=${encodeURIComponent(page1.nextPageToken)}`, { headers: V1 })).json()) as WirePage;
    assert.equal(page2.tasks[0]?.artifacts, undefined);
    assert.equal(page2.nextPageToken, '');
    assert.deepEqual([...page1.tasks, ...page2.tasks].map((t) => t.id), [...ids].reverse());
  });

  test('POST /tasks/{id}:cancel cancels; a second cancel of a completed task is 400 TASK_NOT_CANCELABLE', async () => {
    const id = await startWait();
    const canceled = await fetch(`${url}/tasks/${id}:cancel`, { method: 'POST', headers: V1 });
    assert.equal(canceled.status, 200);
    assert.equal(((await canceled.json()) as WireTask).status.state, 'TASK_STATE_CANCELED');
    const { task } = (await (await send({ message: userMessage('done already') })).json()) as { task: { id: string } };
    const error = await expectStatus(await fetch(`${url}/tasks/${task.id}:cancel`, { method: 'POST', headers: V1 }), 400, 'FAILED_PRECONDITION');
    const info = errorInfo(error.details);
    assert.equal(info.reason, 'TASK_NOT_CANCELABLE');
    assert.equal(info.domain, 'a2a-protocol.org');
  });

  test('an unknown task is 404 with ErrorInfo TASK_NOT_FOUND on every task route', async () => {
    for (const [method, path] of [['GET', '/tasks/nope'], ['POST', '/tasks/nope:cancel'], ['POST', '/tasks/nope:subscribe'], ['GET', '/tasks/nope:subscribe'], ['GET', '/tasks/nope/pushNotificationConfigs']] as const) {
      const error = await expectStatus(await fetch(`${url}${path}`, { method, headers: V1 }), 404, 'NOT_FOUND');
      const info = errorInfo(error.details);
      assert.equal(info.reason, 'TASK_NOT_FOUND', `${method} ${path}`);
      assert.equal(info.domain, 'a2a-protocol.org');
      assert.match(error.message, /nope/);
    }
  });

  test('an unknown action on /tasks/{id} is 404', async () => {
    const response = await fetch(`${url}/tasks/abc:explode`, { method: 'POST', headers: V1 });
    assert.equal(response.status, 404);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, /explode/);
  });

  test('query parameters are typed: pageSize=abc is 400 naming pageSize', async () => {
    const error = await expectStatus(await fetch(`${url}/tasks?pageSize=abc`, { headers: V1 }), 400, 'INVALID_ARGUMENT');
    assert.match(error.message, /pageSize/);
    const badRequest = error.details.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.BadRequest');
    assert.deepEqual(badRequest?.fieldViolations?.map((v) => v.field), ['pageSize']);
    const history = await expectStatus(await fetch(`${url}/tasks/x?historyLength=lots`, { headers: V1 }), 400, 'INVALID_ARGUMENT');
    assert.match(history.message, /historyLength/);
  });

  test('invalid JSON in the body is 400', async () => {
    const error = await expectStatus(await fetch(`${url}/message:send`, { method: 'POST', headers: JSON_V1, body: '{"message":' }), 400, 'INVALID_ARGUMENT');
    assert.match(error.message, /Invalid JSON/);
  });

  test('POST /message:stream is SSE with increasing id: lines, ending completed', async () => {
    const response = await fetch(`${url}/message:stream`, { method: 'POST', headers: JSON_V1, body: JSON.stringify({ message: userMessage('x', { metadata: { skillId: 'chunks' } }) }) });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const frames = await readSse(response);
    assert.ok(frames.length >= 5);
    assert.ok(frames.every((f) => f.id !== undefined && /^\d+$/.test(f.id)), 'every frame has a numeric id');
    const ids = frames.map((f) => Number(f.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(frames[0]!.data.task, 'first frame is the task, not wrapped in JSON-RPC');
    const chunks = frames.filter((f) => f.data.artifactUpdate).map((f) => f.data.artifactUpdate.artifact.parts[0].text);
    assert.deepEqual(chunks, ['one ', 'two ', 'three']);
    assert.equal(frames[frames.length - 1]!.data.statusUpdate.status.state, 'TASK_STATE_COMPLETED');
  });

  // The specification's table subscribes with POST, the proto's HTTP rule with GET: both are served.
  for (const method of ['POST', 'GET']) {
    test(`${method} /tasks/{id}:subscribe streams a running task until it is canceled`, async () => {
      const id = await startWait();
      const response = await fetch(`${url}/tasks/${id}:subscribe`, { method, headers: V1 });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/event-stream');
      const cancel = await fetch(`${url}/tasks/${id}:cancel`, { method: 'POST', headers: V1 });
      assert.equal(cancel.status, 200);
      const frames = await readSse(response);
      assert.equal(frames[0]!.data.task.id, id);
      assert.equal(frames[frames.length - 1]!.data.statusUpdate.status.state, 'TASK_STATE_CANCELED');
    });
  }

  test("GET /tasks/{id}%3Asubscribe reads the task named with the colon, as the gateway classifies it: no stream", async () => {
    const id = await startWait();
    const response = await fetch(`${url}/tasks/${id}%3Asubscribe`, { headers: V1 });
    try {
      assert.notEqual(response.headers.get('content-type'), 'text/event-stream', 'an encoded colon starts no action');
      const error = await expectStatus(response, 404, 'NOT_FOUND');
      assert.equal(errorInfo(error.details).reason, 'TASK_NOT_FOUND');
      assert.match(error.message, /:subscribe/);
    } finally {
      if (!response.bodyUsed) await response.body?.cancel();
      await fetch(`${url}/tasks/${id}:cancel`, { method: 'POST', headers: V1 });
    }
  });

  // The encoded colon is the id's on POST as on GET: `{id}%3Acancel` names the task `{id}:cancel`, and no action.
  for (const action of ['cancel', 'subscribe']) {
    test(`POST /tasks/{id}%3A${action} neither cancels nor subscribes: TASK_NOT_FOUND for the id with the colon`, async () => {
      const id = await startWait();
      try {
        const response = await fetch(`${url}/tasks/${id}%3A${action}`, { method: 'POST', headers: V1 });
        assert.notEqual(response.headers.get('content-type'), 'text/event-stream', 'an encoded colon starts no action');
        const error = await expectStatus(response, 404, 'NOT_FOUND');
        assert.equal(errorInfo(error.details).reason, 'TASK_NOT_FOUND');
        assert.ok(error.message.includes(`${id}:${action}`), error.message);
        const task = (await (await fetch(`${url}/tasks/${id}`, { headers: V1 })).json()) as WireTask;
        assert.equal(task.status.state, 'TASK_STATE_WORKING', 'the task runs on');
        // An encoded colon inside the id and an unencoded one before the action: the action runs on that id.
        const named = await expectStatus(await fetch(`${url}/tasks/${id}%3Ax:${action}`, { method: 'POST', headers: V1 }), 404, 'NOT_FOUND');
        assert.ok(named.message.includes(`${id}:x`), named.message);
      } finally {
        await fetch(`${url}/tasks/${id}:cancel`, { method: 'POST', headers: V1 });
      }
    });
  }

  test('push notification configs: create (201), get, list, delete (204)', async () => {
    const taskId = await startWait();
    try {
      const created = await fetch(`${url}/tasks/${taskId}/pushNotificationConfigs`, { method: 'POST', headers: JSON_V1, body: JSON.stringify({ url: webhookUrl, token: 't' }) });
      assert.equal(created.status, 201);
      assert.match(created.headers.get('content-type') ?? '', /^application\/a2a\+json/);
      const config = (await created.json()) as { id: string; taskId: string; url: string };
      assert.equal(config.taskId, taskId);
      assert.equal(config.url, webhookUrl);
      const got = await fetch(`${url}/tasks/${taskId}/pushNotificationConfigs/${config.id}`, { headers: V1 });
      assert.equal(got.status, 200);
      assert.equal(((await got.json()) as { url: string }).url, webhookUrl);
      const listed = (await (await fetch(`${url}/tasks/${taskId}/pushNotificationConfigs`, { headers: V1 })).json()) as { configs: Array<{ id: string }> };
      assert.deepEqual(listed.configs.map((c) => c.id), [config.id]);
      const deleted = await fetch(`${url}/tasks/${taskId}/pushNotificationConfigs/${config.id}`, { method: 'DELETE', headers: V1 });
      assert.equal(deleted.status, 204);
      const gone = await fetch(`${url}/tasks/${taskId}/pushNotificationConfigs/${config.id}`, { headers: V1 });
      assert.equal(gone.status, 404);
    } finally {
      await fetch(`${url}/tasks/${taskId}:cancel`, { method: 'POST', headers: V1 });
    }
  });

  test('GET /extendedAgentCard without one configured is EXTENDED_AGENT_CARD_NOT_CONFIGURED', async () => {
    const error = await expectStatus(await fetch(`${url}/extendedAgentCard`, { headers: V1 }), 400, 'FAILED_PRECONDITION');
    assert.equal(errorInfo(error.details).reason, 'EXTENDED_AGENT_CARD_NOT_CONFIGURED');
  });

  test('A2A-Version 0.3 (or none, which means 0.3) on REST is VERSION_NOT_SUPPORTED', async () => {
    for (const headers of [{ 'A2A-Version': '0.3' }, {}] as Array<Record<string, string>>) {
      const error = await expectStatus(await fetch(`${url}/tasks/any`, { headers }), 400, 'FAILED_PRECONDITION', 'application/json');
      const info = errorInfo(error.details);
      assert.equal(info.reason, 'VERSION_NOT_SUPPORTED');
      assert.equal(info.domain, 'a2a-protocol.org');
    }
  });
});
