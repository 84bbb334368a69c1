import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CreditLedger } from '../../../src/tenancy/index.js';
import type { CreditsCaller } from '../../../src/gateway/credit-routes/index.js';
import { bearerAuthenticator, credits, startCreditRoutes } from './credits-harness.js';
import { startHttpForwarder } from '../../helpers/http-forwarder.js';
import { spawnCli } from '../../helpers/child-output.js';
import { once } from 'node:events';

const PRINCIPALS: Record<string, CreditsCaller> = {
  'acme-token': { subject: 'acme-app', tenant: 'acme', scopes: ['a2a:message:send'] },
  'billing-token': { subject: 'billing', tenant: 'ops', scopes: ['credits:admin'] },
};

const authenticate = bearerAuthenticator(PRINCIPALS);

describe('agentmesh credits against a real gateway app', () => {
  let served: Awaited<ReturnType<typeof startCreditRoutes>>;
  let ledger: CreditLedger;
  let env: Record<string, string>;

  before(async () => {
    served = await startCreditRoutes(authenticate, { listen: true });
    ledger = served.ledger;
    env = { AGENTMESH_GATEWAY: served.url };
  });
  after(async () => {
    await served?.close();
  });

  test('topup adds credits once per reference; balance prints the result', async () => {
    const first = await credits(['topup', 'acme', '12.5', '--reference', 'inv-7'], { ...env, GATEWAY_ADMIN_TOKEN: 'billing-token' });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^added 12\.500 credits to acme \(reference inv-7\)$/m);
    assert.match(first.stdout, /^available\s+12\.500 credits$/m);
    const retry = await credits(['topup', 'acme', '12.5', '--reference', 'inv-7', '--json'], { ...env, GATEWAY_ADMIN_TOKEN: 'billing-token' });
    assert.equal(retry.code, 0);
    const body = JSON.parse(retry.stdout);
    assert.equal(body.replayed, true);
    assert.equal(body.balance.availableMilliCredits, 12_500);

    const balance = await credits(['balance', 'acme', '--token', 'acme-token'], env);
    assert.equal(balance.code, 0, balance.stderr);
    assert.match(balance.stdout, /^balance\s+12\.500 credits$/m);
    assert.match(balance.stdout, /^reserved\s+0\.000 credits$/m);
  });

  test('a topup answered 503 (the store away for a moment) is sent again with its reference, says so, and adds the credits once', async () => {
    const front = await startHttpForwarder(served.url);
    try {
      const isTopUp = (request: { method: string; path: string }) => request.method === 'POST' && request.path.endsWith('/credits/topups');
      front.answerUnavailable(isTopUp, 2);
      const run = await credits(['topup', 'flaky', '3', '--reference', 'inv-flaky', '--json'], { AGENTMESH_GATEWAY: front.url, GATEWAY_ADMIN_TOKEN: 'billing-token' });
      assert.equal(run.code, 0, run.stderr);
      const retries = run.stderr.trim().split('\n');
      assert.equal(retries.length, 2, run.stderr);
      assert.match(retries[0]!, /^gateway answered 503 to POST \/v1\/tenants\/flaky\/credits\/topups: A store this call needs is unavailable right now; retry shortly \(request id refused-1\); retrying in 0\.5 s \(1 of 3\)$/);
      assert.match(retries[1]!, /retrying in 1\.0 s \(2 of 3\)$/);
      const sent = front.requests.filter(isTopUp);
      assert.equal(sent.length, 3);
      assert.ok(sent.every((request) => JSON.parse(request.body).reference === 'inv-flaky'), 'every try carries the one reference');
      assert.equal(JSON.parse(run.stdout).balance.availableMilliCredits, 3_000, 'added once');
    } finally {
      await front.close();
    }
  });

  test('the agentmesh process itself waits out a retry: nothing but the wait keeps it alive, and it exits 0 once answered', async () => {
    const front = await startHttpForwarder(served.url);
    try {
      front.answerUnavailable((request) => request.method === 'POST', 1);
      const child = spawnCli(['credits', 'topup', 'waiter', '2', '--reference', 'inv-waiter', '--json'], { AGENTMESH_GATEWAY: front.url, GATEWAY_ADMIN_TOKEN: 'billing-token' });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0, stderr);
      assert.match(stderr, /^gateway answered 503 to POST \/v1\/tenants\/waiter\/credits\/topups: .*retrying in 0\.5 s \(1 of 3\)$/m);
      assert.equal(JSON.parse(stdout).balance.availableMilliCredits, 2_000);
    } finally {
      await front.close();
    }
  });

  test('balance of a tenant that never had credits is an error naming it (exit 1), not a balance of 0', async () => {
    const run = await credits(['balance', 'nosuch-tenant', '--admin-token', 'billing-token'], env);
    assert.deepEqual(run, {
      code: 1,
      stdout: '',
      stderr: 'error: tenant "nosuch-tenant" has no credit account: no credits were ever added to it (a top-up opens one)\n',
    });
  });

  test("balance tells a gateway replica's lease from a call's hold", async () => {
    await credits(['topup', 'lessee', '10', '--reference', 'inv-lease'], { ...env, GATEWAY_ADMIN_TOKEN: 'billing-token' });
    const token = 'lessee-token';
    PRINCIPALS[token] = { subject: 'lessee-app', tenant: 'lessee', scopes: ['a2a:message:send'] };
    // A replica's lease, as gateway/credits/leased-holds.ts names it, and one call's own hold.
    await ledger.reserve({ tenant: 'lessee', key: 'lease:replica-a:1', milliCredits: 4000, agent: 'sales', skill: 'quote' });
    const leasedOnly = await credits(['balance', 'lessee', '--token', token], env);
    assert.equal(leasedOnly.code, 0, leasedOnly.stderr);
    assert.match(leasedOnly.stdout, /^reserved\s+4\.000 credits: 4\.000 leased to gateway replicas \(returned to available when the lease ends\)$/m);
    assert.doesNotMatch(leasedOnly.stdout, /in flight/, 'no call is in flight');
    await ledger.reserve({ tenant: 'lessee', key: 'lessee:sales:msg-1', milliCredits: 1500, agent: 'sales', skill: 'quote' });
    const both = await credits(['balance', 'lessee', '--token', token], env);
    assert.match(both.stdout, /^reserved\s+5\.500 credits: 4\.000 leased to gateway replicas \(returned to available when the lease ends\), 1\.500 held by calls in flight$/m);
  });

  test('topup without --reference makes one up; a bad amount is a usage error (exit 2)', async () => {
    const generated = await credits(['topup', 'beta', '1', '--json', '--admin-token', 'billing-token'], env);
    assert.equal(generated.code, 0, generated.stderr);
    assert.match(JSON.parse(generated.stdout).reference, /^cli-[0-9a-f-]{36}$/);
    const bad = await credits(['topup', 'beta', '1.0005', '--admin-token', 'billing-token'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /at most 3 decimals/);
    assert.equal((await credits(['topup', 'beta', '0', '--admin-token', 'billing-token'], env)).code, 2);
  });

  test('usage prints a table grouped by the --by dimensions, with a total', async () => {
    await ledger.reserve({ tenant: 'acme', key: 'enricher:t1', milliCredits: 3_000, agent: 'enricher', skill: 'enrichLeads' });
    await ledger.settle('enricher:t1', 2_000);
    await ledger.reserve({ tenant: 'acme', key: 'scorer:t2', milliCredits: 1_000, agent: 'scorer', skill: 'score' });
    await ledger.settle('scorer:t2', 250);
    const usage = await credits(['usage', 'acme', '--by', 'agent,skill', '--token', 'acme-token'], env);
    assert.equal(usage.code, 0, usage.stderr);
    const lines = usage.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^AGENT\s+SKILL\s+CREDITS\s+CALLS$/);
    assert.match(lines[1]!, /^enricher\s+enrichLeads\s+2\.000\s+1$/);
    assert.match(lines[2]!, /^scorer\s+score\s+0\.250\s+1$/);
    assert.match(lines[3]!, /^total\s+2\.250\s+2$/);
    const json = await credits(['usage', 'acme', '--by', 'day', '--from', '2020-01-01', '--json', '--token', 'acme-token'], env);
    assert.equal(JSON.parse(json.stdout).rows.length, 1);
    assert.equal((await credits(['usage', 'acme', '--by', 'week', '--token', 'acme-token'], env)).code, 2);
  });

  test("errors are one line: another tenant's credits, a missing token, an unreachable gateway", async () => {
    const forbidden = await credits(['balance', 'beta', '--token', 'acme-token'], env);
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /^error: Reading the credits of tenant beta needs a principal of that tenant or the gateway:admin scope$/m);
    const anonymous = await credits(['balance', 'acme'], env);
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /pass --token or --admin-token, or set GATEWAY_ADMIN_TOKEN/);
    const down = await credits(['balance', 'acme', '--gateway', 'http://127.0.0.1:1'], env);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach the gateway at http:\/\/127\.0\.0\.1:1/);
  });
});
