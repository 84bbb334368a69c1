/**
 * `agentmesh serve gateway --workers 2` on PostgreSQL + Redis, as real
 * processes: one primary, two workers sharing one port (the primary picks
 * it for `--port 0` and prints it when both workers listen). Calls are
 * answered; both workers serve them (the primary's metrics carry each
 * worker's series, labelled worker="1" and worker="2"); a worker killed
 * with SIGKILL is replaced and calls keep succeeding; SIGTERM drains every
 * worker and the primary exits 0.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, createClient, fetchToken } from '../helpers/gateway-fixture.js';
import { startRegistry } from '../helpers/registry-fixture.js';
import { startRuntime, testAgent } from '../helpers/runtime-fixture.js';
import { REDIS_URL, createTestSchema, postgresSkipReason, redisSkipReason, type TestSchema } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { fleetGatewayEnv } from '../helpers/child-gateway.js';
import { isolatedChildEnv } from '../helpers/isolated-cli-env.js';
import { TS_CHILD_ARGV } from '../helpers/typescript-child.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'gateway-workers-test-secret-0123456789abcdef';

/** GetTask on an id no one has, on a connection of its own (so the primary's round robin spreads calls): answered -32001 by the agent once forwarded. */
function getUnknownTask(gatewayUrl: string, token: string): Promise<{ status: number; body: any }> {
  const payload = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'no-such-task' } });
  return new Promise((resolve, reject) => {
    const req = request(`${gatewayUrl}/agents/tester`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Everything the primary printed so far, and a wait for a pattern in it (an event: its output, never a sleep). */
function watchOutput(child: ChildProcess): { text(): string; next(pattern: RegExp, what: string): Promise<RegExpExecArray> } {
  let out = '';
  const waiters: Array<() => void> = [];
  const onData = (c: Buffer) => {
    out += c.toString();
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return {
    text: () => out,
    next(pattern, what) {
      const from = out.length;
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out.slice(from));
          if (match) return resolve(match);
          if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`${what}: the primary exited (${child.exitCode ?? child.signalCode}): ${out}`));
          waiters.push(check);
        };
        child.once('exit', () => waiters.includes(check) && check());
        check();
      });
    },
  };
}

