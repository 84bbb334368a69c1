import { Command } from 'commander';
import { exampleAgents } from '../../../agents/index.js';
import { Errors } from '../../protocol/index.js';
import type { AgentDefinition } from '../../runtime/index.js';
import { gatewayConfigFromEnv } from '../config/gateway-config-from-env.js';
import { gatewayWorkers, requireFleetBackends } from '../gateway-workers/workers-count.js';
import type { CliContext } from '../io/cli-io.js';
import { orchestratorConfigFromEnv, type OrchestratorFlags } from '../config/orchestrator-config-from-env.js';
import { registryConfigFromEnv } from '../config/registry-config-from-env.js';
import type { ServeFlags } from '../serving/serve-agents.js';
import { watchSignals } from '../serving/until-signal.js';
import { servingContext } from '../serving/serving-output.js';
import { listenOrClose } from '../serving/listen-or-close.js';
import { DEFAULT_DATA_DIR, withDataDir } from '../config/data-dir.js';

// Each role's modules are imported by its own subcommand's action: a process runs one role, and
// loading the others (the registry's search index, the orchestrator, every agent's runtime) would
// cost each start a few hundred milliseconds of CPU for nothing.



const common = (command: Command, defaultPort: number) =>
  command
    .option('-p, --port <port>', `port to listen on (default ${defaultPort}, 0 = any free port)`)
    .option('--host <host>', 'interface to bind (env HOST; default 127.0.0.1)')
    .option('--data-dir <dir>', 'where the SQLite file lives (env AGENTMESH_DATA_DIR; default ./.agentmesh)')
    .option('--dev', 'development mode: http:// and loopback card URLs and probes allowed');

