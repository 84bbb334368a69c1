import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { exampleAgents } from '../../../agents/index.js';
import { createGateway, type Gateway } from '../../gateway/index.js';
import { createRegistry } from '../../registry/index.js';
import type { RuntimeConfigInput } from '../../runtime/index.js';
import type { CliContext } from '../cli-io.js';
import { gatewayConfigFromEnv } from '../gateway-config-from-env.js';
import { registryConfigFromEnv } from '../registry-config-from-env.js';
import { startAgents, type ServeFlags } from '../serve-agents.js';
import { untilSignal } from '../until-signal.js';

type UpFlags = ServeFlags & { registryPort?: string; gatewayPort?: string };

const DEMO_TENANT = 'demo';
const DEMO_SCOPES = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:push:write', 'a2a:card:read'];

/**
 * `agentmesh up`: the mesh in one process on the embedded SQLite store —
 * the registry, the gateway in front of the example agents, and the agents,
 * which register themselves. Prints the URLs and a demo client.
 */
export function upCommand(ctx: CliContext): Command {
  return new Command('up')
    .description('run the mesh in one process on the embedded SQLite store (registry, gateway, example agents)')
    .option('-p, --port <port>', 'agents port (env PORT; default 4000)')
    .option('--registry-port <port>', 'registry port (env REGISTRY_PORT; default 4100)')
    .option('--gateway-port <port>', 'gateway port (env GATEWAY_PORT; default 4200)')
    .option('--host <host>', 'interface to bind (env HOST; default 127.0.0.1)')
    .option('--data-dir <dir>', 'where the SQLite file and keys live (default ./.agentmesh)')
    .option('--dev', 'development mode: allow http:// webhooks')
    .addHelpText('after', '\nExamples:\n  $ agentmesh up\n  $ agentmesh up --port 8080 --registry-port 8081 --gateway-port 8082\n  $ agentmesh agents list            # what registered\n')
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
        ctx.io.stdout.write(`agentmesh registry listening on ${registryUrl}  (search: POST ${registryUrl}/search)\n`);
        ctx.io.stdout.write(`agentmesh gateway listening on ${gatewayUrl}  (agents: ${gatewayUrl}/agents/{name}, token: POST ${gatewayUrl}/oauth/token)\n`);
        ctx.io.stdout.write(`  demo client: ${demo.clientId} / ${demo.clientSecret}  (tenant ${DEMO_TENANT}, 1000 credits)\n`);
        ctx.io.stdout.write(`Try: agentmesh agents search "score leads similar to my best customers" --registry ${registryUrl}\n`);
        ctx.io.stdout.write(`     agentmesh token --gateway ${gatewayUrl} --client-id ${demo.clientId} --client-secret ${demo.clientSecret}\n`);
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
