/**
 * A workflow run keeps acting for its caller through its delegation grant
 * (docs/adr/0042-durable-delegation-grants.md), with the orchestrator in a
 * process of its own behind a real gateway: the run completes after the
 * caller's token expired, a run whose orchestrator was killed with -9 is
 * resumed by the next process and completes (also when the killed process
 * had redeemed the grant without recording the rotated token: the next one
 * retries that redemption, docs/adr/0058-delegation-grant-redemption-retry.md),
 * a caller who revokes its token stops the run's later steps with a clear
 * error, and a stolen refresh token that someone else goes on redeeming
 * revokes the grant.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeJwt } from 'jose';
import { createOrchestrator, type Orchestrator } from '../../../src/compose/orchestrator-entry.js';
import { callerRecorder } from '../../helpers/caller-recorder.js';
import { deriveSealingKey, openSealedValue } from '../../../src/storage/index.js';
import { callAgent, createClient, delegationGrantOutcomes, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { waitForOutput } from '../../helpers/child-output.js';
import { outputsOf, runMessage } from '../../helpers/orchestrator-fixture.js';
import { until } from '../../helpers/until.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

const STORAGE_SECRET = 'storage-secret-of-the-delegation-grant-test-0123';
/** The gateway's shortest access token lifetime: the caller's token ends within the test. */
const TOKEN_TTL_SECONDS = 30;

/** A promise, what settles it, and whether it has been. */
function deferred(): { promise: Promise<void>; resolve: () => void; done: boolean } {
  let settle!: () => void;
  const d = { promise: new Promise<void>((r) => (settle = r)), done: false, resolve: () => {
    d.done = true;
    settle();
  } };
  return d;
}

/** One latch per run key: the gate step says when it is entered and waits until the test opens it. */
const latches = new Map<string, { entered: ReturnType<typeof deferred>; open: ReturnType<typeof deferred> }>();
const latch = (key: string) => {
  let l = latches.get(key);
  if (l === undefined) latches.set(key, (l = { entered: deferred(), open: deferred() }));
  return l;
};

/** Every gate step of `keys` has been entered (bounded: a run that failed before one is never entered). */
const entered = (...keys: string[]) => until(`the gate steps ${keys.join(', ')} to be entered`, () => keys.every((k) => latch(k).entered.done));

const gate = oneSkillAgent({ name: 'gate', description: 'Holds a run until the test lets it go on' }, 'hold', {
  description: 'Waits for the test',
  handler: async (input: { key: string }) => {
    const l = latch(input.key);
    l.entered.resolve();
    await l.open.promise;
    return { held: input.key };
  },
});

/** Answers who called it, and through whom. */
const recorder = callerRecorder();

const workflow = (key: string) => `
name: held-${key}
steps:
  - { id: hold, call: { agent: gate, skill: hold }, input: { key: ${key} } }
  - { id: note, call: { agent: recorder, skill: note }, input: {} }
outputs:
  recorder: "{{ steps.note.output }}"
`;

/** Two holds side by side: after a restart both re-attach at once, and share one redemption of the grant (a second would be a reuse). */
const parallelWorkflow = (key: string) => `
name: held-${key}
steps:
  - id: both
    parallel:
      join: all
      steps:
        - { id: a, call: { agent: gate, skill: hold }, input: { key: ${key}-a } }
        - { id: b, call: { agent: gate, skill: hold }, input: { key: ${key}-b } }
  - { id: note, call: { agent: recorder, skill: note }, input: {} }
outputs:
  recorder: "{{ steps.note.output }}"
`;