/** `agentmesh serve registry|agents`: one role per process, for scale-out. */
export function serveCommand(context: CliContext): Command {
  const ctx = servingContext(context);
  // A data dir the role cannot use is one line naming it and its flag, not the system's error.
  const onDataDir = <F extends { dataDir?: string }>(run: (flags: F) => Promise<void>) => (flags: F) => withDataDir(flags.dataDir ?? (ctx.io.env['AGENTMESH_DATA_DIR'] || DEFAULT_DATA_DIR), () => run(flags));
  const registry = common(new Command('registry').description('run the agent registry (discovery, health, configs, watch)'), 4100)
    .addHelpText(
      'after',
      `
Environment: REGISTRY_PORT, DATABASE_URL (postgres://… shares state between replicas), REDIS_URL,
  REGISTRY_TOKEN (bearer token writes need), REGISTRY_PUBLISHER (ARD publisher domain),
  REGISTRY_PROBE_INTERVAL_MS, REGISTRY_LEASE_TTL_MS, AGENTMESH_ALLOW_HOSTS.

Examples:
  $ agentmesh serve registry --port 4100
  $ DATABASE_URL=postgres://db/mesh REDIS_URL=redis://cache agentmesh serve registry
`,
    )
    .action(onDataDir(async (flags: ServeFlags) => {
      const signals = watchSignals(ctx);
      const { createRegistry } = await import('../../registry/index.js');
      const reg = await createRegistry({ config: registryConfigFromEnv(ctx.io.env, flags) });
      const { url, probesUrl } = await listenOrClose(reg, [
        { port: reg.config.port, component: 'the registry', option: '--port (env REGISTRY_PORT)' },
        { port: reg.config.probePort, component: "the registry's probe listener", option: 'PROBE_PORT' },
      ]);
      ctx.io.stdout.write(`agentmesh registry listening on ${url}\n`);
      ctx.io.stdout.write(`  agents ${url}/v1/agents  search POST ${url}/search  catalog ${url}/.well-known/ai-catalog.json  openapi ${url}/openapi.json\n`);
      if (probesUrl !== undefined) ctx.io.stdout.write(`  probes ${probesUrl}/health ${probesUrl}/ready  (plain HTTP, PROBE_PORT)\n`);
      if (!reg.config.writeToken) ctx.io.stderr.write('warning: REGISTRY_TOKEN is not set: anyone who reaches this port may register agents\n');
      await signals.until(() => reg.close());
    }));
  const agents = common(new Command('agents').description('run the example agents (all, or those --only names)'), 4000)
    .option('--only <names>', `comma list of the agents to run (${exampleAgents.map((a) => a.name).join(', ')})`)
    .addHelpText('after', '\nExamples:\n  $ agentmesh serve agents --only sales,legal --port 4001\n  $ REGISTRY_URL=http://localhost:4100 agentmesh serve agents --only lead-scorer   # registers itself\n')
    .action(onDataDir(async (flags: ServeFlags & { only?: string }) => {
      const { serveAgents } = await import('../serving/serve-agents.js');
      await serveAgents(ctx, pickAgents(flags.only), flags);
    }));
  const gateway = common(new Command('gateway').description('run the gateway (OAuth 2.0, policy, quotas, credits, routing, audit)'), 4200)
    .option('--workers <n|auto>', 'gateway processes sharing the port, one per core with auto (env GATEWAY_WORKERS; default 1; more than 1 needs DATABASE_URL=postgres://… and REDIS_URL)')
    .addHelpText(
      'after',
      `
Environment: GATEWAY_PORT, GATEWAY_WORKERS (n or auto, as --workers), GATEWAY_METRICS_PORT and GATEWAY_METRICS_HOST (GET /metrics, apart from the
  public port; default 127.0.0.1:4290), REGISTRY_URL (where agents are found; default http://localhost:4100),
  GATEWAY_ADMIN_TOKEN (bootstrap admin bearer), GATEWAY_SECRET (32+ chars, shared by replicas: key encryption),
  GATEWAY_CARD_SIGNING_KEY (PKCS#8 PEM shared by replicas: card signatures),
  DATABASE_URL, REDIS_URL (shared quotas), GATEWAY_TOKEN_TTL_SECONDS, GATEWAY_DEFAULT_RPM,
  GATEWAY_CORS_ORIGINS, GATEWAY_EXTERNAL_ISSUERS (JSON list of { issuer, jwksUri, audience, tenantClaim, scopesClaim }),
  GATEWAY_CONSOLE_OIDC_ISSUER and _CLIENT_ID (the console's sign-in through one of those issuers; _SCOPES, _RESOURCE, _NAME).

Examples:
  $ GATEWAY_ADMIN_TOKEN=$(openssl rand -hex 24) agentmesh serve gateway
  $ DATABASE_URL=postgres://db/mesh REDIS_URL=redis://cache agentmesh serve gateway --workers auto
  $ agentmesh clients create --name my-app --tenant acme --scope a2a:message:send --scope a2a:tasks:read
`,
    )
    .action(onDataDir(async (flags: ServeFlags & { workers?: string }) => {
      const workers = gatewayWorkers(flags.workers, ctx.io.env);
      if (workers > 1) {
        const config = gatewayConfigFromEnv(ctx.io.env, flags);
        requireFleetBackends(config, workers);
        const { serveGatewayWorkers } = await import('../gateway-workers/index.js');
        await serveGatewayWorkers(ctx, config, workers);
        return;
      }
      const signals = watchSignals(ctx);
      const [{ createGateway, DEFAULT_GATEWAY_METRICS_PORT }, { metricsPortOf }] = await Promise.all([import('../../gateway/index.js'), import('../../http/index.js')]);
      const gw = await createGateway({ config: gatewayConfigFromEnv(ctx.io.env, flags) });
      const { url, boundUrl, metricsUrl, probesUrl } = await listenOrClose(gw, [
        { port: gw.config.port, component: 'the gateway', option: '--port (env GATEWAY_PORT)' },
        { port: metricsPortOf(gw.config, DEFAULT_GATEWAY_METRICS_PORT), component: "the gateway's metrics listener", option: 'GATEWAY_METRICS_PORT' },
        { port: gw.config.probePort, component: "the gateway's probe listener", option: 'PROBE_PORT' },
      ]);
      // The port this replica bound; the public URL (a load balancer's) only beside it, named as such.
      ctx.io.stdout.write(`agentmesh gateway listening on ${boundUrl}\n`);
      if (boundUrl !== url) ctx.io.stdout.write(`  public URL ${url}  (GATEWAY_PUBLIC_URL: tokens, cards and the links below name it)\n`);
      ctx.io.stdout.write(`  agents ${url}/agents/{name}  token POST ${url}/oauth/token  jwks ${url}/.well-known/jwks.json\n`);
      ctx.io.stdout.write(`  metrics ${metricsUrl}  (not on the public port: they name tenants)\n`);
      if (probesUrl !== undefined) ctx.io.stdout.write(`  probes ${probesUrl}/health ${probesUrl}/ready  (plain HTTP, PROBE_PORT)\n`);
      if (!gw.config.adminToken) ctx.io.stderr.write('warning: GATEWAY_ADMIN_TOKEN is not set: the management API is reachable only with a gateway:admin token\n');
      await signals.until(() => gw.close());
    }));
  const orchestrator = common(new Command('orchestrator').description('run the orchestrator (router agent and durable workflows)'), 4300)
    .option('--workflows <dir>', 'a folder of workflow files offered as skills (env WORKFLOWS_DIR)')
    .addHelpText(
      'after',
      `
Environment: ORCHESTRATOR_PORT (or PORT), GATEWAY_URL with ORCHESTRATOR_CLIENT_ID and ORCHESTRATOR_CLIENT_SECRET
  (an OAuth client with gateway:delegate and the a2a:* scopes: child calls go through the gateway),
  REGISTRY_URL (routing by skill and text; self-registration; the instances when there is no GATEWAY_URL),
  WORKFLOWS_DIR, ORCHESTRATOR_NAME (default orchestrator), WORKFLOW_TIMEOUT_MS (default 24 h),
  ORCHESTRATOR_CONVERSATIONS=database|memory (the router's conversations; default database on PostgreSQL),
  and the runtime's: DATABASE_URL, REDIS_URL, GATEWAY_JWKS_URL, AGENTMESH_REQUIRE_GATEWAY=1, …

Examples:
  $ GATEWAY_URL=http://localhost:4200 ORCHESTRATOR_CLIENT_ID=amc_… ORCHESTRATOR_CLIENT_SECRET=… \\
    REGISTRY_URL=http://localhost:4100 agentmesh serve orchestrator --workflows ./workflows
  $ agentmesh workflow run workflows/lookalike-campaign.yaml --agent-url http://localhost:4300/agents/orchestrator
`,
    )
    .action(onDataDir(async (flags: OrchestratorFlags) => {
      const signals = watchSignals(ctx);
      const config = orchestratorConfigFromEnv(ctx.io.env, flags);
      const { launchOrchestrator, printWorkflows } = await import('./workflow/workflow-serve.js');
      const launched = await launchOrchestrator(config);
      const settings = launched.orchestrator.config;
      ctx.io.stdout.write(`agentmesh orchestrator listening on ${launched.url}\n`);
      ctx.io.stdout.write(`  card ${launched.url}/.well-known/agent-card.json  health ${launched.baseUrl}/health  metrics ${launched.baseUrl}/metrics\n`);
      if (launched.probesUrl !== undefined) ctx.io.stdout.write(`  probes ${launched.probesUrl}/health ${launched.probesUrl}/ready  (plain HTTP, PROBE_PORT)\n`);
      ctx.io.stdout.write(
        settings.gatewayUrl !== undefined
          ? `  calls agents through the gateway ${settings.gatewayUrl} as client ${settings.clientId}\n`
          : `  calls agents straight at their instances from the registry ${settings.registryUrl}\n`,
      );
      printWorkflows(ctx, launched);
      await signals.until(() => launched.orchestrator.close());
    }));
  return new Command('serve').description('run one agentmesh role').addCommand(registry).addCommand(gateway).addCommand(agents).addCommand(orchestrator);
}

/** The example agents `--only` names (all without it); an unknown name is a usage error listing the known ones. */
function pickAgents(only: string | undefined): AgentDefinition[] {
  if (only === undefined) return [...exampleAgents];
  const names = [...new Set(only.split(',').map((n) => n.trim()).filter(Boolean))];
  const known = new Map(exampleAgents.map((a) => [a.name, a]));
  const unknown = names.filter((n) => !known.has(n));
  if (names.length === 0 || unknown.length > 0) {
    throw names.length === 0 ? Errors.cliOnlyNamesNone({ known: [...known.keys()].join(', ') }) : Errors.cliOnlyNamesUnknown({ unknown: unknown.join(', '), known: [...known.keys()].join(', ') });
  }
  return names.map((n) => known.get(n)!);
}
