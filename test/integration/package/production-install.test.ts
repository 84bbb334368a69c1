import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv } from '../e2e/mesh-process.js';
import { freePort } from '../../helpers/free-port.js';
import { packAgentmesh, run } from '../../helpers/packed-install.js';
import { createTestSchema, postgresSkipReason, REDIS_URL, redisSkipReason, type TestSchema } from '../../helpers/services.js';
import { until } from '../../helpers/until.js';

/*
 * What deploy/Dockerfile does, without a container engine. The
 * packed tarball is installed with production dependencies only (`npm install
 * --omit=dev`, from the registry or npm's cache) into an empty folder, as the
 * image's production-deps stage does, and everything runs from there: `agentmesh
 * up`, then each role as its own process on PostgreSQL and Redis, configured
 * as docs/operations.md's fleet recipe and deploy/compose configure them
 * (secrets through <NAME>_FILE). Each answers /ready, and a client's call
 * through the gateway reaches an example agent.
 */
/** Why the services part cannot run here, or false. */
const servicesSkip = (await postgresSkipReason()) || (await redisSkipReason());

describe('the packed package installed with production dependencies only', { timeout: 900_000 }, () => {
  let work: string;
  let project: string;
  let bin: string;
  const children: ChildProcess[] = [];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'agentmesh-production-'));
    project = join(work, 'app');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'production-install', private: true }));
    const tarball = await packAgentmesh(work);
    // --prefer-offline: npm's cache answers what it holds, so a warm machine needs no network.
    await run('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: project, maxBuffer: 64 << 20, timeout: 600_000 }).catch((err: { stderr?: string }) => {
      assert.fail(`npm install --omit=dev failed:\n${err.stderr ?? String(err)}`);
    });
    bin = join(project, 'node_modules', 'agentmesh', 'dist', 'src', 'cli', 'bin.js');
    // Its own deadline: a hook gets the runner's --test-timeout (300 s), not the suite's, and packing
    // (a full build) plus the install took longer than that on a loaded 2-core host.
  }, { timeout: 900_000 });

  after(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    rmSync(work, { recursive: true, force: true });
  });

  /** Starts `agentmesh <args>` from the installed package; its output accumulates in `output()`. */
  function start(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
    const child = spawn(process.execPath, [bin, ...args], { cwd: project, env: cleanEnv({ LOG_LEVEL: 'warn', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    return { child, output: () => text };
  }

  /** Runs `agentmesh <args>` from the installed package to its end. */
  async function cli(args: string[], env: Record<string, string>): Promise<string> {
    const { stdout } = await run(process.execPath, [bin, ...args], { cwd: project, env: cleanEnv(env) }).catch((err: { stdout?: string; stderr?: string }) => {
      assert.fail(`agentmesh ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? String(err)}`);
    });
    return stdout;
  }

  async function ready(url: string, what: string, output: () => string): Promise<void> {
    await until(`${what} to answer 200 on ${url}/ready (its output so far: ${output()})`, async () => (await fetch(`${url}/ready`).catch(() => undefined))?.status === 200, 60_000);
  }

  async function sendThroughGateway(gateway: string, token: string, agent: string, message: unknown): Promise<any> {
    const res = await fetch(`${gateway}/agents/${agent}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', ...(message as object) } } }),
    });
    return res.json();
  }

  test('holds the runtime dependencies and none of the development ones', () => {
    const modules = join(project, 'node_modules');
    for (const dep of ['fastify', 'better-sqlite3', 'pg', 'ioredis']) assert.ok(existsSync(join(modules, dep)), `${dep} is installed`);
    for (const dev of ['typescript', 'tsx', 'eslint', 'fast-check', 'autocannon']) assert.equal(existsSync(join(modules, dev)), false, `${dev} is a development dependency`);
  });

  test('agentmesh up serves the whole mesh; the demo client calls an agent through the gateway; SIGTERM exits 0', async () => {
    const dataDir = join(work, 'up-data');
    const up = start(['up', '--port', '0', '--registry-port', '0', '--gateway-port', '0', '--orchestrator-port', '0', '--data-dir', dataDir], { GATEWAY_METRICS_PORT: String(await freePort()) });
    await until(`up to print its banner (output: ${up.output()})`, () => /demo client: \S+ \/ \S+/.test(up.output()) && /orchestrator listening on/.test(up.output()), 120_000);
    const urls = [...up.output().matchAll(/(registry|gateway|runtime|orchestrator) listening on (http:\/\/[^\s/]+)/g)].map((m) => [m[1]!, m[2]!] as const);
    assert.deepEqual(new Set(urls.map(([role]) => role)), new Set(['registry', 'gateway', 'runtime', 'orchestrator']), up.output());
    for (const [role, url] of urls) await ready(url, role, up.output);
    const gateway = urls.find(([role]) => role === 'gateway')![1];
    // The built web console ships in the package (files: dist/console) and the gateway serves it.
    const consolePage = await fetch(`${gateway}/console/`);
    assert.equal(consolePage.status, 200, await consolePage.clone().text());
    assert.match(await consolePage.text(), /<script type="module" crossorigin src="\/console\/assets\/[^"]+\.js">/);
    const [, clientId, clientSecret] = /demo client: (\S+) \/ (\S+)/.exec(up.output())!;
    const token = (await cli(['token', '--gateway', gateway, '--client-id', clientId!, '--client-secret', clientSecret!], {})).trim();
    const body = await sendThroughGateway(gateway, token, 'lead-scorer', { parts: [{ data: { leadIds: ['lead-001'] } }] });
    assert.equal(body.result?.task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(body));
    up.child.kill('SIGTERM');
    const [code] = (await once(up.child, 'exit')) as [number | null];
    assert.equal(code, 0, up.output());
  });

  // Visible as a skip when the services are absent (`npm test` on a bare machine); CI sets REQUIRE_SERVICES=1, which makes absence a failure.
  describe('each role as its own process on PostgreSQL and Redis', { skip: servicesSkip }, () => {
    let schema: TestSchema;
    before(async () => {
      schema = await createTestSchema();
    });
    after(async () => {
      // The roles first: their pools hold the schema's tables.
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => once(c, 'exit')));
      await schema?.drop();
    });

    test('registry, gateway, agents and orchestrator start, report ready, and serve a call through the gateway', async () => {
      const secrets = join(work, 'secrets');
      mkdirSync(secrets);
      const secret = (name: string, value: string): string => {
        writeFileSync(join(secrets, name), `${value}\n`, { mode: 0o600 });
        return join(secrets, name);
      };
      const [registryPort, gatewayPort, metricsPort, agentsPort, orchestratorPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
      const registry = `http://127.0.0.1:${registryPort}`;
      const gateway = `http://127.0.0.1:${gatewayPort}`;
      const adminToken = crypto.randomUUID();
      const shared = {
        DATABASE_URL_FILE: secret('database_url', schema.url),
        REDIS_URL,
        REGISTRY_TOKEN_FILE: secret('registry_token', crypto.randomUUID()),
        AGENTMESH_ALLOW_HOSTS: 'localhost,127.0.0.1',
        REGISTRY_URL: registry,
      };

      const registryRole = start(['serve', 'registry', '--port', String(registryPort), '--data-dir', join(work, 'registry')], shared);
      await ready(registry, 'the registry', registryRole.output);

      const gatewayRole = start(['serve', 'gateway', '--port', String(gatewayPort), '--data-dir', join(work, 'gateway')], {
        ...shared,
        GATEWAY_PUBLIC_URL: gateway,
        GATEWAY_METRICS_PORT: String(metricsPort),
        GATEWAY_SECRET_FILE: secret('gateway_secret', 'a'.repeat(16) + crypto.randomUUID()),
        GATEWAY_ADMIN_TOKEN_FILE: secret('gateway_admin_token', adminToken),
      });
      await ready(gateway, 'the gateway', gatewayRole.output);

      const agentsRole = start(['serve', 'agents', '--only', 'echo,lead-scorer', '--port', String(agentsPort), '--data-dir', join(work, 'agents')], {
        ...shared,
        AGENTMESH_SECRET_FILE: secret('agentmesh_secret', crypto.randomUUID() + crypto.randomUUID()),
        GATEWAY_JWKS_URL: `${gateway}/.well-known/jwks.json`,
        GATEWAY_ISSUER: gateway,
        AGENTMESH_REQUIRE_GATEWAY: '1',
      });
      await ready(`http://127.0.0.1:${agentsPort}`, 'the agents', agentsRole.output);

      const admin = { AGENTMESH_GATEWAY: gateway, GATEWAY_ADMIN_TOKEN: adminToken };
      const orchestratorClient = JSON.parse(
        await cli(['clients', 'create', '--name', 'orchestrator', '--tenant', 'agentmesh', '--scope', 'gateway:delegate', '--scope', 'a2a:message:send', '--scope', 'a2a:tasks:read', '--scope', 'a2a:tasks:cancel', '--scope', 'a2a:card:read', '--json'], admin),
      ) as { client_id: string; client_secret: string };
      const orchestratorRole = start(['serve', 'orchestrator', '--port', String(orchestratorPort), '--data-dir', join(work, 'orchestrator')], {
        ...shared,
        GATEWAY_URL: gateway,
        ORCHESTRATOR_CLIENT_ID: orchestratorClient.client_id,
        ORCHESTRATOR_CLIENT_SECRET_FILE: secret('orchestrator_client_secret', orchestratorClient.client_secret),
        AGENTMESH_SECRET_FILE: join(secrets, 'agentmesh_secret'),
        GATEWAY_JWKS_URL: `${gateway}/.well-known/jwks.json`,
        GATEWAY_ISSUER: gateway,
        AGENTMESH_REQUIRE_GATEWAY: '1',
      });
      await ready(`http://127.0.0.1:${orchestratorPort}`, 'the orchestrator', orchestratorRole.output);

      const app = JSON.parse(await cli(['clients', 'create', '--name', 'app', '--tenant', 'acme', '--scope', 'a2a:message:send', '--scope', 'a2a:tasks:read', '--json'], admin)) as { client_id: string; client_secret: string };
      const token = (await cli(['token', '--gateway', gateway, '--client-id', app.client_id, '--client-secret', app.client_secret], {})).trim();
      let body: any;
      await until('the gateway to route to echo, registered by the agents process', async () => {
        body = await sendThroughGateway(gateway, token, 'echo', { parts: [{ text: 'hello fleet' }] });
        return body.result?.task?.status?.state === 'TASK_STATE_COMPLETED';
      }, 60_000).catch((err: Error) => assert.fail(`${err.message}: last answer ${JSON.stringify(body)}\n${gatewayRole.output()}`));
      assert.match(JSON.stringify(body.result.task.artifacts), /hello fleet/);

      for (const role of [orchestratorRole, agentsRole, gatewayRole, registryRole]) {
        role.child.kill('SIGTERM');
        const [code] = (await once(role.child, 'exit')) as [number | null];
        assert.equal(code, 0, role.output());
      }
    });
  });
});
