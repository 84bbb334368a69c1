import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh } from '../../helpers/gateway-mesh.js';
import { COLON_FIRST_TASK_PATHS, DEEP_CORPUS, HOSTILE_CORPUS, TRAILING_SLASH_PATHS, outcomeOf, type HostileRequest } from './hostile-corpus.js';

/** What an agent, or the gateway in front of it, answered. */
interface Answer {
  status: number;
  body: string;
}

/** Sends a raw request (paths are sent byte for byte, as `fetch` would normalize them). */
function send(base: string, entry: HostileRequest, authorization: string): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: entry.method, path: `${url.pathname.replace(/\/$/, '')}${entry.path}`, headers: { authorization, ...(entry.headers ?? {}), ...(entry.body !== undefined ? { 'content-length': Buffer.byteLength(entry.body) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(entry.body);
  });
}

/** A body with what differs between any two answers (the error's time, a request's id) made the same. */
const sameness = (body: string): string => body.replace(/"(timestamp|requestId)":"[^"]*"/g, '"$1":"…"');

const bindingOf = (entry: HostileRequest): 'JSONRPC' | 'HTTP+JSON' => (entry.method === 'POST' && entry.path === '/' ? 'JSONRPC' : 'HTTP+JSON');

describe('bad input through the gateway answers as the runtime does', () => {
  let mesh: Awaited<ReturnType<typeof startGatewayMesh>>;
  let gw: typeof mesh.gw;
  let host: typeof mesh.host;
  let token: string;
  let otherToken: string;
  let assertion: string;

  before(async () => {
    mesh = await startGatewayMesh({ gateway: { breakerFailures: 5 } });
    ({ gw, host } = mesh);
    const scopes = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:push:write', 'a2a:card:read'];
    token = await fetchToken(gw.url, await createClient(gw.url, { name: 'hostile', tenant: 'acme', scopes }));
    otherToken = await fetchToken(gw.url, await createClient(gw.url, { name: 'polite', tenant: 'globex', scopes }));
    // Direct calls carry what the gateway would send: its assertion of the same tenant and scopes.
    assertion = await gw.gateway.identity.signAssertion({ sub: 'hostile', tenant: 'acme', scope: scopes.join(' '), aud: 'agentmesh:agent:tester', act: 'agentmesh-gateway' }, 600);
  });
  after(async () => {
    await mesh?.close();
  });

  /** Sends each entry to the agent directly and through the gateway, with the same rights, and gives what `judge` finds wrong in each pair of answers. */
  async function differencesOver(entries: readonly HostileRequest[], judge: (entry: HostileRequest, direct: Answer, gateway: Answer) => string[]): Promise<string[]> {
    const differences: string[] = [];
    for (const entry of entries) {
      const a = await send(host.agents['tester']!, entry, `Bearer ${assertion}`);
      const b = await send(`${gw.url}/agents/tester`, entry, `Bearer ${token}`);
      differences.push(...judge(entry, a, b));
    }
    return differences;
  }

  test('every corpus entry: same outcome class directly and through the gateway, never a 5xx', async () => {
    const differences = await differencesOver([...HOSTILE_CORPUS, ...DEEP_CORPUS], (entry, a, b) => {
      const binding = bindingOf(entry);
      const expected = outcomeOf(a.status, a.body, binding);
      const got = outcomeOf(b.status, b.body, binding);
      if (b.status >= 500) return [`${entry.name}: the gateway answered ${got} (${b.body.slice(0, 200)})`];
      // The runtime answering 5xx to client input is its own defect; the gateway must refuse such input as a client error.
      if (a.status >= 500 && b.status >= 400) return [];
      return expected !== got ? [`${entry.name}: direct ${expected}, gateway ${got} (${b.body.slice(0, 200)})`] : [];
    });
    assert.deepEqual(differences, []);
  });

  test('a task path with the colon first is answered through the gateway as the runtime answers it, status and body', async () => {
    const differences = await differencesOver(COLON_FIRST_TASK_PATHS, (entry, a, b) =>
      a.status !== b.status || sameness(a.body) !== sameness(b.body) ? [`${entry.name}:\n  direct  ${a.status} ${a.body}\n  gateway ${b.status} ${b.body}`] : [],
    );
    assert.deepEqual(differences, []);
  });

  test('a path with a slash after it is answered through the gateway as the runtime answers it, status and body', async () => {
    const differences = await differencesOver(TRAILING_SLASH_PATHS, (entry, a, b) => [
      // No such path is an operation: the runtime refuses every one, and the gateway's answer is held to that.
      ...(a.status < 400 || a.status >= 500 ? [`${entry.name}: the runtime answered ${a.status} ${a.body.slice(0, 200)}`] : []),
      ...(a.status !== b.status || sameness(a.body) !== sameness(b.body) ? [`${entry.name}:\n  direct  ${a.status} ${a.body.slice(0, 300)}\n  gateway ${b.status} ${b.body.slice(0, 300)}`] : []),
    ]);
    assert.deepEqual(differences, []);
  });

  test('a client sending 1,000 poisoned requests leaves the agent available to others', async () => {
    const through = `${gw.url}/agents/tester`;
    const poison = HOSTILE_CORPUS.filter((e) => e.method === 'GET' || e.path !== '/');
    let politeOk = 0;
    for (let i = 0; i < 1_000; i++) {
      const answer = await send(through, poison[i % poison.length]!, `Bearer ${token}`);
      assert.ok(answer.status < 500, `poisoned request ${i} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
      if (i % 50 === 0) {
        const ok = await send(through, { name: 'polite', method: 'POST', path: '/', headers: { 'content-type': 'application/json', 'a2a-version': '1.0' }, body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'SendMessage', params: { message: { messageId: `polite-${i}`, role: 'ROLE_USER', parts: [{ text: 'hi' }], metadata: { skillId: 'echo' } } } }) }, `Bearer ${otherToken}`);
        if (ok.status === 200 && JSON.parse(ok.body).result?.task?.status?.state === 'TASK_STATE_COMPLETED') politeOk += 1;
      }
    }
    assert.equal(politeOk, 20, 'every well-behaved call succeeded');
    const stats = gw.gateway.router.stats().filter((s) => s.agent === 'tester');
    assert.deepEqual(stats.map((s) => [s.breaker, s.failures]), [['closed', 0]]);
  });

  test('the audit chain verifies after the corpus', async () => {
    await gw.gateway.audit.flush();
    const result = await gw.gateway.audit.verify();
    assert.deepEqual(result.problems, []);
    assert.equal(result.ok, true);
  });
});
