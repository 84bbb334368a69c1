/**
 * deploy/Dockerfile built for real with Podman and run: `agentmesh up` in the
 * image answers /ready and an authenticated SendMessage through the gateway
 * as a non-root user that cannot change the code, the CLI is the command
 * `agentmesh`, SIGTERM stops it cleanly through tini; `serve gateway` in the
 * image reaches /ready on the host's PostgreSQL and Redis.
 * The base image is made locally when absent (deploy/README.md, "Air-gapped
 * builders"); the figures (image size, start time) go to the test's diagnostics.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { createTestSchema, postgresSkipReason, REDIS_URL, redisSkipReason, waitFor } from '../helpers/services.js';
import { buildImage, IMAGE, podman, requireTools } from './podman.js';

const logs = mkdtempSync(join(tmpdir(), 'agentmesh-image-'));
const containers: string[] = [];

async function ready(url: string): Promise<true | undefined> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status === 200 ? true : undefined;
  } catch {
    return undefined;
  }
}

describe('the container image', { timeout: 40 * 60_000 }, () => {
  before(async () => {
    requireTools();
    const built = await buildImage(logs);
    process.stderr.write(`# image: base ${built.base}${built.baseMade ? ' (made now)' : ''}; build ${built.seconds.toFixed(0)} s; logs in ${logs}\n`);
  });

  after(async () => {
    for (const name of containers) await podman(['rm', '--force', '--volumes', '--time', '5', name]).catch(() => undefined);
  });

  test('runs agentmesh up as a non-root user with a read-only code tree: /ready, a token from the agentmesh command, SendMessage through the gateway, a clean stop', async (t) => {
    const name = `agentmesh-up-${randomBytes(4).toString('hex')}`;
    containers.push(name);
    const startedAt = Date.now();
    await podman(['run', '--detach', '--name', name, '--publish', '127.0.0.1::4200', IMAGE, 'up']);
    const published = (await podman(['port', name, '4200/tcp'])).trim().split('\n')[0]!;
    const gateway = `http://${published}`;
    await waitFor('/ready of the gateway in the container', () => ready(`${gateway}/ready`), { timeoutMs: 120_000, intervalMs: 100 });
    const readyMs = Date.now() - startedAt;
    // The banner comes once every role (the orchestrator last) is up.
    const banner = await waitFor('the banner of agentmesh up', async () => {
      const out = await podman(['logs', name]);
      return /agentmesh is ready in [\d.]+ s/.test(out) ? out : undefined;
    }, { timeoutMs: 120_000, intervalMs: 200 });
    const reported = /agentmesh is ready in ([\d.]+) s/.exec(banner)?.[1];
    t.diagnostic(`ready: ${readyMs} ms from podman run to the gateway's /ready 200, ${Date.now() - startedAt} ms to the banner (which says ${reported} s from process start); image size ${(await podman(['image', 'inspect', IMAGE, '--format', '{{.Size}}'])).trim()} bytes`);
    // The Try: line names the command the image has, not npx or a node path.
    const tryLine = banner.split('\n').find((line) => line.startsWith('Try: '));
    assert.match(tryLine ?? '', /\$\(AGENTMESH_CLIENT_ID=\S+ AGENTMESH_CLIENT_SECRET=\S+ agentmesh token --gateway \S+\) agentmesh send /, banner.slice(-2000));

    assert.equal((await podman(['exec', name, 'id', '-u'])).trim(), '10001');
    const write = await podman(['exec', name, 'sh', '-c', 'touch /opt/agentmesh/dist/src/cli/bin.js 2>/dev/null; echo $?; touch /opt/agentmesh/new 2>/dev/null; echo $?; test -w /opt/agentmesh/node_modules; echo $?']);
    assert.deepEqual(write.trim().split('\n'), ['1', '1', '1'], 'the process can change the code tree');

    const demo = JSON.parse(await podman(['exec', name, 'cat', '/var/lib/agentmesh/demo-client.json'])) as { clientId: string; clientSecret: string };
    const token = (
      await podman(['exec', '--env', `AGENTMESH_CLIENT_ID=${demo.clientId}`, '--env', `AGENTMESH_CLIENT_SECRET=${demo.clientSecret}`, '--env', 'AGENTMESH_TOKEN_CACHE=0', name, 'agentmesh', 'token', '--gateway', 'http://127.0.0.1:4200'])
    ).trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const send = (authorization: string | undefined) =>
      fetch(`${gateway}/agents/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hello from the host' }] } } }),
      });
    assert.equal((await send(undefined)).status, 401);
    const answered = (await (await send(`Bearer ${token}`)).json()) as { result?: { task?: { status?: { state?: string } } } };
    assert.equal(answered.result?.task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(answered));

    // SIGTERM through tini: node drains and exits 0 well within the grace period.
    const stopAt = Date.now();
    await podman(['stop', '--time', '30', name]);
    const state = JSON.parse(await podman(['inspect', name, '--format', '{{json .State}}'])) as { ExitCode: number };
    t.diagnostic(`stopped in ${Date.now() - stopAt} ms`);
    assert.equal(state.ExitCode, 0, `exit code ${state.ExitCode}:\n${(await podman(['logs', '--tail', '30', name])).slice(-3000)}`);
  });

  test('serve registry and serve gateway in the image reach /ready on the host PostgreSQL and Redis', async (t) => {
    for (const reason of [await postgresSkipReason(), await redisSkipReason()]) {
      if (reason) return t.skip(reason); // REQUIRE_SERVICES=1 makes these throw instead
    }
    const schema = await createTestSchema();
    t.after(() => schema.drop());
    const [registryPort, gatewayPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const suffix = randomBytes(4).toString('hex');
    // The host's network: PostgreSQL and Redis listen on its loopback.
    const serve = async (role: 'registry' | 'gateway', env: Record<string, string>, port: number): Promise<void> => {
      const name = `agentmesh-${role}-${suffix}`;
      containers.push(name);
      const shared = { DATABASE_URL: schema.url, REDIS_URL, HOST: '127.0.0.1', REGISTRY_TOKEN: `registry-${suffix}-token-0123456789` };
      const flags = Object.entries({ ...shared, ...env }).flatMap(([key, value]) => ['--env', `${key}=${value}`]);
      const startedAt = Date.now();
      await podman(['run', '--detach', '--name', name, '--network', 'host', ...flags, IMAGE, 'serve', role]);
      await waitFor(`/ready of serve ${role} in the container`, () => ready(`http://127.0.0.1:${port}/ready`), { timeoutMs: 120_000, intervalMs: 100 }).catch(async (err: Error) => {
        throw new Error(`${err.message}\n${(await podman(['logs', '--tail', '20', name])).slice(-4000)}`);
      });
      t.diagnostic(`serve ${role}: /ready 200 ${Date.now() - startedAt} ms after podman run`);
    };
    await serve('registry', { REGISTRY_PORT: String(registryPort), REGISTRY_PUBLIC_URL: `http://127.0.0.1:${registryPort}` }, registryPort);
    await serve(
      'gateway',
      {
        GATEWAY_PORT: String(gatewayPort),
        GATEWAY_METRICS_PORT: String(metricsPort),
        GATEWAY_METRICS_HOST: '127.0.0.1',
        REGISTRY_URL: `http://127.0.0.1:${registryPort}`,
        GATEWAY_SECRET: randomBytes(24).toString('base64url'),
        GATEWAY_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
      },
      gatewayPort,
    );
    assert.equal((await fetch(`http://127.0.0.1:${gatewayPort}/.well-known/jwks.json`)).status, 200);
    for (const role of ['gateway', 'registry']) await podman(['stop', '--time', '30', `agentmesh-${role}-${suffix}`]);
  });
});
