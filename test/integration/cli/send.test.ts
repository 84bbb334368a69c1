import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, cliJson } from './cli-harness.js';
import { startFixtureAgent } from './fixture-agent.js';
import { startedForSuite, tempDirForSuite } from '../../helpers/suite-fixture.js';

type TaskJson = {
  id: string;
  contextId: string;
  status: { state: string; message?: { parts: { text?: string }[] } };
  artifacts?: { name: string; parts: { text?: string; data?: unknown }[] }[];
  history?: { metadata?: Record<string, unknown> }[];
};

describe('agentmesh send against an official SDK server', () => {
  const agent = startedForSuite(startFixtureAgent);
  const dir = tempDirForSuite('agentmesh-cli-');

  test('prints the task id, state, status message and artifact of a blocking send', async () => {
    const run = await cli(['send', agent().url, 'score the leads']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^task {6}[0-9a-f-]{36}$/m);
    assert.match(run.stdout, /^context {3}[0-9a-f-]{36}$/m);
    assert.match(run.stdout, /^state {5}completed$/m);
    assert.match(run.stdout, /^message {3}done$/m);
    assert.match(run.stdout, /^artifact {2}report: scored: score the leads$/m);
    assert.equal(run.stderr, '');
  });

  test('prints the final task as v1.0 JSON with --json', async () => {
    const { code, json } = await cliJson(['send', agent().url, 'hello']);
    const task = json as unknown as TaskJson;
    assert.equal(code, 0);
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED');
    assert.deepEqual(task.artifacts?.[0]?.parts, [{ text: 'scored: hello' }]);
    assert.equal(task.status.message?.parts[0]?.text, 'done');
  });

  test('streams one line per event until the task completes', async () => {
    const run = await cli(['send', agent().url, 'stream me', '--stream']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^\[submitted\] task [0-9a-f-]{36} \(context [0-9a-f-]{36}\)$/);
    assert.deepEqual(lines.slice(1), ['[working] Scoring 3 leads…', '[artifact] report: scored: stream me', '[completed] done']);
  });

  test('streams NDJSON StreamResponses with --stream --json', async () => {
    const run = await cli(['send', agent().url, 'ndjson', '--stream', '--json']);
    assert.equal(run.code, 0, run.stderr);
    type Payload = { id?: string; taskId?: string; status?: { state: string } };
    const events = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, Payload>);
    assert.deepEqual(events.map((e) => Object.keys(e)[0]), ['task', 'statusUpdate', 'artifactUpdate', 'statusUpdate']);
    assert.equal(events.at(-1)?.statusUpdate?.status?.state, 'TASK_STATE_COMPLETED');
    const ids = new Set(events.map((e) => e.task?.id ?? e.statusUpdate?.taskId ?? e.artifactUpdate?.taskId));
    assert.equal(ids.size, 1, 'every event belongs to the one task');
  });

  test('asks for input with exit code 3 and completes when answered with --task', async () => {
    const first = await cli(['send', agent().url, 'score', '--skill', 'ask']);
    assert.equal(first.code, 3, first.stderr);
    assert.match(first.stdout, /^state {5}input-required$/m);
    assert.match(first.stdout, /^message {3}Which region\?$/m);
    const taskId = /^task {6}(\S+)$/m.exec(first.stdout)?.[1];
    assert.ok(taskId);
    assert.ok(first.stdout.includes(`agentmesh send ${agent().url} --task ${taskId} "answer"`), first.stdout);

    const answer = await cli(['send', agent().url, 'EMEA', '--task', taskId]);
    assert.equal(answer.code, 0, answer.stderr);
    assert.ok(answer.stdout.includes(`task      ${taskId}`));
    assert.match(answer.stdout, /^artifact {2}report: region: EMEA$/m);
  });

  test('asks for input over a stream and resumes the same task over a stream', async () => {
    const first = await cli(['send', agent().url, 'score', '--skill', 'ask', '--stream']);
    assert.equal(first.code, 3, first.stderr);
    assert.match(first.stdout, /^\[input-required\] Which region\?$/m);
    const taskId = /^\[submitted\] task (\S+)/m.exec(first.stdout)?.[1];
    assert.ok(taskId);
    assert.ok(first.stdout.includes(`--task ${taskId} "answer"`));

    const answer = await cli(['send', agent().url, 'APAC', '--task', taskId, '--stream']);
    assert.equal(answer.code, 0, answer.stderr);
    assert.match(answer.stdout, /^\[artifact\] report: region: APAC$/m);
    assert.match(answer.stdout, /^\[completed\] done$/m);
  });

  test('keeps stdout parseable with --json when the task needs input: the hint goes to stderr', async () => {
    const run = await cliJson(['send', agent().url, 'score', '--skill', 'ask']);
    assert.equal(run.code, 3);
    assert.equal((run.json as unknown as TaskJson).status.state, 'TASK_STATE_INPUT_REQUIRED');
    assert.match(run.stderr, /agentmesh send .* --task \S+ "answer"/);
  });

  test('exits 1 when the task fails, after printing why', async () => {
    const run = await cli(['send', agent().url, 'go', '--skill', 'fail']);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^state {5}failed$/m);
    assert.match(run.stdout, /^message {3}upstream CRM unavailable$/m);

    const streamed = await cli(['send', agent().url, 'go', '--skill', 'fail', '--stream']);
    assert.equal(streamed.code, 1);
    assert.match(streamed.stdout, /^\[failed\] upstream CRM unavailable$/m);
  });

  test('prints a direct message reply as text, or as Message JSON with --json', async () => {
    const run = await cli(['send', agent().url, 'ping', '--skill', 'reply']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'pong: ping\n');

    const json = await cliJson(['send', agent().url, 'ping', '--skill', 'reply']);
    assert.equal(json.json.role, 'ROLE_AGENT');
    assert.deepEqual(json.json.parts, [{ text: 'pong: ping' }]);

    const streamed = await cli(['send', agent().url, 'ping', '--skill', 'reply', '--stream']);
    assert.equal(streamed.code, 0, streamed.stderr);
    assert.equal(streamed.stdout, '[message] pong: ping\n');
  });

  test('sends --skill as message metadata.skillId', async () => {
    const { json } = await cliJson(['send', agent().url, 'x', '--skill', 'score-leads']);
    const task = json as unknown as TaskJson;
    assert.deepEqual(task.history?.[0]?.metadata, { skillId: 'score-leads' });
    assert.deepEqual(task.artifacts?.[0]?.parts[0], { text: 'scored: x (skill score-leads)' });
  });

  test('adds a data part from a JSON file with --data', async () => {
    const file = join(dir(), 'leads.json');
    await writeFile(file, JSON.stringify({ leads: [{ id: 1 }, { id: 2 }] }));
    const run = await cli(['send', agent().url, 'score', '--data', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^artifact {2}report: \{"received":\{"leads":\[\{"id":1\},\{"id":2\}\]\}\}$/m);
  });

  test('reads --data - from stdin, with no text argument', async () => {
    const { code, json } = await cliJson(['send', agent().url, '--data', '-'], { stdin: '{"region":"EMEA"}' });
    assert.equal(code, 0);
    assert.deepEqual((json as unknown as TaskJson).artifacts?.[0]?.parts[1], { data: { received: { region: 'EMEA' } }, mediaType: 'application/json' });
  });

  test('continues a context with --context', async () => {
    const first = await cliJson(['send', agent().url, 'one']);
    const contextId = (first.json as unknown as TaskJson).contextId;
    const second = await cliJson(['send', agent().url, 'two', '--context', contextId]);
    assert.equal((second.json as unknown as TaskJson).contextId, contextId);
    assert.notEqual((second.json as unknown as TaskJson).id, (first.json as unknown as TaskJson).id);
  });

  test('returns at once with --no-wait while the task keeps running', async () => {
    const { code, json } = await cliJson(['send', agent().url, 'slow', '--skill', 'hold', '--no-wait']);
    const task = json as unknown as TaskJson;
    assert.equal(code, 0);
    assert.ok(['TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING'].includes(task.status.state), task.status.state);
    await agent().held(task.id);
    agent().release(task.id);
  });

  test('sends --header, --token, A2A-Version and a W3C traceparent on the card fetch and the call', async () => {
    const from = agent().requests.length;
    const run = await cli(['send', agent().url, 'hi', '--header', 'x-tenant: acme', '--header', 'X-Request-Source:cli', '--token', 's3cret']);
    assert.equal(run.code, 0, run.stderr);
    const seen = agent().requests.slice(from);
    assert.deepEqual(seen.map((r) => `${r.method} ${r.path}`), ['GET /.well-known/agent-card.json', 'POST /a2a/jsonrpc']);
    const traceIds = new Set<string>();
    for (const request of seen) {
      assert.equal(request.headers.authorization, 'Bearer s3cret');
      assert.equal(request.headers['x-tenant'], 'acme');
      assert.equal(request.headers['x-request-source'], 'cli');
      assert.equal(request.headers['a2a-version'], '1.0');
      const traceparent = String(request.headers.traceparent);
      assert.match(traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      traceIds.add(traceparent.split('-')[1] ?? '');
    }
    assert.equal(traceIds.size, 1, 'one trace id per command');
  });

  test('takes the bearer token from AGENTMESH_TOKEN, and --token wins over it', async () => {
    let from = agent().requests.length;
    await cli(['send', agent().url, 'hi'], { env: { AGENTMESH_TOKEN: 'from-env' } });
    assert.ok(agent().requests.slice(from).every((r) => r.headers.authorization === 'Bearer from-env'));
    from = agent().requests.length;
    await cli(['send', agent().url, 'hi', '--token', 'from-flag'], { env: { AGENTMESH_TOKEN: 'from-env' } });
    assert.ok(agent().requests.slice(from).every((r) => r.headers.authorization === 'Bearer from-flag'));
  });

  test('routes every outbound call through an injected fetchImpl', async () => {
    const calls: string[] = [];
    const fetchImpl: typeof fetch = (input, init) => {
      calls.push(`${init?.method ?? 'GET'} ${new URL(String(input instanceof Request ? input.url : input)).pathname}`);
      return fetch(input, init);
    };
    const from = agent().requests.length;
    const run = await cli(['send', agent().url, 'hi', '--binding', 'rest', '--header', 'x-probe: 1'], { fetchImpl });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(calls, ['GET /.well-known/agent-card.json', 'POST /a2a/rest/message:send']);
    const seen = agent().requests.slice(from);
    assert.ok(seen.every((r) => r.headers['x-probe'] === '1'));
    // The injected fetch owns trace propagation; we add none of our own.
    assert.ok(seen.every((r) => r.headers.traceparent === undefined));
  });

  test('gives up after --timeout with a clear message and exit code 1', async () => {
    const run = await cli(['send', agent().url, 'never', '--skill', 'hold', '--timeout', '300']);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'error: no answer from the agent within 300 ms (--timeout)\n');
  });
});
