/**
 * deploy/compose/compose.yaml, run: the image built by the image tests, every
 * agentmesh service of the file started from it with the command,
 * environment, secrets (made by make-secrets.sh), read-only root, dropped
 * capabilities, healthchecks and depends_on conditions the file gives it
 * (test/image/compose-runner.ts: what Compose does, on Podman), on a network
 * whose DNS answers the service names; then the operator's commands of
 * docs/deploy.md through podman-compose (`run --rm cli clients create …`), a
 * bounded wait until both gateway replicas route the agents called next
 * (healthy is not yet routable: see waitUntilRouted), an authenticated
 * SendMessage through each gateway replica to the agents replicas, and a
 * workflow through the orchestrator.
 *
 * No image registry is reachable here, so PostgreSQL, PgBouncer, Redis and
 * the OTel collector are the host's (test/image/compose-stand-ins.ts), and
 * Prometheus, Grafana and Jaeger do not run. deploy/README.md says what
 * differs from a Docker host. The figures (time to each service ready) go to
 * the diagnostics; every container, volume and network the run made is
 * removed, its logs kept in the folder the diagnostics name.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { postgresSkipReason, waitFor } from '../helpers/services.js';
import { ComposeRunner } from './compose-runner.js';
import { startHostServices, type HostServices } from './compose-stand-ins.js';
import { buildImage, IMAGE, podman, podmanEnv, repoRoot, requireTools } from './podman.js';

/** Services of compose.yaml that cannot run here (no image) and that no agentmesh service depends on. */
const NOT_RUN = new Set(['prometheus', 'grafana', 'jaeger']);

const suffix = randomBytes(4).toString('hex');
const project = `amc${suffix}`;
const logs = mkdtempSync(join(tmpdir(), 'agentmesh-compose-logs-'));
const work = mkdtempSync(join(tmpdir(), 'agentmesh-compose-'));
const projectDirectory = join(work, 'deploy', 'compose');

let runner: ComposeRunner | undefined;
let host: HostServices | undefined;
let upMs = 0;
/** When every service was ready (healthy or completed), epoch ms. */
let upAt = 0;