describe('serve gateway --workers 2', { skip }, () => {
  let schema: TestSchema;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let runtime: Awaited<ReturnType<typeof startRuntime>>;
  let primary: ChildProcess;
  let output: ReturnType<typeof watchOutput>;
  let dataDir: string;
  let url: string;
  let metricsUrl: string;
  let pids: number[];
  let token: string;

  before(async () => {
    schema = await createTestSchema();
    registry = await startRegistry({ probeIntervalMs: 200 });
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-gateway-workers-'));
    primary = spawn(process.execPath, [...TS_CHILD_ARGV, 'src/cli/bin.ts', 'serve', 'gateway', '--workers', '2', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
      cwd: REPO,
      env: isolatedChildEnv({
        ...fleetGatewayEnv({ databaseUrl: schema.url, redisUrl: REDIS_URL, secret: SECRET, adminToken: ADMIN_TOKEN, registryUrl: registry.url }),
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    output = watchOutput(primary);
    const ready = await output.next(/gateway listening on (\S+) \(2 workers, pids (\d+) (\d+)\)\n {2}agents .*\n {2}metrics (\S+)/, 'the ready line');
    [url, metricsUrl] = [ready[1]!, ready[4]!];
    pids = [Number(ready[2]), Number(ready[3])];
    runtime = await startRuntime([testAgent], { registryUrl: registry.url, gatewayJwksUrl: `${url}/.well-known/jwks.json`, requireGatewayAssertion: true });
    const client = await createClient(url, { name: 'workers', tenant: 'workers', scopes: ['a2a:tasks:read'] });
    token = await fetchToken(url, client);
  });
  after(async () => {
    if (primary && primary.exitCode === null && primary.signalCode === null) {
      primary.kill('SIGKILL');
      for (const pid of pids ?? []) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    await runtime?.close();
    await registry?.close();
    await schema?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('one port, two distinct workers, calls answered by the agent through both', async () => {
    assert.notEqual(pids[0], pids[1]);
    assert.notEqual(new URL(url).port, '0');
    await until('both workers to route to the test agent', async () => {
      const answers = await Promise.all(Array.from({ length: 4 }, () => getUnknownTask(url, token)));
      return answers.every((a) => a.body.error?.code === -32001);
    }, 15_000);
    for (let i = 0; i < 20; i++) {
      const { status, body } = await getUnknownTask(url, token);
      assert.equal(status, 200);
      assert.equal(body.error?.code, -32001, JSON.stringify(body));
    }
    const metrics = await (await fetch(metricsUrl)).text();
    for (const worker of ['1', '2']) {
      const served = new RegExp(`^agentmesh_gateway_calls_total\\{[^}]*worker="${worker}"[^}]*\\} (\\d+)`, 'm').exec(metrics);
      assert.ok(served && Number(served[1]) > 0, `worker ${worker} served no call:\n${metrics.split('\n').filter((l) => l.startsWith('agentmesh_gateway_calls_total')).join('\n')}`);
    }
  });

  test('a worker killed with SIGKILL is replaced, and calls keep succeeding', async () => {
    const replaced = output.next(/gateway worker (\d) listening again \(pid (\d+)\)/, 'the replacement');
    process.kill(pids[0]!, 'SIGKILL');
    const [, slot, pid] = await replaced;
    assert.equal(slot, '1');
    assert.notEqual(Number(pid), pids[0]);
    assert.match(output.text(), new RegExp(`gateway worker 1 \\(pid ${pids[0]}\\) exited with signal SIGKILL; restarting it in \\d+ ms`));
    pids[0] = Number(pid);
    for (let i = 0; i < 10; i++) {
      const { body } = await getUnknownTask(url, token);
      assert.equal(body.error?.code, -32001, JSON.stringify(body));
    }
  });

  test('SIGTERM drains every worker and the primary exits 0', async () => {
    const exited = once(primary, 'exit') as Promise<[number | null, string | null]>;
    primary.kill('SIGTERM');
    const [code, signal] = await exited;
    assert.deepEqual([code, signal], [0, null], output.text());
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} outlived its primary`);
  });
});

describe('serve gateway --workers 2 whose primary disappears', { skip }, () => {
  let schema: TestSchema;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let dataDir: string;
  let pids: number[] = [];
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  before(async () => {
    schema = await createTestSchema();
    registry = await startRegistry({ probeIntervalMs: 200 });
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-gateway-orphans-'));
  });
  after(async () => {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await registry?.close();
    await schema?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('its workers drain and exit (ADR 0021), as for SIGTERM', async () => {
    const child = spawn(process.execPath, [...TS_CHILD_ARGV, 'src/cli/bin.ts', 'serve', 'gateway', '--workers', '2', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
      cwd: REPO,
      env: isolatedChildEnv({ GATEWAY_METRICS_PORT: '0', DATABASE_URL: schema.url, REDIS_URL, GATEWAY_SECRET: SECRET, GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN, REGISTRY_URL: registry.url, LOG_LEVEL: 'info', LOG_FORMAT: 'json', AGENTMESH_DEV: '1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // JSON log lines: the drain lines are read by their fields.
    const output = watchOutput(child);
    const ready = await output.next(/gateway listening on \S+ \(2 workers, pids (\d+) (\d+)\)/, 'the ready line');
    pids = [Number(ready[1]), Number(ready[2])];
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    await until('both workers to exit', () => pids.every((pid) => !alive(pid)));
    // They drained (Node's cluster alone would have ended them at once); their output outlives the primary's.
    await until('both drain lines', () => new Set(output.text().match(/"worker":\d[^\n]*"reason":"primary gone"[^\n]*gateway worker draining/g)).size === 2);
  });
});
