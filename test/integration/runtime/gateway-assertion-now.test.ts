import { test, describe, before, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import { createGatewayAssertionCheck } from '../../../src/runtime/gateway-assertion.js';
import { isPendingCaller, type AuthenticateRequest, type CallerAnswer } from '../../../src/runtime/transports/call-context.js';
import { ASSERTION_ISSUER, startAssertionIssuer } from '../../helpers/assertion-issuer.js';

/** A request carrying `token` as the gateway sends it. */
function carrying(token: string | undefined): AuthenticateRequest {
  return { headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, id: 'r', ip: '127.0.0.1', url: '/', method: 'POST', query: {}, log: undefined as never };
}

/** The reason an answer was refused with (its error's message), or 'answered'. */
async function refusal(answer: () => CallerAnswer): Promise<string> {
  try {
    const got = answer();
    if (isPendingCaller(got)) await got;
    return 'answered';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('gateway assertion check: the synchronous answer for a verified assertion', () => {
  let issuer: Awaited<ReturnType<typeof startAssertionIssuer>>;
  let check: ReturnType<typeof createGatewayAssertionCheck>;
  const sign = (claims: Record<string, unknown>, aud = 'agentmesh:agent:tester', expSeconds?: number) => issuer.sign(claims, { aud, expSeconds });

  before(async () => {
    issuer = await startAssertionIssuer();
    check = createGatewayAssertionCheck({ jwksUrl: issuer.jwksUrl, issuer: ASSERTION_ISSUER, required: true });
  });
  after(() => issuer.close());

  test('the first call waits for the verification; the next ones get the same caller at once', async () => {
    const tester = check.forAgent('tester');
    const token = await sign({ tenant: 'tenant-a', scope: 'a2a:message:send a2a:tasks:read' });
    const first = tester.now!(carrying(token));
    assert.ok(isPendingCaller(first), 'not verified yet: a promise');
    const caller = await first;
    assert.equal(caller?.tenant, 'tenant-a');
    assert.deepEqual(caller?.scopes, ['a2a:message:send', 'a2a:tasks:read']);
    // A header string of its own, as each request's is: the hit is by content, not by identity.
    const again = tester.now!(carrying(Buffer.from(token).toString('latin1')));
    assert.ok(!isPendingCaller(again), 'verified: no promise');
    assert.equal(again, caller);
    assert.equal(await tester(carrying(token)), caller, 'the promise form answers the same');
  });

  test("another agent's check verifies the same assertion for itself, and refuses it for the audience", async () => {
    const token = await sign({ tenant: 'tenant-a' });
    await check.forAgent('tester')(carrying(token));
    const other = check.forAgent('other');
    const answer = other.now!(carrying(token));
    assert.ok(isPendingCaller(answer), 'a hit for another agent is not one');
    assert.match(await refusal(() => answer), /aud/);
    assert.match(await refusal(() => other.now!(carrying(token))), /aud/, 'and stays refused');
  });

  test('an assertion that expires after it was verified is verified again, and refused', async (t) => {
    const tester = check.forAgent('tester');
    const token = await sign({ tenant: 'tenant-a' }, 'agentmesh:agent:tester', 60);
    await tester(carrying(token));
    assert.ok(!isPendingCaller(tester.now!(carrying(token))));
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() + 3_600_000 });
    try {
      const answer = tester.now!(carrying(token));
      assert.ok(isPendingCaller(answer), 'expired: not answered from the cache');
      assert.match(await refusal(() => answer), /expired/);
    } finally {
      mock.timers.reset();
    }
  });

  test('a token with the same signature and another payload is not a hit: it is verified, and refused', async () => {
    const tester = check.forAgent('tester');
    const token = await sign({ tenant: 'tenant-a' });
    await tester(carrying(token));
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, tenant: 'tenant-b' })).toString('base64url')}.${signature}`;
    const answer = tester.now!(carrying(forged));
    assert.ok(isPendingCaller(answer), 'the cache is looked up by the tail, a hit needs the whole token');
    assert.match(await refusal(() => answer), /signature/);
  });

  test('without an assertion the synchronous form throws and the promise form rejects, with the same error', async () => {
    const tester = check.forAgent('tester');
    assert.throws(() => tester.now!(carrying(undefined)), /gateway/);
    await assert.rejects(tester(carrying(undefined)), /gateway/);
    const optional = createGatewayAssertionCheck({ jwksUrl: issuer.jwksUrl, required: false }).forAgent('tester');
    assert.equal(optional.now!(carrying(undefined)), undefined, 'not required: anonymous, at once');
  });
});
