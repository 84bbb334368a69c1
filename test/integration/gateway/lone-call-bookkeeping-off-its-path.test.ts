/**
 * What a call does that neither its upstream request nor its answer depends
 * on runs off their paths (ADR 0057): the audit entry's input hash once the
 * request to the agent is written, the charged messageId once the answer is
 * written. Each still runs for every call (one refused before it is
 * forwarded, one whose client left), and the answer journal holds the call's
 * settlement and audit row before the answer's first byte goes out.
 *
 * Ordered by events, not timed: undici's diagnostics channel for the
 * upstream request written (the POSTs to the runtime's origin: the
 * registry's health probes, GETs of the agent's card every 200 ms in this
 * mesh, go through the same channel to the same origin and may land between
 * any two events), the gateway's own reply's `send` (a body held
 * whole is written within it, by the llhttp front or node:http), and the gateway's hash and charged
 * memory as they run (each wrapped, then called as is).
 *
 * A closed call lets go of its request, reply and parsed body
 * (`GatewayCall.letGo`): what runs after its close (the deferred input
 * hash, the record after an asynchronous release, a refusal's answer) is
 * pinned here to read nothing of them.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashInput } from '../../../src/audit/index.js';
import { ChargedMessages } from '../../../src/gateway/charged-messages.js';
import { Disposer } from '../../../src/gateway/proxy/disposer.js';
import { GatewayCall } from '../../../src/gateway/proxy/gateway-call.js';
import { REQUEST_WRITTEN_CHANNEL } from '../../../src/gateway/routing/upstream-http1.js';
import { PlaneReply } from '../../../src/http/server/data-plane.js';
import { callAgent, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { holdingLeadScorer } from '../../helpers/priced-scorer.js';
import { userMessage } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';

/** Calls that asked to be held wait in `held` until the test lets them go. */
const { scorer, held } = holdingLeadScorer('path-scorer');

const leads = (extra: Record<string, unknown> = {}) => userMessage('', { parts: [{ data: { leadIds: ['l1', 'l2'], ...extra } }], metadata: { skillId: 'score' } });

