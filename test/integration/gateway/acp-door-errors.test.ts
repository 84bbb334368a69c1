/**
 * Every error the gateway's ACP door (`/agents/{name}/acp/…`) answers, in
 * ACP's `Error` shape as the ACP document gives it (the `default` response of
 * each operation: `code` one of `server_error`, `invalid_input`, `not_found`,
 * and a `message`), with the status that says the same thing: 404 is
 * `not_found`, any other 4xx `invalid_input`, 5xx `server_error`
 * (docs/acp.md "Errors"). Bodies are checked against openapi.yaml with the
 * tests' own validator, independent of src/acp.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { defineAgent } from '../../../src/runtime/index.js';
import { checkResponse, checkSchema, operationPath } from '../../helpers/acp-conformance.js';
import { AcpTestClient, userText } from '../../helpers/acp-client.js';
import { startAcpReferenceServer, type AcpReferenceServer } from '../../helpers/acp-reference-server.js';
import { createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh } from '../../helpers/gateway-mesh.js';
import { call } from '../../helpers/registry-fixture.js';
import { until } from '../../helpers/until.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

const priced = { skills: { echo: { pricing: { creditsPerCall: 2 } } } };
const echo = defineAgent({
  card: { name: 'echo', description: 'Echoes text' },
  registry: priced,
  defaultSkill: 'echo',
  skills: { echo: { description: 'Echoes text', handler: async (text: string) => `echo: ${text}` } },
});
const other = defineAgent({
  card: { name: 'other', description: 'Another agent of the same runtime' },
  defaultSkill: 'echo',
  skills: { echo: { description: 'Echoes', handler: async (text: string) => text } },
});

const CODE_OF_STATUS = (status: number) => (status === 404 ? 'not_found' : status >= 500 ? 'server_error' : 'invalid_input');
const UNKNOWN_RUN = '3f0c6b53-2b8e-4f5c-9d59-0c1f6a3c2e11';

interface Probe {
  method: string;
  /** After `/agents/{agent}/acp`. */
  path: string;
  agent?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  token?: string | null;
  status: number;
  /** The agentmesh code in `data.code`, when the probe pins it. */
  amCode?: string;
}