describe('a run acts for its caller through its delegation grant', () => {
  let mesh: GatewayMesh;
  let user: { clientId: string; clientSecret: string };
  let own: { clientId: string; clientSecret: string };
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-run-grant-'));
  let orch: { child: ChildProcess; url: string } | undefined;

  const startOrchestrator = async () => {
    const child = spawn(process.execPath, [...TS_CHILD_ARGV, 'test/fixtures/gateway-orchestrator-process.ts'], {
      env: { ...process.env, ORCHESTRATOR_FIXTURE: JSON.stringify({ dataDir, gatewayUrl: mesh.gw.url, clientId: own.clientId, clientSecret: own.clientSecret, registryUrl: mesh.registry.url, storageSecret: STORAGE_SECRET }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    orch = { child, url: '' };
    const url = await waitForOutput(child, /listening on (http:\/\/\S+)/, 'the orchestrator process');
    await routedToOnly(url);
    orch = { child, url };
    return orch;
  };
  /** The gateway routes to the orchestrator at `url` only: a killed one's instance has left rotation. */
  const routedToOnly = (url: string) =>
    until('the gateway to route to this orchestrator only', async () => {
      const instances = mesh.gw.gateway.router.agent('orchestrator')?.instances.filter((i) => i.inRotation) ?? [];
      return instances.length === 1 && instances[0]!.url.startsWith(url);
    }, 20_000);
  /** The file's last orchestrator, never killed: in this process, set up as the fixture process sets up its own. */
  let last: Orchestrator | undefined;
  const startLastOrchestrator = async () => {
    last = await createOrchestrator({
      config: {
        gatewayUrl: mesh.gw.url,
        clientId: own.clientId,
        clientSecret: own.clientSecret,
        registryUrl: mesh.registry.url,
        runtime: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', replicaTtlMs: 1000, heartbeatMs: 200, registryUrl: mesh.registry.url, gatewayJwksUrl: `${mesh.gw.url}/.well-known/jwks.json`, requireGatewayAssertion: true, storageSecret: STORAGE_SECRET },
      },
    });
    await routedToOnly((await last.listen()).url);
  };
  const kill = async () => {
    const child = orch!.child;
    child.kill('SIGKILL');
    await once(child, 'exit');
  };
  const callerToken = () => fetchToken(mesh.gw.url, user);
  /** A token of the caller's for reading, renewed well before it expires. */
  let reader: { token: string; at: number } | undefined;
  const readerToken = async () => {
    if (reader === undefined || Date.now() - reader.at > 15_000) reader = { token: await callerToken(), at: Date.now() };
    return reader.token;
  };
  const start = async (key: string, token: string, text = workflow(key)) => {
    const res = await callAgent(mesh.gw.url, 'orchestrator', token, 'SendMessage', { message: runMessage(text), configuration: { returnImmediately: true } });
    const body = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(body));
    return (body.result.task ?? body.result).id as string;
  };
  /** The run's task once it ended, read through the gateway as its caller (with a token of the moment). */
  const ended = async (runId: string) => {
    let task: any;
    await until('the run to end', async () => {
      const res = await callAgent(mesh.gw.url, 'orchestrator', await readerToken(), 'GetTask', { id: runId });
      task = ((await res.json()) as any).result;
      return ['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED'].includes(task?.status?.state);
    }, 30_000);
    return task;
  };
  const sealedGrantOf = (runId: string): string | null => {
    const db = new Database(join(dataDir, 'mesh.db'), { readonly: true });
    try {
      return (db.prepare('select delegation_grant from workflow_runs where id = ?').get(runId) as { delegation_grant: string | null }).delegation_grant;
    } finally {
      db.close();
    }
  };
  /** Runs `statement` on the orchestrators' database (while no orchestrator runs). */
  const onOrchestratorDb = (statement: string): void => {
    const db = new Database(join(dataDir, 'mesh.db'));
    try {
      db.exec(statement);
    } finally {
      db.close();
    }
  };

  before(async () => {
    // The waits below poll as fast as the host answers: on a quiet host that is past the default 1,000 calls a minute.
    mesh = await startGatewayMesh({ agents: [gate, recorder], gateway: { tokenTtlSeconds: TOKEN_TTL_SECONDS, assertionTtlSeconds: TOKEN_TTL_SECONDS, clockToleranceSeconds: 0, defaultRequestsPerMinute: 1_000_000 } });
    own = await createClient(mesh.gw.url, { name: 'orchestrator', tenant: 'platform', scopes: ['gateway:delegate', 'a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'] });
    user = await createClient(mesh.gw.url, { name: 'acme-app', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read'] });
    await startOrchestrator();
  });
  after(async () => {
    for (const l of latches.values()) l.open.resolve();
    if (orch !== undefined && orch.child.exitCode === null && orch.child.signalCode === null) await kill();
    await last?.close();
    await mesh?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('completes after the caller token expired mid-run, and the audit rows keep the chain', async () => {
    const token = await callerToken();
    const runId = await start('expiry', token);
    await entered('expiry');
    // The caller's token is refused once it expired: what the next step would have exchanged is gone.
    // Its lifetime is waited out on the test's clock, asking nobody (a call through the gateway every 20 ms
    // for half a minute, some 1,500 of them, cost seconds of CPU), then the gateway must refuse it.
    const { exp } = decodeJwt(token);
    await until("the caller token's lifetime to pass", () => Date.now() >= exp! * 1000, (TOKEN_TTL_SECONDS + 15) * 1000);
    await until('the gateway to refuse the expired caller token', async () => (await callAgent(mesh.gw.url, 'orchestrator', token, 'GetTask', { id: runId })).status === 401);
    latch('expiry').open.resolve();
    const task = await ended(runId);
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    assert.deepEqual(outputsOf(task).recorder, { tenant: 'acme', caller: user.clientId, actors: [own.clientId] });
    assert.equal(sealedGrantOf(runId), null, 'the ended run dropped its grant');

    await mesh.gw.gateway.audit.flush();
    const rows = (await mesh.gw.gateway.audit.tail({ limit: 500 })).filter((r) => r.eventType === 'a2a.call' && r.targetAgent === 'recorder');
    assert.ok(rows.length > 0);
    for (const row of rows) {
      assert.equal(row.tenant, 'acme');
      assert.equal(row.user, user.clientId, 'the call after the expiry still names the top caller');
      assert.deepEqual(row.actor, { kind: 'client', id: own.clientId });
      assert.deepEqual((row.detail as any)?.act, { sub: own.clientId, agent: 'orchestrator' });
    }
  });

  test('an orchestrator killed with -9 is resumed by the next process, which completes the run for the caller', async () => {
    const runId = await start('crash', await callerToken(), parallelWorkflow('crash'));
    await entered('crash-a', 'crash-b');
    const sealed = sealedGrantOf(runId);
    assert.ok(sealed !== null && sealed.startsWith('v1.') && !sealed.includes('amr_'), 'the grant is stored sealed, never in clear');
    await kill();
    await startOrchestrator();
    latch('crash-a').open.resolve();
    latch('crash-b').open.resolve();
    const task = await ended(runId);
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    assert.deepEqual(outputsOf(task).recorder, { tenant: 'acme', caller: user.clientId, actors: [own.clientId] });
  });

  test('an orchestrator killed after the gateway rotated the grant but before the row recorded it: the next process retries that redemption and completes', async () => {
    const runId = await start('unrecorded', await callerToken());
    await entered('unrecorded');
    const recorded = sealedGrantOf(runId);
    await kill();
    // The next process's rotation is answered by the gateway but never reaches the row, as when a
    // process dies between the two (the row's update is skipped, not refused: the process goes on).
    onOrchestratorDb('create trigger keep_grant before update of delegation_grant on workflow_runs when new.delegation_grant is not null begin select raise(ignore); end');
    const before = await delegationGrantOutcomes(mesh.gw.metricsUrl);
    await startOrchestrator();
    await until('the resumed run to redeem its grant', async () => ((await delegationGrantOutcomes(mesh.gw.metricsUrl))['refreshed'] ?? 0) > (before['refreshed'] ?? 0));
    assert.equal(sealedGrantOf(runId), recorded, 'the row still holds the token the gateway has marked used');
    await kill();
    onOrchestratorDb('drop trigger keep_grant');
    await startOrchestrator();
    latch('unrecorded').open.resolve();
    const task = await ended(runId);
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    assert.deepEqual(outputsOf(task).recorder, { tenant: 'acme', caller: user.clientId, actors: [own.clientId] });
    const after = await delegationGrantOutcomes(mesh.gw.metricsUrl);
    assert.equal((after['retried'] ?? 0) - (before['retried'] ?? 0), 1, 'the used token came back once, as a retry');
    assert.equal(after['reused'] ?? 0, before['reused'] ?? 0);
  });

  test("a caller that revokes its token stops the run's later steps with a clear error", async () => {
    const token = await callerToken();
    const runId = await start('revoked', token);
    await entered('revoked');
    const revoke = await fetch(`${mesh.gw.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${user.clientId}:${user.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ token }).toString(),
    });
    assert.equal(revoke.status, 200);
    latch('revoked').open.resolve();
    const task = await ended(runId);
    assert.equal(task.status.state, 'TASK_STATE_FAILED');
    const text = JSON.stringify(task.status.message);
    assert.match(text, /delegation grant has been revoked, or the caller's credential it was derived from has/);
    assert.match(text, /can no longer act for its caller/);
  });

  test('a stolen refresh token that another goes on redeeming revokes the grant: the run fails, and the thief keeps nothing', async () => {
    const runId = await start('stolen', await callerToken());
    await entered('stolen');
    // Someone with the database, the storage secret and the orchestrator's client redeems the grant first.
    const key = deriveSealingKey(STORAGE_SECRET, 'agentmesh/orchestrator', 'delegation-grant-encryption v1');
    const stolen = openSealedValue(key, sealedGrantOf(runId)!, `delegation-grant:${runId}`).toString('utf8');
    const basic = `Basic ${Buffer.from(`${own.clientId}:${own.clientSecret}`).toString('base64')}`;
    const redeem = (refreshToken: string) =>
      fetch(`${mesh.gw.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString() });
    const theft = await redeem(stolen);
    assert.equal(theft.status, 200);
    // The thief goes on with the grant: the stolen token's successor is redeemed, so the stolen one is no retry any more.
    const goingOn = await redeem(((await theft.json()) as any).refresh_token as string);
    assert.equal(goingOn.status, 200);
    const thiefNext = ((await goingOn.json()) as any).refresh_token as string;
    // A new orchestrator has no access token in memory: it presents the refresh token it recorded, used up by the thief.
    await kill();
    await startLastOrchestrator();
    latch('stolen').open.resolve();
    const task = await ended(runId);
    assert.equal(task.status.state, 'TASK_STATE_FAILED');
    assert.match(JSON.stringify(task.status.message), /refresh token was used already: its delegation grant is revoked/);
    const after = await redeem(thiefNext);
    assert.equal(after.status, 400);
    assert.equal(((await after.json()) as any).error, 'invalid_grant', "the thief's successor went with the family");
  });
});