describe("a lone call's bookkeeping, off its path", () => {
  let mesh: GatewayMesh;
  let token: string;
  let journalDir: string;
  let gatewayPort: number;
  let runtimeOrigin: string;
  /** What happened, in order, for the calls of the current test. */
  let events: string[] = [];
  /** For each answer the gateway wrote: whether the journal held its task's settlement and audit row at that moment. */
  let journaledBeforeAnswer: Array<{ taskId: string; settlement: boolean; auditRow: boolean }> = [];

  /** The calls that closed in the current test, as each was once it let go of its fields. */
  let closed: Array<{ call: GatewayCall; kept: string[] }> = [];
  /** What the last charged messageId was remembered as: agent, tenant, messageId. */
  let lastCharged: unknown[] = [];
  const original = { letGo: GatewayCall.prototype.letGo, hashInput: GatewayCall.prototype.hashInput, charged: ChargedMessages.prototype.charged, send: PlaneReply.prototype.send };
  const onUpstreamWritten = (message: unknown) => {
    const request = (message as { request: { origin?: string; method?: string } }).request;
    // Only the gateway POSTs to the runtime: a call written twice shows here twice, a probe of the card not at all.
    if (request.origin === runtimeOrigin && request.method === 'POST') events.push('upstream request written');
  };

  /** Whether the journal holds an audit row of the task: `["A",seq,[time,…]]`, its task id the sixth column (ADR 0063). */
  const journaledRowOf = (journal: string, taskId: string) =>
    journal
      .split('\n')
      .filter((line) => line.startsWith('["A",'))
      .some((line) => (JSON.parse(line) as [string, number, unknown[]])[2][5] === taskId);

  const journalText = () => {
    const slot = join(journalDir, '0');
    return readdirSync(slot)
      .filter((f) => f.endsWith('.journal'))
      .map((f) => readFileSync(join(slot, f), 'utf8'))
      .join('');
  };

  before(async () => {
    journalDir = mkdtempSync(join(tmpdir(), 'agentmesh-path-journal-'));
    mesh = await startGatewayMesh({ agents: [scorer], gateway: { answerJournalDir: journalDir } });
    gatewayPort = Number(new URL(mesh.gw.url).port);
    runtimeOrigin = new URL(mesh.host.url).origin;
    token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'path', tenant: 'acme', scopes: ['a2a:message:send'] }));
    await topUp(mesh.gw.url, 'acme', 1_000);

    GatewayCall.prototype.hashInput = function (this: GatewayCall) {
      if (this.unhashedInput !== undefined) events.push('input hashed');
      original.hashInput.call(this);
    };
    GatewayCall.prototype.letGo = function (this: GatewayCall) {
      events.push('call let go');
      original.letGo.call(this);
      const kept = (['request', 'reply', 'reading', 'bytes', 'body', 'redactedBody', 'route', 'principal', 'terms', 'unhashedInput'] as const).filter((field) => this[field] !== undefined);
      closed.push({ call: this, kept });
    };
    ChargedMessages.prototype.charged = function (this: ChargedMessages, ...args: Parameters<ChargedMessages['charged']>) {
      events.push('charged messageId remembered');
      lastCharged = args;
      original.charged.apply(this, args);
    };
    // The gateway's answers all leave through its data plane's reply, written within `send` whether the llhttp
    // front writes them or node:http's ServerResponse does (the runtime's, in this process too, on another port).
    PlaneReply.prototype.send = function (this: PlaneReply, ...args: Parameters<PlaneReply['send']>) {
      const gatewayAnswer = this.request.socket.localPort === gatewayPort && this.request.url.startsWith('/agents/');
      const body = args[0];
      if (gatewayAnswer) {
        // A relayed answer is a Buffer (the gateway's own refusals are strings).
        const taskId = Buffer.isBuffer(body) ? (JSON.parse(body.toString('utf8')) as { result?: { task?: { id?: string } } }).result?.task?.id : undefined;
        if (taskId !== undefined) {
          const journal = journalText();
          journaledBeforeAnswer.push({ taskId, settlement: journal.includes(`"task/path-scorer:acme:${taskId}"`), auditRow: journaledRowOf(journal, taskId) });
        }
        events.push('answer end called');
      }
      const returned = original.send.apply(this, args);
      if (gatewayAnswer) events.push('answer written');
      return returned;
    };
    // The gateway writes to a plain-http agent with its llhttp client (ADR 0064), to others with undici: the same observer on both.
    subscribe('undici:request:bodySent', onUpstreamWritten);
    subscribe(REQUEST_WRITTEN_CHANNEL, onUpstreamWritten);
  });

  after(async () => {
    unsubscribe('undici:request:bodySent', onUpstreamWritten);
    unsubscribe(REQUEST_WRITTEN_CHANNEL, onUpstreamWritten);
    GatewayCall.prototype.hashInput = original.hashInput;
    GatewayCall.prototype.letGo = original.letGo;
    ChargedMessages.prototype.charged = original.charged;
    PlaneReply.prototype.send = original.send;
    for (const release of held) release();
    await mesh?.close();
    rmSync(journalDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    // A call first, so the next finds the agent's keep-alive connection idle, as a lone call does.
    const warm = await callAgent(mesh.gw.url, 'path-scorer', token, 'SendMessage', { message: leads() });
    assert.equal(warm.status, 200);
    await warm.arrayBuffer();
    events = [];
    journaledBeforeAnswer = [];
    closed = [];
  });

  /** The audit row of the call whose message is `message`, once the audit log has committed it. */
  const auditRowOf = async (message: Record<string, unknown>) => {
    const expected = hashInput(message);
    let row: Awaited<ReturnType<typeof mesh.gw.gateway.audit.tail>>[number] | undefined;
    await until('the call to be audited', async () => {
      await mesh.gw.gateway.audit.flush();
      row = (await mesh.gw.gateway.audit.tail({ limit: 20 })).find((r) => r.inputHash === expected);
      return row !== undefined;
    });
    return row!;
  };

  test('the input is hashed after the upstream request is written, the messageId remembered after the answer; the journal held the call first', async () => {
    const message = leads();
    const answer = await callAgent(mesh.gw.url, 'path-scorer', token, 'SendMessage', { message });
    assert.equal(answer.status, 200);
    const taskId = ((await answer.json()) as { result: { task: { id: string } } }).result.task.id;

    assert.deepEqual(events, ['upstream request written', 'input hashed', 'answer end called', 'answer written', 'call let go', 'charged messageId remembered']);
    assert.deepEqual(journaledBeforeAnswer, [{ taskId, settlement: true, auditRow: true }]);
    const row = await auditRowOf(message);
    assert.equal(row.taskId, taskId);
    assert.equal(row.milliCredits, 2_000);
  });

  test('a call refused before it is forwarded has its input hashed when it is audited, after its answer and its release', async () => {
    // The skill's input schema wants an array of strings: the gateway refuses at the door, after authorizing the call.
    const message = userMessage('', { parts: [{ data: { leadIds: 42 } }], metadata: { skillId: 'score' } });
    const dispose = Disposer.prototype.dispose;
    Disposer.prototype.dispose = function (this: Disposer) {
      events.push('call released');
      return dispose.call(this);
    };
    try {
      const answer = await callAgent(mesh.gw.url, 'path-scorer', token, 'SendMessage', { message });
      assert.equal(answer.status, 200);
      assert.equal(((await answer.json()) as { error?: { code: number } }).error?.code, -32602);
      await until('the call to close', () => closed.length === 1);
    } finally {
      Disposer.prototype.dispose = dispose;
    }
    assert.deepEqual(events, ['answer end called', 'answer written', 'call released', 'input hashed', 'call let go']);
    const row = await auditRowOf(message);
    assert.equal(row.outcome, 'error');
  });

  test('a closed call keeps nothing of its request, reply or body; its audit row has the hash of the message it forwarded', async () => {
    const message = leads();
    const answer = await callAgent(mesh.gw.url, 'path-scorer', token, 'SendMessage', { message }, { id: 'closed-1' });
    assert.equal(answer.status, 200);
    const taskId = ((await answer.json()) as { result: { task: { id: string } } }).result.task.id;
    await until('the call to close', () => closed.length === 1);
    assert.deepEqual(closed[0]!.kept, []);
    // The Immediate that hashes the input while the agent works ran before the close: once, and into the row.
    assert.equal(events.filter((e) => e === 'input hashed').length, 1);
    const row = await auditRowOf(message);
    assert.equal(row.taskId, taskId);
    assert.equal(row.outcome, 'ok');
  });

  test("a call's asynchronous release still records it, after the release, from what was taken before its close", async () => {
    const message = leads();
    let releaseDone!: () => void;
    const releasing = new Promise<void>((resolve) => (releaseDone = resolve));
    // A release of the call's own disposer that answers later than the close (a slot given back asynchronously).
    const hashInput = GatewayCall.prototype.hashInput;
    GatewayCall.prototype.hashInput = function (this: GatewayCall) {
      if (this.unhashedInput !== undefined)
        this.disposer.defer(async () => {
          await releasing;
          events.push('asynchronous release done');
        });
      hashInput.call(this);
    };
    try {
      const answer = await callAgent(mesh.gw.url, 'path-scorer', token, 'SendMessage', { message });
      assert.equal(answer.status, 200);
      const taskId = ((await answer.json()) as { result: { task: { id: string } } }).result.task.id;
      await until('the call to close', () => closed.length === 1);
      // Closed and let go, the release still pending: the record waits for it.
      assert.deepEqual(closed[0]!.kept, []);
      assert.ok(!events.includes('charged messageId remembered'), events.join(', '));
      releaseDone();
      await until('the call to be recorded', () => events.includes('charged messageId remembered'));
      assert.deepEqual(events.slice(events.indexOf('call let go')), ['call let go', 'asynchronous release done', 'charged messageId remembered']);
      const row = await auditRowOf(message);
      assert.equal(row.taskId, taskId);
      // What the record remembered was taken from the call before it let go: its agent, tenant and messageId.
      assert.deepEqual(lastCharged, ['path-scorer', 'acme', message['messageId']]);
    } finally {
      GatewayCall.prototype.hashInput = hashInput;
      releaseDone();
    }
  });

  test("a call refused after it was read is answered in its binding with its own id, then let go; its row has its input's hash", async () => {
    const message = userMessage('', { parts: [{ data: { leadIds: 42 } }], metadata: { skillId: 'score' } });
    const answer = await callAgent(mesh.gw.url, 'path-scorer', token, 'SendMessage', { message }, { id: 'refused-7', headers: { 'x-request-id': 'closed-call-refused' } });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-request-id'), 'closed-call-refused');
    const body = (await answer.json()) as { jsonrpc: string; id: unknown; error?: { code: number } };
    assert.equal(body.id, 'refused-7');
    assert.equal(body.error?.code, -32602);
    await until('the call to close', () => closed.length === 1);
    assert.deepEqual(closed[0]!.kept, []);
    const row = await auditRowOf(message);
    assert.equal(row.outcome, 'error');
    assert.equal(row.errorCode, 'AM_ERR_PROTOCOL_INVALID_PARAMS');
  });

  test('a call whose client left before the answer still has its input hashed and audited', async () => {
    held.length = 0;
    const message = leads({ hold: true });
    const client = new AbortController();
    const call = callAgent(mesh.gw.url, 'path-scorer', token, 'SendMessage', { message }, { signal: client.signal }).catch((err: unknown) => err);
    await until('the call to reach the agent', () => held.length === 1);
    assert.deepEqual(events, ['upstream request written', 'input hashed']);
    client.abort();
    assert.ok((await call) instanceof Error, 'the client gave up on its call');
    // The gateway reads the client's FIN as a half-close (ADR 0069): the call goes on until the agent answers.
    for (const release of held) release();
    const row = await auditRowOf(message);
    assert.equal(row.method, 'SendMessage');
  });
});