/** Runs podman-compose on the run's copy of the project, as an operator would in deploy/compose. */
function podmanCompose(args: string[], timeoutMs = 120_000): Promise<string> {
  const files = ['-f', join(projectDirectory, 'compose.yaml'), '-f', join(projectDirectory, 'compose.test.yaml')];
  return new Promise((resolve, reject) => {
    const child = spawn('podman-compose', ['-p', project, ...files, ...args], { cwd: projectDirectory, env: { ...podmanEnv, AGENTMESH_IMAGE: IMAGE }, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    // podman-compose 1.0.3 exits 0 whatever its podman did, and says how podman exited.
    child.once('close', (code) => (code === 0 && /^exit code: 0$/m.test(out) ? resolve(out) : reject(new Error(`podman-compose ${args.join(' ')} failed (${code}):\n${out.slice(-4000)}`))));
  });
}

/**
 * `podman-compose run --rm -T --no-deps cli <args>`; a failure carries what the gateways logged at
 * warn and above, which says why they refused (a store unavailable, a token), where podman-compose's
 * own output is mostly the configuration it ran.
 */
async function cliCommand(args: string[]): Promise<string> {
  try {
    return await podmanCompose(['run', '--rm', '-T', '--no-deps', 'cli', ...args]);
  } catch (err) {
    const logs: string[] = [];
    // Distinct messages only: a burst of one retried warning (a registry read under load) would
    // otherwise push the line saying why the store was away out of the last 30.
    for (const container of runner!.containersOf('gateway')) logs.push(`${container} (warn+, the last of each message):\n  ${(await logLines(container, (line) => line.level >= 40, 30, { lastOfEachMessage: true })).join('\n  ') || '(none)'}`);
    throw new Error(`${(err as Error).message}\n${logs.join('\n')}`, { cause: err });
  }
}

/** The one JSON object a command printed (on one line) among podman-compose's own lines. */
function jsonIn(output: string): Record<string, unknown> {
  const line = /^\{.*\}$/m.exec(output)?.[0];
  assert.ok(line, `no JSON object in:\n${output.slice(-2000)}`);
  return JSON.parse(line) as Record<string, unknown>;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${out}`))));
  });
}

/** The host address a gateway replica is published at (compose: 127.0.0.1:4200 and :4201). */
function gatewayUrl(replica: number): string {
  const published = runner!.ports.find((port) => port.service === 'gateway' && port.replica === replica);
  assert.ok(published, `gateway replica ${replica} publishes no port`);
  return `http://${published.host}`;
}

async function rpc(url: string, token: string | undefined, method: string, params: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

/** The agents the calls below go to through the gateways. */
const CALLED_AGENTS = ['echo', 'orchestrator'] as const;
/**
 * How long the test waits for the gateways to route those agents, ms. An agent whose first
 * registration timed out (the host's stand-ins stalled for a few seconds under the CI's load)
 * registers at its next try, up to a heartbeat (10 s) later, and its PUT may take seconds more.
 */
const ROUTED_WITHIN_MS = 60_000;

function called(agent: unknown): boolean {
  return (CALLED_AGENTS as readonly unknown[]).includes(agent);
}

/**
 * A container's log lines (JSON, pino's levels) kept by `keep`, the last `count`,
 * each as `time level msg {fields}`: what a failure message quotes.
 */
async function logLines(container: string, keep: (line: Record<string, any>) => boolean, count = 20, options: { lastOfEachMessage?: boolean } = {}): Promise<string[]> {
  const text = await podman(['logs', container], { stderr: true }).catch((err: Error) => `{"level":60,"msg":${JSON.stringify(`podman logs ${container}: ${err.message}`)}}`);
  const kept: string[] = [];
  /** Per message, where its last line is in `kept` and how many lines said it. */
  const seen = new Map<string, { at: number; times: number }>();
  for (const raw of text.split('\n')) {
    let line: Record<string, any>;
    try {
      line = JSON.parse(raw) as Record<string, any>;
    } catch {
      continue;
    }
    if (!keep(line)) continue;
    const { time, level, msg, pid: _pid, hostname: _hostname, name: _name, ...fields } = line;
    const detail = JSON.stringify(fields);
    const shown = `${typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '?'} ${level} ${msg} ${detail.length > 400 ? `${detail.slice(0, 400)}…` : detail}`;
    if (options.lastOfEachMessage) {
      const earlier = seen.get(String(msg));
      if (earlier !== undefined) kept[earlier.at] = '';
      seen.set(String(msg), { at: kept.length, times: (earlier?.times ?? 0) + 1 });
    }
    kept.push(shown);
  }
  if (options.lastOfEachMessage) for (const { at, times } of seen.values()) if (times > 1) kept[at] += ` (${times} lines said this)`;
  return kept.filter((line) => line !== '').slice(-count);
}

/**
 * What explains a gateway that does not route an agent: its warnings and
 * errors, its routing cache's lines (loads, agents entering or leaving), and
 * when each agents replica and the orchestrator registered the called agents.
 */
async function routingEvidence(): Promise<string> {
  const parts: string[] = [];
  for (const container of runner!.containersOf('gateway')) {
    // The cache's lines of the called agents and its loads, not those of every agent the replicas host.
    const lines = await logLines(container, (line) => line.level >= 40 || (/routing cache|follow the registry|registry watch/.test(String(line.msg)) && (line.agent === undefined || called(line.agent))), 40);
    parts.push(`${container} (warn+ and routing cache):\n  ${lines.join('\n  ') || '(none)'}`);
  }
  for (const service of ['agents-1', 'agents-2', 'orchestrator']) {
    for (const container of runner!.containersOf(service)) {
      const lines = await logLines(container, (line) => line.level >= 40 || (/registry/.test(String(line.msg)) && called(line.agent)));
      parts.push(`${container} (registration of ${CALLED_AGENTS.join(', ')}; warn+):\n  ${lines.join('\n  ') || '(none)'}`);
    }
  }
  return [`every service was ready at ${new Date(upAt).toISOString().slice(11, 23)}`, ...parts].join('\n');
}

/**
 * Waits until both gateway replicas route every called agent. A runtime's
 * /ready (its healthcheck) turns 200 once it serves, before its agents are
 * registered (it registers in the background, its card naming the port it
 * listens on), and a gateway learns an agent from the registry's change
 * stream after that: "healthy" is not "routable". Routed: a call without a
 * token is refused 401 (the gateway found the agent, whose card asks for a
 * token), not 404 (no agent of that name in its routing cache yet).
 */
async function waitUntilRouted(): Promise<string> {
  const started = Date.now();
  const pending = new Map<string, { replica: number; agent: string; last: string }>();
  for (const replica of [1, 2]) for (const agent of CALLED_AGENTS) pending.set(`gateway-${replica} ${agent}`, { replica, agent, last: 'not asked yet' });
  const routedAt: string[] = [];
  for (;;) {
    for (const [key, probe] of [...pending]) {
      // GetTask of a task that does not exist: nothing is created should the call get through.
      const answer = await rpc(`${gatewayUrl(probe.replica)}/agents/${probe.agent}`, undefined, 'GetTask', { id: randomUUID() }).catch((err: Error) => ({ status: 0, body: err.message }));
      if (answer.status === 401) {
        pending.delete(key);
        routedAt.push(`${key} at +${((Date.now() - upAt) / 1000).toFixed(1)} s`);
      } else probe.last = `${answer.status} ${JSON.stringify(answer.body)?.slice(0, 300)}`;
    }
    if (pending.size === 0) break;
    if (Date.now() - started > ROUTED_WITHIN_MS) {
      const waiting = [...pending].map(([key, probe]) => `${key}: last answer ${probe.last}`).join('\n');
      assert.fail(`the gateways do not route every called agent after ${ROUTED_WITHIN_MS / 1000} s of waiting (${((Date.now() - upAt) / 1000).toFixed(1)} s after every service was ready):\n${waiting}\nrouted: ${routedAt.join(', ') || 'none'}\n${await routingEvidence()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return `the gateways route ${CALLED_AGENTS.join(' and ')} after waiting ${Date.now() - started} ms (first seen routing, after every service was ready: ${routedAt.join(', ')})`;
}

/**
 * Sends a call until its answer is not a retryable UNAVAILABLE (docs/errors.md): HTTP 503 (an agent
 * whose instance the gateway does not hold yet; an agents replica that could not reach the gateway's
 * key set over the containers' network for a moment), or the JSON-RPC error whose reason says so, as a
 * client retries it; anything else is final.
 */
async function sendUntilAvailable(what: string, send: () => Promise<{ status: number; body: any }>): Promise<{ answer: { status: number; body: any }; retried: number }> {
  let retried = 0;
  const answer = await waitFor(what, async () => {
    const got = await send();
    if (got.status !== 503 && got.body?.error?.data?.[0]?.reason !== 'HTTP_UNAVAILABLE') return got;
    retried++;
    return undefined;
  }, { timeoutMs: 30_000, intervalMs: 1_000 });
  return { answer, retried };
}

/** The one wait for routing, shared by the tests that call through the gateways. */
let routed: Promise<string> | undefined;

/** The services whose every container must pass its healthcheck before calls go through the gateways. */
const SERVING = ['registry', 'gateway', 'agents-1', 'agents-2', 'orchestrator'] as const;
/** How long the services may take to serve again after the cli commands, ms: past PostgreSQL's 30 s read deadline. */
const SERVING_AGAIN_WITHIN_MS = 90_000;

/** The registry's instances of an agent, asked inside the registry's container (its token is a secret there). */
async function registryInstances(agent: string): Promise<{ instances?: Array<{ url: string }>; error?: unknown }> {
  const [registry] = runner!.containersOf('registry');
  const script = `fetch('http://127.0.0.1:4100/v1/agents/${agent}/instances', { headers: { authorization: 'Bearer ' + require('node:fs').readFileSync('/run/secrets/registry_token', 'utf8').trim() } }).then((r) => r.text()).then(console.log)`;
  return JSON.parse(await podman(['exec', registry!, 'node', '-e', script])) as { instances?: Array<{ url: string }>; error?: unknown };
}

/**
 * Waits until every service passes its healthcheck and the registry lists the
 * echo agent's instances again. On Podman 4.3 the cli container joining and
 * leaving the project's network used to stall every service's open
 * connections to the host's stand-ins at once (every Redis command and
 * PostgreSQL query timing out two seconds after the cli commands): the
 * network bridge took the cli's lower MAC address and gave it back, leaving
 * each container's ARP entry for the gateway address stale. The runner now
 * pins the bridge's address (compose-runner.ts); this bounded wait stays, and
 * says how long it took, so a service still recovering from anything else
 * is told apart from a call that fails.
 */
async function waitUntilServing(): Promise<string> {
  const started = Date.now();
  let last = '';
  await waitFor(
    'every service to serve again',
    async () => {
      const failing: string[] = [];
      for (const service of SERVING) {
        for (const container of runner!.containersOf(service)) {
          await podman(['healthcheck', 'run', container], { timeoutMs: 15_000 }).catch((err: Error) => failing.push(`${container}: ${err.message.slice(0, 200)}`));
        }
      }
      if (failing.length === 0) {
        const listed: { instances?: unknown[]; error?: unknown } = await registryInstances('echo').catch((err: Error) => ({ error: err.message }));
        if ((listed.instances?.length ?? 0) >= 2) return true;
        failing.push(`the registry's instances of echo: ${JSON.stringify(listed).slice(0, 300)}`);
      }
      last = failing.join('; ');
      return undefined;
    },
    { timeoutMs: SERVING_AGAIN_WITHIN_MS, intervalMs: 1_000 },
  ).catch((err: Error) => assert.fail(`${err.message} after ${SERVING_AGAIN_WITHIN_MS / 1000} s: ${last}`));
  return `every service healthy and the registry listing echo's instances ${Date.now() - started} ms after the cli commands${last === '' ? '' : ` (the last failure before: ${last})`}`;
}

/** The one wait for the services to serve again, shared by the tests that call through the gateways. */
let serving: Promise<string> | undefined;

describe('deploy/compose/compose.yaml, run on Podman', { timeout: 45 * 60_000 }, () => {
  let app: { client_id: string; client_secret: string } | undefined;
  let token = '';

  before(async () => {
    requireTools();
    const reason = await postgresSkipReason();
    if (reason) throw new Error(`the Compose test runs on the host's PostgreSQL: ${reason}`);
    const built = await buildImage(logs);
    process.stderr.write(`# image: build ${built.seconds.toFixed(0)} s; logs of the run in ${logs}\n`);

    // The operator's steps, in a copy of deploy/: make-secrets.sh writes secrets/ beside compose.yaml.
    cpSync(join(repoRoot, 'deploy'), join(work, 'deploy'), { recursive: true });
    await run('sh', [join(projectDirectory, 'make-secrets.sh')]);
    runner = new ComposeRunner({ file: join(repoRoot, 'deploy', 'compose', 'compose.yaml'), projectDirectory, project, variables: { AGENTMESH_IMAGE: IMAGE }, logDir: logs });
    const address = await runner.createNetwork();
    host = await startHostServices({ address, projectDirectory, compose: runner.compose, prefix: `amc_${suffix}`, logDir: logs });
    // What podman-compose needs beyond the file: the stand-ins' names (compose.yaml itself is not changed).
    const extraHosts = Object.keys(host.standIns).map((name) => `${name}:${address}`);
    writeFileSync(join(projectDirectory, 'compose.test.yaml'), JSON.stringify({ services: { cli: { extra_hosts: extraHosts } } }, null, 2));

    // `docker compose up -d`: every service but the tools profile's, the stand-ins and those with no image here.
    const services = Object.entries(runner.compose.services)
      .filter(([name, service]) => service.profiles === undefined && !Object.hasOwn(host!.standIns, name) && !NOT_RUN.has(name))
      .map(([name]) => name);
    const started = Date.now();
    await runner.up({ services, standIns: host.standIns });
    upAt = Date.now();
    upMs = upAt - started;
  });

  after(async () => {
    await runner?.down().catch((err: Error) => process.stderr.write(`# compose down: ${err.message}\n`));
    // podman-compose run's own containers carry the project label too; its override file goes with the copy.
    await host?.close().catch((err: Error) => process.stderr.write(`# host services: ${err.message}\n`));
    rmSync(work, { recursive: true, force: true });
  });

  test('every service starts once its depends_on conditions hold and turns healthy (or completes)', (t) => {
    const timings = runner!.timings.map((timing) => `${timing.container} ${timing.state} at ${(timing.ms / 1000).toFixed(1)} s`);
    t.diagnostic(`up: ${(upMs / 1000).toFixed(1)} s to every service ready; ${timings.join(', ')}`);
    t.diagnostic(`published: ${runner!.ports.map((port) => `${port.service}-${port.replica} ${port.declared} → ${port.host}`).join(', ')}`);
    const reached = new Map(runner!.timings.map((timing) => [timing.container.slice(project.length + 1), timing]));
    for (const container of ['registry-1', 'gateway-1', 'gateway-2', 'agents-1-1', 'agents-2-1', 'orchestrator-1']) assert.equal(reached.get(container)?.state, 'healthy', container);
    assert.equal(reached.get('orchestrator-client-1')?.state, 'completed');
    // Compose's order: the registry before the gateways, the gateways before the agents and the orchestrator's client.
    assert.ok(reached.get('registry-1')!.ms <= reached.get('gateway-1')!.ms);
    assert.ok(reached.get('gateway-2')!.ms <= reached.get('orchestrator-client-1')!.ms);
    assert.ok(reached.get('orchestrator-client-1')!.ms <= reached.get('orchestrator-1')!.ms);
  });

  test('each container runs as compose.yaml sets it: uid 10001, a read-only root, no capabilities', async () => {
    for (const service of ['registry', 'gateway', 'agents-1', 'agents-2', 'orchestrator']) {
      for (const container of runner!.containersOf(service)) {
        const [uid, caps, root] = (await podman(['exec', container, 'sh', '-c', "id -u; grep CapEff /proc/self/status; awk '$2 == \"/\" { print $4 }' /proc/mounts"])).trim().split('\n');
        assert.equal(uid, '10001', container);
        assert.match(caps ?? '', /^CapEff:\s+0+$/, container);
        assert.match(root ?? '', /^ro\b/, `${container}: the root is mounted ${root}`);
      }
    }
  });

  test('podman-compose runs the cli service as docs/deploy.md does: a client of tenant acme and its credits', async (t) => {
    const started = Date.now();
    const bridge = (file: string) => readFileSync(`/sys/class/net/${runner!.bridge}/${file}`, 'utf8').trim();
    const bridgeAddress = bridge('address');
    // A POST the CLI does not send again by itself: answered "unavailable; retry shortly" (the
    // gateway's store away for a moment under the host's load), the operator runs it again, as the
    // error says. A client made by a try whose answer was lost stays unused; the test uses the last.
    const create = ['clients', 'create', '--name', 'app', '--tenant', 'acme', '--scope', 'a2a:message:send', '--scope', 'a2a:tasks:read', '--json'];
    let createdOutput: string | undefined;
    for (let attempt = 1; createdOutput === undefined; attempt++) {
      try {
        createdOutput = await cliCommand(create);
      } catch (err) {
        // The command's own output (the error's cause), not the gateways' log lines the error adds after it.
        const said = ((err as Error).cause as Error | undefined)?.message ?? '';
        if (attempt === 3 || !/unavailable right now; retry shortly/.test(said)) throw err;
        t.diagnostic(`clients create, try ${attempt}: ${/^error: .*$/m.exec(said)?.[0] ?? 'unavailable'}; running it again in 2 s`);
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    }
    const created = jsonIn(createdOutput);
    assert.equal(typeof created['client_id'], 'string', JSON.stringify(created));
    app = created as { client_id: string; client_secret: string };
    const topUp = await cliCommand(['credits', 'topup', 'acme', '100']);
    // A gateway whose store was away for a moment answers 503; the CLI sends the top-up again by its reference.
    const retried = topUp.split('\n').filter((line) => /^gateway answered 503 /.test(line));
    if (retried.length > 0) t.diagnostic(`credits topup: ${retried.length} retr${retried.length === 1 ? 'y' : 'ies'} after a 503: ${retried.join(' | ')}`);
    t.diagnostic(`podman-compose run --rm cli: two commands in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // The cli container joined the network and left it: the MAC address behind the gateway address, where the
    // services reach the stand-ins, stayed put: 3 is an address set by hand, which the kernel keeps; any other
    // is its own choice, the lowest of the ports', which a join or a leave changes.
    assert.equal(bridge('addr_assign_type'), '3', `the bridge ${runner!.bridge}'s address is not pinned`);
    assert.equal(bridge('address'), bridgeAddress);
  });

  test('an authenticated SendMessage through either gateway replica is answered by an agents replica', async (t) => {
    assert.ok(app, 'the client of the previous test');
    t.diagnostic(await (serving ??= waitUntilServing()));
    t.diagnostic(await (routed ??= waitUntilRouted()));
    // The token from the first replica, the calls through both: the replicas share keys and issuer.
    const issued = await fetch(`${gatewayUrl(1)}/oauth/token`, {
      method: 'POST',
      // clients create makes client_secret_basic clients (RFC 6749 §2.3.1).
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    assert.equal(issued.status, 200, await issued.clone().text());
    token = ((await issued.json()) as { access_token: string }).access_token;
    const message = (text: string) => ({ message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }] } });
    assert.equal((await rpc(`${gatewayUrl(2)}/agents/echo`, undefined, 'SendMessage', message('no token'))).status, 401);
    for (const replica of [2, 1]) {
      const started = Date.now();
      // A retryable UNAVAILABLE answer is sent again, as a client retries it; anything else is final.
      const { answer: answered, retried } = await sendUntilAvailable(`an answer through gateway-${replica}`, () => rpc(`${gatewayUrl(replica)}/agents/echo`, token, 'SendMessage', message(`hello through gateway-${replica}`)));
      if (retried > 0) t.diagnostic(`gateway-${replica}: ${retried} retryable UNAVAILABLE answer(s) before this one`);
      assert.equal(answered.body?.result?.task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(answered.body));
      t.diagnostic(`SendMessage through gateway-${replica}: ${Date.now() - started} ms`);
    }
    // Both agents replicas registered their own instance URL (PUBLIC_URL) with the registry.
    const listed = await registryInstances('echo');
    const urls = (listed.instances ?? []).map((instance) => new URL(instance.url).host).sort();
    assert.deepEqual(urls, ['agents-1:4000', 'agents-2:4000'], JSON.stringify(listed));
  });

  test('a workflow runs through the gateway and the orchestrator, its steps called back through the gateway', async (t) => {
    assert.ok(token, 'the token of the previous test');
    await (serving ??= waitUntilServing());
    await (routed ??= waitUntilRouted());
    const started = Date.now();
    const orchestrator = `${gatewayUrl(1)}/agents/orchestrator`;
    // The gateway knows the orchestrator (the wait above); its instance may follow its record by a moment: 503, sent again.
    const { answer: sent, retried } = await sendUntilAvailable('an answer of the orchestrator', () =>
      rpc(orchestrator, token, 'SendMessage', {
        message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ data: { leadIds: ['lead-001', 'lead-002'] } }], metadata: { skillId: 'lookalike-campaign' } },
        configuration: { returnImmediately: true },
      }),
    );
    if (retried > 0) t.diagnostic(`orchestrator: ${retried} retryable UNAVAILABLE answer(s) before this one`);
    const runId = (sent.body?.result?.task ?? sent.body?.result)?.id as string | undefined;
    assert.ok(runId, JSON.stringify(sent.body));
    const task = await waitFor('the workflow run to end', async () => {
      const got = await rpc(orchestrator, token, 'GetTask', { id: runId });
      const state = got.body?.result?.status?.state as string | undefined;
      return state !== undefined && ['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED'].includes(state) ? got.body.result : undefined;
    }, { timeoutMs: 120_000, intervalMs: 250 });
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    t.diagnostic(`workflow lookalike-campaign (3 steps) through the gateway: ${Date.now() - started} ms`);
    t.diagnostic(`OTLP requests the collector stand-in received: ${JSON.stringify(host!.otlpRequests())}`);
  });
});
