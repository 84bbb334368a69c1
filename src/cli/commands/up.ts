import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { exampleAgents } from '../../../agents/index.js';
import { createGateway, GATEWAY_DELEGATE_SCOPE, type Gateway } from '../../gateway/index.js';
import { createRegistry } from '../../registry/index.js';
import type { RuntimeConfigInput } from '../../runtime/index.js';
import type { CliContext } from '../cli-io.js';
import { gatewayConfigFromEnv } from '../gateway-config-from-env.js';
import { orchestratorConfigFromEnv } from '../orchestrator-config-from-env.js';
import { registryConfigFromEnv } from '../registry-config-from-env.js';
import { startAgents, type ServeFlags } from '../serve-agents.js';
import { untilSignal } from '../until-signal.js';
import { launchOrchestrator, printWorkflows } from './workflow-serve.js';

type UpFlags = ServeFlags & { registryPort?: string; gatewayPort?: string; orchestratorPort?: string; workflows?: string };

const DEMO_TENANT = 'demo';
const DEMO_SCOPES = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:push:write', 'a2a:card:read'];
/** The mesh's own tenant: the orchestrator's client lives there and acts for the callers' tenants (gateway:delegate). */
const MESH_TENANT = 'agentmesh';
const ORCHESTRATOR_SCOPES = [GATEWAY_DELEGATE_SCOPE, 'a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:card:read'];
/** Used when neither --workflows nor WORKFLOWS_DIR names a folder, if it exists. */
const DEFAULT_WORKFLOWS_DIR = './workflows';

/**
 * `agentmesh up`: the mesh in one process on the embedded SQLite store —
 * the registry, the gateway in front of the example agents, the agents and
 * the orchestrator, which register themselves. Prints the URLs and a demo
 * client.
 */
