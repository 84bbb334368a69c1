import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AcpRunClient } from '../../../src/acp/run-client.js';
import { ErrorCodes, isAgentmeshError } from '../../../src/protocol/errors.js';

// How the gateway's bridge reads each error an ACP server may answer (the ACP document's `Error`: `code` one of
// not_found, invalid_input, server_error, with any status): the A2A client gets the catalog's error that says the same.

const RUN = '0b8f3f5e-55b1-4a39-9a5e-7f1c7f9f8c11';

function clientAnswering(status: number, body: string, type = 'application/json'): AcpRunClient {
  return new AcpRunClient({ baseUrl: 'http://acp.invalid', agent: 'hr', headers: {}, fetch: async () => new Response(body, { status, headers: { 'content-type': type } }) });
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    assert.ok(isAgentmeshError(err), String(err));
    return { code: err.code, message: err.message };
  }
  assert.fail('the request was not refused');
}

const create = (c: AcpRunClient) => c.createRun({ agent_name: 'hr', input: [{ role: 'user', parts: [{ content_type: 'text/plain', content: 'hi' }] }], mode: 'sync' });

test('not_found on a run is the task\'s not-found, on every run operation', async () => {
  const c = clientAnswering(404, JSON.stringify({ code: 'not_found', message: 'no such run' }));
  for (const call of [c.getRun(RUN), c.cancelRun(RUN), c.resumeRun({ run_id: RUN, await_resume: { type: 'message' }, mode: 'sync' })]) {
    const e = await refusal(call);
    assert.equal(e.code, ErrorCodes.TASK_NOT_FOUND);
    assert.match(e.message, new RegExp(RUN));
  }
});

test('not_found on a new run is the agent the ACP server does not know: the upstream\'s failure, not a task not found', async () => {
  for (const c of [clientAnswering(404, JSON.stringify({ code: 'not_found', message: 'Agent hr not found' })), clientAnswering(400, JSON.stringify({ code: 'not_found', message: 'Agent hr not found' }))]) {
    const e = await refusal(create(c));
    assert.equal(e.code, ErrorCodes.HTTP_UPSTREAM_FAILED);
    assert.match(e.message, /Agent hr not found/);
  }
  const streamed = await refusal(clientAnswering(404, JSON.stringify({ code: 'not_found', message: 'Agent hr not found' })).streamRun({ agent_name: 'hr', input: [], mode: 'stream' }));
  assert.equal(streamed.code, ErrorCodes.HTTP_UPSTREAM_FAILED);
});

test('invalid_input is the caller\'s invalid params, with the server\'s words', async () => {
  for (const status of [400, 422]) {
    const e = await refusal(create(clientAnswering(status, JSON.stringify({ code: 'invalid_input', message: 'input must not be empty' }))));
    assert.equal(e.code, ErrorCodes.PROTOCOL_INVALID_PARAMS);
    assert.match(e.message, /input must not be empty/);
  }
});

test('server_error, and any answer that is no ACP Error, is the upstream\'s failure', async () => {
  for (const c of [clientAnswering(500, JSON.stringify({ code: 'server_error', message: 'the model is down' })), clientAnswering(503, '<html>bad gateway</html>', 'text/html'), clientAnswering(418, '{}')]) {
    const e = await refusal(c.getRun(RUN));
    assert.equal(e.code, ErrorCodes.HTTP_UPSTREAM_FAILED);
  }
});
