/**
 * A replica killed without deregistering stays "in rotation" at the registry
 * until its lease lapses. The gateway's settlement tracker must not keep
 * asking it: tasks live in the shared store, so it reads them through a live
 * instance, settles every reservation, and logs the dead instance once (not a
 * warning with a stack per attempt).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../src/observability/index.js';
import { freePort } from '../../helpers/free-port.js';
import { available, createClient, fetchToken, startGateway, topUp } from '../../helpers/gateway-fixture.js';
import { call, sampleCard, startRegistry } from '../../helpers/registry-fixture.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

const quick = oneSkillAgent({ name: 'quick', description: 'Answers after a moment', creditsPerCall: 5 }, 'work', {
  description: 'Works briefly, reports 3 credits',
  handler: async (_: string, ctx) => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    ctx.usage({ credits: 3 });
    return 'done';
  },
});

const lines: Array<Record<string, unknown>> = [];
let registry: Awaited<ReturnType<typeof startRegistry>>;
let gw: Awaited<ReturnType<typeof startGateway>>;
let host: Awaited<ReturnType<typeof startRuntime>>;
let deadUrl: string;

before(async () => {
  // Probes far apart: the dead instance stays in rotation (as a killed replica does until its lease lapses).
  registry = await startRegistry({ probeIntervalMs: 600_000 });
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } as never });
  gw = await startGateway(registry.url, { creditsMode: 'exact' }, { logger });
  // The dead instance first, so it is the first the gateway lists (the one the tracker used to ask, and ask again).
  deadUrl = `http://127.0.0.1:${await freePort()}/agents/quick`;
  assert.equal((await call(registry.url, 'PUT', '/v1/agents/quick', { card: sampleCard('quick') })).status, 201);
  const added = await call(registry.url, 'POST', '/v1/agents/quick/instances', { url: deadUrl, leaseTtlMs: 600_000 });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  host = await startRuntime([quick], { registryUrl: registry.url, gatewayJwksUrl: `${gw.url}/.well-known/jwks.json`, requireGatewayAssertion: true });
  await until('the gateway to see both instances in rotation', async () => (gw.gateway.router.agent('quick')?.instances.filter((i) => i.inRotation).length ?? 0) === 2);
  assert.equal(gw.gateway.router.agent('quick')!.instances.find((i) => i.inRotation)!.url, deadUrl, 'the dead instance is listed first');
});
after(() => closeInTurn(host, gw, registry));

test('reservations are settled through the live instance; the dead one is logged once', async () => {
  const token = await fetchToken(gw.url, await createClient(gw.url, { name: 'c', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
  await topUp(gw.url, 'acme', 100);
  const tasks = 8;
  for (let i = 0; i < tasks; i++) {
    // Answered at once, before the task ends: the reservation is left to the settlement tracker.
    const res = await fetch(`${gw.url}/agents/quick`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'SendMessage', params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: `job ${i}` }] }, configuration: { returnImmediately: true } } }),
    });
    const body = (await res.json()) as { result?: { task?: { status?: { state?: string } } }; error?: unknown };
    assert.ok(body.result?.task, JSON.stringify(body));
  }
  await until('every reservation to settle at the reported usage', async () => {
    await gw.gateway.settleNow();
    return (await available(gw.url, 'acme')) === 100_000 - tasks * 3_000;
  }, 20_000);

  const aboutDead = lines.filter((l) => l['instance'] === deadUrl && /did not answer a settlement read/.test(String(l['msg'])));
  assert.equal(aboutDead.length, 1, `the dead instance is logged once: ${JSON.stringify(aboutDead)}`);
  assert.equal(lines.filter((l) => /could not settle a reservation yet/.test(String(l['msg']))).length, 0);
});