export function upCommand(ctx: CliContext): Command {
  return new Command('up')
    .description('run the mesh in one process on the embedded SQLite store (registry, gateway, example agents, orchestrator)')
    .option('-p, --port <port>', 'agents port (env PORT; default 4000)')
    .option('--registry-port <port>', 'registry port (env REGISTRY_PORT; default 4100)')
    .option('--gateway-port <port>', 'gateway port (env GATEWAY_PORT; default 4200)')
    .option('--orchestrator-port <port>', 'orchestrator port (env ORCHESTRATOR_PORT; default 4300)')
    .option('--workflows <dir>', `workflow files offered as the orchestrator's skills (env WORKFLOWS_DIR; default ${DEFAULT_WORKFLOWS_DIR} if it exists)`)
    .option('--host <host>', 'interface to bind (env HOST; default 127.0.0.1)')
    .option('--data-dir <dir>', 'where the SQLite file and keys live (default ./.agentmesh)')
    .option('--dev', 'development mode: allow http:// webhooks')
    .addHelpText('after', '\nExamples:\n  $ agentmesh up\n  $ agentmesh up --port 8080 --registry-port 8081 --gateway-port 8082\n  $ agentmesh agents list            # what registered\n  $ agentmesh workflow run workflows/lookalike-campaign.yaml --input leadIds=\'["lead-001"]\'\n')
    .action(async (opts: UpFlags) => {
      const env = ctx.io.env;
      const dataDir = opts.dataDir ?? env['AGENTMESH_DATA_DIR'] ?? './.agentmesh';
      const common = { ...(opts.host !== undefined && { host: opts.host }), dataDir, ...(opts.dev !== undefined && { dev: opts.dev }) };
      const registryConfig = registryConfigFromEnv(env, { port: opts.registryPort ?? env['REGISTRY_PORT'] ?? '4100', ...common });
      // The embedded registry probes the agents beside it, on loopback and plain http.
      registryConfig.allowHosts = [...(registryConfig.allowHosts ?? []), 'localhost', '127.0.0.1'];
      registryConfig.dev = true;
      // One terminal shows every role: request logs stay quiet unless LOG_LEVEL asks for them.
      registryConfig.logLevel ??= 'warn';
      const registry = await createRegistry({ config: registryConfig });
      const { url: registryUrl } = await registry.listen();
      const closers: Array<() => Promise<void>> = [() => registry.close()];
      const closeAll = async () => {
        for (const close of closers.reverse()) await close();
      };
      try {
        const gatewayConfig = gatewayConfigFromEnv(env, { port: opts.gatewayPort ?? env['GATEWAY_PORT'] ?? '4200', ...common });
        gatewayConfig.registryUrl ??= registryUrl;
        gatewayConfig.logLevel ??= 'warn';
        gatewayConfig.allowHosts = [...(gatewayConfig.allowHosts ?? []), 'localhost', '127.0.0.1'];
        gatewayConfig.adminToken ??= adminTokenOf(dataDir);
        const gateway = await createGateway({ config: gatewayConfig });
        const { url: gatewayUrl } = await gateway.listen();
        closers.push(() => gateway.close());
        const runtime = await startAgents(ctx, exampleAgents, opts, {
          registryUrl: env['REGISTRY_URL'] ?? registryUrl,
          ...(registryConfig.writeToken !== undefined && { registryToken: registryConfig.writeToken }),
          // Calls through the gateway carry their tenant; direct calls stay open for the quickstart.
          gatewayJwksUrl: `${gatewayUrl}/.well-known/jwks.json`,
          logLevel: (env['LOG_LEVEL'] as RuntimeConfigInput['logLevel']) ?? 'warn',
        });
        closers.push(() => runtime.close());
        const demo = await demoClient(gateway, dataDir);
        const orchestratorClientCredentials = await orchestratorClient(gateway, dataDir);
        const workflowsDir = opts.workflows ?? (env['WORKFLOWS_DIR'] || (existsSync(DEFAULT_WORKFLOWS_DIR) ? DEFAULT_WORKFLOWS_DIR : undefined));
        const orchestratorConfig = orchestratorConfigFromEnv(env, { port: opts.orchestratorPort ?? env['ORCHESTRATOR_PORT'] ?? '4300', ...common, ...(workflowsDir !== undefined && { workflows: workflowsDir }) });
        // Behind the embedded gateway with its own client: child calls carry the caller's tenant and are charged to it.
        Object.assign(orchestratorConfig, { gatewayUrl, ...orchestratorClientCredentials, registryUrl: env['REGISTRY_URL'] ?? registryUrl });
        orchestratorConfig.runtime = {
          ...orchestratorConfig.runtime,
          registryUrl: env['REGISTRY_URL'] ?? registryUrl,
          ...(registryConfig.writeToken !== undefined && { registryToken: registryConfig.writeToken }),
          gatewayJwksUrl: `${gatewayUrl}/.well-known/jwks.json`,
          logLevel: (env['LOG_LEVEL'] as RuntimeConfigInput['logLevel']) ?? 'warn',
        };
        const orchestrator = await launchOrchestrator(orchestratorConfig);
        closers.push(() => orchestrator.orchestrator.close());
        ctx.io.stdout.write(`agentmesh registry listening on ${registryUrl}  (search: POST ${registryUrl}/search)\n`);
        ctx.io.stdout.write(`agentmesh gateway listening on ${gatewayUrl}  (agents: ${gatewayUrl}/agents/{name}, token: POST ${gatewayUrl}/oauth/token)\n`);
        ctx.io.stdout.write(`  demo client: ${demo.clientId} / ${demo.clientSecret}  (tenant ${DEMO_TENANT}, 1000 credits)\n`);
        const orchestratorName = orchestrator.orchestrator.config.name;
        ctx.io.stdout.write(`agentmesh orchestrator listening on ${orchestrator.url}  (through the gateway: ${gatewayUrl}/agents/${orchestratorName})\n`);
        printWorkflows(ctx, orchestrator);
        ctx.io.stdout.write(`Try: agentmesh agents search "score leads similar to my best customers" --registry ${registryUrl}\n`);
        ctx.io.stdout.write(`     agentmesh token --gateway ${gatewayUrl} --client-id ${demo.clientId} --client-secret ${demo.clientSecret}\n`);
        ctx.io.stdout.write(`     AGENTMESH_CLIENT_ID=${demo.clientId} AGENTMESH_CLIENT_SECRET=${demo.clientSecret} agentmesh workflow run <file.yaml> --gateway ${gatewayUrl}${orchestratorName !== 'orchestrator' ? ` --orchestrator ${orchestratorName}` : ''}\n`);
      } catch (err) {
        await closeAll();
        throw err;
      }
      await untilSignal(ctx, closeAll);
    });
}

