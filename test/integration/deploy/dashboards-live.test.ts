// test-tier: tools (needs prometheus)
/**
 * A real Prometheus scrapes a running
 * `agentmesh up` under mixed traffic (successes, failures, 401/403/429, a
 * workflow with a map, push deliveries with a retry), then every panel query
 * of every dashboard in deploy/grafana/dashboards runs through Prometheus's
 * HTTP API and must return data; the rules of deploy/prometheus load and
 * evaluate without error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/free-port.js';
import { requireBinary } from '../../helpers/prometheus-binaries.js';
import { until } from '../../helpers/until.js';
import { ROOT, startMesh, stopMesh, type Mesh } from '../e2e/mesh-process.js';

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string; refId: string }>;
}

/** Every panel query of every dashboard, by dashboard and panel title. */
function panelQueries(): Array<{ where: string; expr: string }> {
  const dir = join(ROOT, 'deploy/grafana/dashboards');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((file) => {
      const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { panels: Panel[] };
      return dashboard.panels.filter((p) => p.type !== 'row').flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${file} › ${p.title} › ${t.refId}`, expr: t.expr })));
    });
}

/**
 * Grafana's substitutions, done the way Grafana would for "All": the rate
 * interval becomes a fixed window, and every label variable matches anything.
 */
function substitute(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s')
    .replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a: string | undefined, b: string | undefined) => ((a ?? b) === 'datasource' ? whole : '.*'));
}

const json = { 'content-type': 'application/json', 'a2a-version': '1.0' };

function message(parts: unknown[], extra: Record<string, unknown> = {}) {
  return { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts, ...extra };
}

/**
 * Panel queries with no series on a healthy mesh by design: the per-agent breaker series exist only
 * for agents with a breaker not closed (the same panel's fleet totals, query B, must return data).
 */
const EMPTY_WHILE_HEALTHY = new Set(['agentmesh-gateway-tenants.json › Instances by breaker state › A']);

describe('dashboards and rules against a live mesh and a real Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-prom-'));
  let mesh: Mesh | undefined;
  let prometheus: ChildProcess | undefined;
  let promUrl = '';
  let webhook: Server | undefined;
  let webhookUrl = '';
  let webhookCalls = 0;
  let orchestratorUrl = '';
  let adminToken = '';
  let prometheusLog = '';
  let refused = 0;

  async function query(expr: string): Promise<{ status: string; data?: { result: unknown[] }; error?: string }> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await res.json()) as { status: string; data?: { result: unknown[] }; error?: string };
  }

  async function token(clientId: string, clientSecret: string): Promise<string> {
    const res = await fetch(`${mesh!.gatewayUrl}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { access_token: string }).access_token;
  }

  async function send(agent: string, bearer: string, params: Record<string, unknown>): Promise<{ status: number; body: any }> {
    const res = await fetch(`${mesh!.gatewayUrl}/agents/${agent}`, { method: 'POST', headers: { ...json, authorization: `Bearer ${bearer}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params }) });
    return { status: res.status, body: await res.json() };
  }

  async function createClient(payload: Record<string, unknown>): Promise<{ clientId: string; clientSecret: string }> {
    const res = await fetch(`${mesh!.gatewayUrl}/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ authMethod: 'client_secret_basic', tenant: 'demo', ...payload }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const body = (await res.json()) as Record<string, string>;
    return { clientId: body['client_id'] ?? body['clientId']!, clientSecret: body['client_secret'] ?? body['clientSecret']! };
  }

  before(async () => {
    // Fail (never skip) without the binaries, naming the package that has them.
    const prometheusBin = requireBinary('prometheus');
    // A webhook that refuses its first call (one retry, a failure by reason) and takes the rest.
    webhook = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        webhookCalls += 1;
        res.writeHead(webhookCalls === 1 ? 503 : 200).end();
      });
    });
    webhook.listen(0, '127.0.0.1');
    await once(webhook, 'listening');
    webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hooks/mesh`;

    mesh = await startMesh(['--data-dir', join(dir, 'mesh'), '--dev'], {
      LOG_LEVEL: 'error',
      // Push to the loopback webhook; probes every second so probe series exist at once.
      AGENTMESH_ALLOW_HOSTS: '127.0.0.1,localhost',
      REGISTRY_PROBE_INTERVAL_MS: '1000',
    });
    orchestratorUrl = /orchestrator listening on (http:\/\/\S+)/.exec(mesh.banner)![1]!;
    adminToken = readFileSync(join(dir, 'mesh', 'gateway-admin-token'), 'utf8').trim();

    const hostPort = (url: string) => new URL(url).host;
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    copyFileSync(join(ROOT, 'deploy/prometheus/rules.yml'), join(dir, 'rules.yml'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        '  evaluation_interval: 1s',
        'rule_files: [rules.yml]',
        'scrape_configs:',
        // The gateway's private metrics listener, as deploy/prometheus/prometheus.yml says.
        `  - { job_name: agentmesh-gateway, static_configs: [{ targets: ['${hostPort(mesh.gatewayMetricsUrl)}'] }] }`,
        `  - { job_name: agentmesh-registry, static_configs: [{ targets: ['${hostPort(mesh.registryUrl)}'] }] }`,
        `  - { job_name: agentmesh-agents, static_configs: [{ targets: ['${hostPort(mesh.runtimeUrl)}'] }] }`,
        `  - { job_name: agentmesh-orchestrator, static_configs: [{ targets: ['${hostPort(orchestratorUrl)}'] }] }`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(prometheusBin, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    prometheus.stderr!.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
    await until('Prometheus to be ready', async () => (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.status === 200, 60_000);
  });

  after(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = once(prometheus, 'exit');
      prometheus.kill('SIGTERM');
      await exited;
    }
    await stopMesh(mesh);
    if (webhook) await new Promise<void>((resolve) => webhook!.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('Prometheus scrapes every role, the gateway on its private listener', async () => {
    await until('all four targets up', async () => {
      const up = await query('up{job=~"agentmesh-.*"} == 1');
      return up.data?.result.length === 4;
    }, 60_000);
  });

  test('mixed traffic: successes, failures, 401, 403, 429, push with a retry, a workflow with a map', async () => {
    const demo = await token(mesh!.clientId, mesh!.clientSecret);

    // Successes: a free agent and a priced one (credits reserved and charged).
    for (let i = 0; i < 3; i++) assert.equal((await send('echo', demo, { message: message([{ text: `hello ${i}` }]) })).body.result?.task?.status?.state, 'TASK_STATE_COMPLETED');
    const scored = await send('lead-scorer', demo, { message: message([{ data: { leadIds: ['lead-001', 'lead-002'] } }]) });
    assert.equal(scored.body.result?.task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(scored.body));

    // Push: the webhook's first answer is 503 (a retry), the next ones 200.
    const pushed = await send('echo', demo, { message: message([{ text: 'push me' }]), configuration: { taskPushNotificationConfig: { url: webhookUrl, token: 'tok' } } });
    assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
    await until('the webhook to take a notification after refusing one', () => webhookCalls >= 2);

    // 401: a token that is not one.
    assert.equal((await send('echo', 'not-a-token', { message: message([{ text: 'x' }]) })).status, 401);
    // 403: a client without the send scope.
    const reader = await createClient({ name: 'card-reader', scopes: ['a2a:card:read'] });
    assert.equal((await send('echo', await token(reader.clientId, reader.clientSecret), { message: message([{ text: 'x' }]) })).status, 403);
    // 429: a client allowed one call a minute (and a burst of one).
    const slow = await createClient({ name: 'slow', scopes: ['a2a:message:send'], rateLimit: { requestsPerMinute: 1, burst: 1 } });
    const slowToken = await token(slow.clientId, slow.clientSecret);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await send('echo', slowToken, { message: message([{ text: `q${i}` }]) })).status);
    refused = statuses.filter((s) => s === 429).length;
    assert.ok(refused >= 2, `statuses ${statuses.join(',')}`);
    // An upstream 4xx: a task the agent does not know.
    const missing = await fetch(`${mesh!.gatewayUrl}/agents/echo/tasks/no-such-task`, { headers: { ...json, authorization: `Bearer ${demo}` } });
    assert.equal(missing.status, 404);

    // A registered workflow with a map (three batches), and an ad hoc one that fails (its agent does not exist).
    const run = await send('orchestrator', demo, { message: message([{ data: { count: 1200, top: 3 } }], { metadata: { skillId: 'lead-map-reduce' } }) });
    assert.equal(run.body.result?.task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(run.body).slice(0, 2000));
    const failing = await send('orchestrator', demo, {
      message: message([{ data: { workflow: 'name: will-fail\nsteps:\n  - id: nowhere\n    call: { agent: no-such-agent }\n    input: { x: 1 }\n' } }], { metadata: { skillId: 'run-workflow' } }),
    });
    assert.equal(failing.body.result?.task?.status?.state, 'TASK_STATE_FAILED', JSON.stringify(failing.body).slice(0, 2000));
  });

  test('no public listener serves a tenant-labelled series', async () => {
    assert.equal((await fetch(`${mesh!.gatewayUrl}/metrics`)).status, 404, "the gateway's public port has no /metrics");
    for (const url of [mesh!.runtimeUrl, mesh!.registryUrl, orchestratorUrl]) {
      const body = await (await fetch(`${url}/metrics`)).text();
      assert.doesNotMatch(body, /tenant="/, `${url}/metrics names a tenant`);
      assert.doesNotMatch(body, /demo/, `${url}/metrics names the demo tenant`);
    }
    // The private listener does: the quota refusals of the demo tenant, counted once each.
    assert.match(await (await fetch(mesh!.gatewayMetricsUrl)).text(), new RegExp(`agentmesh_gateway_quota_refusals_total\\{tenant="demo",quota="client"\\} ${refused}\n`));
  });

  test('every dashboard panel query returns data', async () => {
    const queries = panelQueries();
    assert.ok(queries.length >= 60, `${queries.length} panel queries`);
    const empty: string[] = [];
    for (const { where, expr } of queries) {
      const promql = substitute(expr);
      if (EMPTY_WHILE_HEALTHY.has(where)) {
        // Series only while something is wrong (docs/observability.md): Prometheus must accept the query, nothing more.
        const answer = await query(promql);
        assert.equal(answer.status, 'success', `${where}: Prometheus refused ${promql}: ${answer.error}`);
        continue;
      }
      let last: Awaited<ReturnType<typeof query>> | undefined;
      // Gauges sampled every 15 s (agents by health, running tasks) and the 1 s scrapes need a moment: wait per query, bounded.
      await until(`${where} to return data`, async () => {
        last = await query(promql);
        if (last.status !== 'success') throw new Error(`${where}: Prometheus refused ${promql}: ${last.error}`);
        return (last.data?.result.length ?? 0) > 0;
      }, 30_000).catch(() => empty.push(`${where}\n    ${promql}`));
    }
    assert.deepEqual(empty, [], `panels without data:\n${empty.join('\n')}`);
  });

  test('the alert rules load and every rule evaluates without error', async () => {
    type Rule = { name: string; health: string; lastError?: string; type: string };
    let groups: Array<{ name: string; rules: Rule[] }> = [];
    await until('every rule to have been evaluated', async () => {
      const res = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: typeof groups } };
      groups = res.data.groups;
      return groups.length > 0 && groups.every((g) => g.rules.every((r) => r.health !== 'unknown'));
    }, 60_000);
    const rules = groups.flatMap((g) => g.rules);
    const expected = readFileSync(join(ROOT, 'deploy/prometheus/rules.yml'), 'utf8').match(/^\s+- alert: /gm)!.length;
    assert.equal(rules.length, expected, 'every rule of rules.yml is loaded');
    for (const rule of rules) assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError ?? ''}`);
    assert.doesNotMatch(prometheusLog, /level=error/, prometheusLog);
  });
});