describe('the gateway\'s ACP door answers every error as the ACP document says', () => {
  let mesh: Awaited<ReturnType<typeof startGatewayMesh>>;
  let acpServer: AcpReferenceServer;
  let token: string;
  let readOnly: string;
  let broke: string;

  before(async () => {
    mesh = await startGatewayMesh({ agents: [echo, other], gateway: { bodyLimitBytes: 64 * 1024 } });
    acpServer = await startAcpReferenceServer({ manifests: [{ name: 'bridged', description: 'An ACP agent', input_content_types: ['text/plain'], output_content_types: ['text/plain'] }], behaviours: { bridged: 'echo' } });
    const registered = await call(mesh.registry.url, 'POST', '/v1/agents', { protocol: 'acp', url: acpServer.url, name: 'bridged' });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    await until('the gateway to route to the bridged agent', async () => mesh.gw.gateway.router.agent('bridged')?.instances.some((i) => i.inRotation) ?? false);
    const scopes = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'];
    token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'acp', tenant: 'acme', scopes }));
    readOnly = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'ro', tenant: 'acme', scopes: ['a2a:tasks:read'] }));
    broke = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'broke', tenant: 'broke', scopes }));
    await topUp(mesh.gw.url, 'acme', 100);
  });
  after(() => closeInTurn(mesh, acpServer));

  /** Sends a probe and checks its answer: the status, ACP's Error shape (against the document where it has the path), the code that goes with the status. */
  async function probe(p: Probe): Promise<any> {
    const bearer = p.token === undefined ? token : p.token;
    const res = await fetch(`${mesh.gw.url}/agents/${p.agent ?? 'echo'}/acp${p.path}`, {
      method: p.method,
      headers: { ...(bearer !== null && { authorization: `Bearer ${bearer}` }), ...(p.body !== undefined && { 'content-type': 'application/json' }), ...p.headers },
      ...(p.body !== undefined && { body: p.body }),
    });
    const text = await res.text();
    const what = `${p.method} /agents/${p.agent ?? 'echo'}/acp${p.path} → ${res.status} ${text.slice(0, 300)}`;
    assert.equal(res.status, p.status, what);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, what);
    const body = JSON.parse(text);
    const bare = p.path.split('?')[0]!;
    let documented = true;
    try {
      operationPath(bare);
    } catch {
      documented = false;
    }
    // A path the document has: the operation's `default` response; one it has not (no such route): still its Error schema.
    if (documented && ['GET', 'POST'].includes(p.method)) checkResponse(p.method, bare, res.status, res.headers.get('content-type')!, body);
    else checkSchema('Error', body);
    assert.equal(body.code, CODE_OF_STATUS(res.status), what);
    if (p.amCode !== undefined) assert.equal(body.data?.code, p.amCode, what);
    return body;
  }

  const run = (agentName: string) => JSON.stringify({ agent_name: agentName, input: [userText('hi')], mode: 'sync' });

  test('a run naming an agent this endpoint does not serve is not_found (404), as the runtime answers it', async () => {
    const unknown = await probe({ method: 'POST', path: '/runs', body: run('nobody-here'), status: 404 });
    assert.match(unknown.message, /nobody-here/);
    // Another agent of the same runtime: the path's endpoint serves one agent only, like its discovery.
    await probe({ method: 'POST', path: '/runs', body: run('other'), status: 404 });
  });

  test('unknown agents, runs, sessions and routes are not_found', async () => {
    await probe({ method: 'POST', path: '/runs', agent: 'nobody-here', body: run('nobody-here'), status: 404 });
    await probe({ method: 'GET', path: '/agents', agent: 'nobody-here', token: null, status: 404 });
    await probe({ method: 'GET', path: '/agents/other', token: null, status: 404 });
    // A bridged agent is ACP already: its server is not proxied at /acp.
    await probe({ method: 'GET', path: '/ping', agent: 'bridged', token: null, status: 404 });
    await probe({ method: 'GET', path: `/runs/${UNKNOWN_RUN}`, status: 404 });
    await probe({ method: 'GET', path: `/runs/${UNKNOWN_RUN}/events`, status: 404 });
    await probe({ method: 'POST', path: `/runs/${UNKNOWN_RUN}/cancel`, status: 404 });
    await probe({ method: 'POST', path: `/runs/${UNKNOWN_RUN}`, body: JSON.stringify({ run_id: UNKNOWN_RUN, await_resume: { type: 'message', message: userText('x') }, mode: 'sync' }), status: 404 });
    await probe({ method: 'GET', path: '/runs/%E0%A4', status: 404 });
    await probe({ method: 'GET', path: `/session/${UNKNOWN_RUN}`, status: 404 });
    await probe({ method: 'GET', path: '/nothing-here', status: 404 });
    await probe({ method: 'DELETE', path: '/runs', status: 404 });
  });

  test('credentials, scopes and credits refused are invalid_input with their status', async () => {
    await probe({ method: 'POST', path: '/runs', body: run('echo'), token: null, status: 401, amCode: 'AM_ERR_AUTH_UNAUTHENTICATED' });
    await probe({ method: 'POST', path: '/runs', body: run('echo'), token: 'not-a-token', status: 401 });
    await probe({ method: 'POST', path: '/runs', body: run('echo'), token: readOnly, status: 403, amCode: 'AM_ERR_AUTH_FORBIDDEN' });
    await probe({ method: 'POST', path: '/runs', body: run('echo'), token: broke, status: 402 });
  });

  test('bodies that are no run request are invalid_input', async () => {
    await probe({ method: 'POST', path: '/runs', body: '{not json', status: 400 });
    const missing = await probe({ method: 'POST', path: '/runs', body: JSON.stringify({ agent_name: 'echo' }), status: 400 });
    assert.ok(Array.isArray(missing.data?.violations), 'the violations are named');
    await probe({ method: 'POST', path: '/runs', body: `${'['.repeat(200)}${']'.repeat(200)}`, status: 400 });
    await probe({ method: 'POST', path: '/runs', body: JSON.stringify({ agent_name: 'echo', input: [userText('x'.repeat(80 * 1024))] }), status: 413 });
    await probe({ method: 'POST', path: '/runs', body: gzipSync(run('echo')), headers: { 'content-encoding': 'x-unknown' }, status: 415 });
  });

  test('runs that cannot do what is asked are invalid_input', async () => {
    const client = new AcpTestClient(`${mesh.gw.url}/agents/echo/acp`, { authorization: `Bearer ${token}` });
    const done = await client.call('POST', '/runs', { agent_name: 'echo', input: [userText('hello')], mode: 'sync' });
    assert.equal(done.body.status, 'completed');
    const id = done.body.run_id as string;
    await probe({ method: 'POST', path: `/runs/${id}`, body: JSON.stringify({ run_id: id, await_resume: { type: 'message', message: userText('x') }, mode: 'sync' }), status: 400 });
    await probe({ method: 'POST', path: `/runs/${id}`, body: JSON.stringify({ run_id: UNKNOWN_RUN, await_resume: { type: 'message', message: userText('x') }, mode: 'sync' }), status: 400 });
    await probe({ method: 'POST', path: `/runs/${id}/cancel`, status: 400, amCode: 'AM_ERR_TASK_NOT_CANCELABLE' });
  });

  test('an agent with no instance left is server_error', async () => {
    await mesh.host.close();
    const answer = await probe({ method: 'POST', path: '/runs', body: run('echo'), status: 503 });
    assert.ok(typeof answer.message === 'string' && answer.message.length > 0);
  });
});