/** The admin token of the local mesh: generated once into the data dir (0600). */
function adminTokenOf(dataDir: string): string {
  const file = resolve(dataDir, 'gateway-admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = `amadm_${crypto.randomUUID().replaceAll('-', '')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

/**
 * The demo client of the local mesh, created on the first `up` with 1,000
 * credits for its tenant. Its secret is kept in the data dir (0600) so every
 * `up` can print it: a convenience of the laptop mesh, never of `serve gateway`.
 */
async function demoClient(gateway: Gateway, dataDir: string): Promise<{ clientId: string; clientSecret: string }> {
  const file = join(dataDir, 'demo-client.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { clientId: string; clientSecret: string };
  const res = await gateway.app.inject({
    method: 'POST',
    url: '/v1/clients',
    headers: { authorization: `Bearer ${gateway.config.adminToken}`, 'content-type': 'application/json' },
    payload: { name: 'demo', tenant: DEMO_TENANT, scopes: DEMO_SCOPES, authMethod: 'client_secret_basic' },
  });
  if (res.statusCode !== 201) throw new Error(`could not create the demo client: ${res.body}`);
  const body = res.json() as { client_id?: string; clientId?: string; client_secret?: string; clientSecret?: string };
  const demo = { clientId: (body.client_id ?? body.clientId)!, clientSecret: (body.client_secret ?? body.clientSecret)! };
  await gateway.ledger.topUp(DEMO_TENANT, 1_000_000, 'demo-initial-credits');
  writeFileSync(file, JSON.stringify(demo), { mode: 0o600 });
  return demo;
}

/**
 * The orchestrator's OAuth client of the local mesh, in the mesh's own
 * tenant with gateway:delegate: created on the first `up`, its secret kept in
 * the data dir (0600) for the next. A stored client the gateway no longer
 * knows (another database) is created again.
 */
async function orchestratorClient(gateway: Gateway, dataDir: string): Promise<{ clientId: string; clientSecret: string }> {
  const file = join(dataDir, 'orchestrator-client.json');
  const headers = { authorization: `Bearer ${gateway.config.adminToken}`, 'content-type': 'application/json' };
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { clientId: string; clientSecret: string };
    const known = await gateway.app.inject({ method: 'GET', url: `/v1/clients/${encodeURIComponent(stored.clientId)}`, headers: { authorization: headers.authorization } });
    if (known.statusCode === 200 && (known.json() as { status?: string }).status === 'active') return stored;
  }
  const res = await gateway.app.inject({
    method: 'POST',
    url: '/v1/clients',
    headers,
    // Workflows make many calls per run (a 1,000-step run, a map of thousands of items): the default 1,000 rpm per agent is a demo client's.
    payload: { name: 'orchestrator', tenant: MESH_TENANT, scopes: ORCHESTRATOR_SCOPES, authMethod: 'client_secret_basic', rateLimit: { requestsPerMinute: 60_000, burst: 1_000 } },
  });
  if (res.statusCode !== 201) throw new Error(`could not create the orchestrator's client: ${res.body}`);
  const body = res.json() as { client_id?: string; clientId?: string; client_secret?: string; clientSecret?: string };
  const client = { clientId: (body.client_id ?? body.clientId)!, clientSecret: (body.client_secret ?? body.clientSecret)! };
  writeFileSync(file, JSON.stringify(client), { mode: 0o600 });
  // writeFileSync's mode applies only to a new file: an older one keeps its permissions otherwise.
  chmodSync(file, 0o600);
  return client;
}
