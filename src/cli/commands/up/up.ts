import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { acpExampleAgent, exampleAgents } from '../../../../agents/index.js';
import { createGateway, InProcessServers } from '../../../gateway/index.js';
import { createRegistry } from '../../../registry/index.js';
import { createRuntime, type RuntimeConfigInput } from '../../../runtime/index.js';
import { formatCredits } from '../../../tenancy/index.js';
import { AgentmeshError, Errors } from '../../../protocol/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { gatewayConfigFromEnv } from '../../config/gateway-config-from-env.js';
import { orchestratorConfigFromEnv } from '../../config/orchestrator-config-from-env.js';
import { registryConfigFromEnv } from '../../config/registry-config-from-env.js';
import { runtimeConfigFromEnv } from '../../config/runtime-config-from-env.js';
import type { ServeFlags } from '../../serving/serve-agents.js';
import { watchSignals } from '../../serving/until-signal.js';
import { servingContext } from '../../serving/serving-output.js';
import { cliCommand, renderUpBanner, runningBinFile } from './up-banner.js';
import { adminTokenOf, DEMO_TENANT, demoClient, orchestratorClient } from './up-clients.js';
import { resetDataDir, storeInUse } from './up-reset.js';
import { prepareDataDir } from '../../config/data-dir.js';
import { startAcpExample } from './up-acp-example.js';
import { launchOrchestrator, printWorkflows } from '../workflow/workflow-serve.js';
import { logLevelFromEnv } from '../../config/role-env.js';
import { isPortInUse, listenNamed, listenOrClose } from '../../serving/listen-or-close.js';

/** Every port `up` binds. */
export interface UpPorts {
  agents: number;
  registry: number;
  gateway: number;
  orchestrator: number;
  /** The gateway's metrics listener: `--metrics-port`, else the gateway port + 90 (4290), else any free one. */
  metrics: number;
  /** The ACP example agent: `--acp-port`, else the agents port + 10 (4010), else any free one. */
  acp: number;
}

/**
 * The ports of `up`, each from its flag, else its variable, else its
 * default. The two listeners without a role port of their own follow the
 * port they sit beside, so a second mesh moved with `--port … --gateway-port
 * …` moves them too (0 stays 0: any free port).
 */
export function upPorts(opts: UpFlags, env: Record<string, string | undefined>): UpPorts {
  const agents = portOf('--port', opts.port ?? env['PORT'] ?? '4000');
  const gateway = portOf('--gateway-port', opts.gatewayPort ?? env['GATEWAY_PORT'] ?? '4200');
  const beside = (port: number, offset: number) => (port === 0 || port + offset > 65_535 ? 0 : port + offset);
  const metricsRaw = opts.metricsPort ?? env['GATEWAY_METRICS_PORT'];
  const acpRaw = opts.acpPort ?? env['ACP_EXAMPLE_PORT'];
  return {
    agents,
    registry: portOf('--registry-port', opts.registryPort ?? env['REGISTRY_PORT'] ?? '4100'),
    gateway,
    orchestrator: portOf('--orchestrator-port', opts.orchestratorPort ?? env['ORCHESTRATOR_PORT'] ?? '4300'),
    metrics: metricsRaw !== undefined ? portOf('--metrics-port', metricsRaw) : beside(gateway, 90),
    acp: acpRaw !== undefined ? portOf('--acp-port', acpRaw) : beside(agents, 10),
  };
}

function portOf(flag: string, raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) throw Errors.cliPortInvalid({ flag, given: JSON.stringify(raw) });
  return port;
}

type UpFlags = ServeFlags & { registryPort?: string; gatewayPort?: string; orchestratorPort?: string; metricsPort?: string; acpPort?: string; workflows?: string; reset?: boolean };

/** The secrets and keys the roles generate into the data dir when none is configured (up-reset.ts lists every state file). */
const DEV_SECRET_FILES = ['gateway-secret', 'runtime-secret', 'signing-key.json'] as const;

/**
 * The one line `up` prints before its banner on a start that generated
 * secrets: where they live. The roles' own lines about them are production
 * advice (replicas on other hosts need the same secret), logged at info here:
 * a laptop's first minute needs to know where its secrets are, not how a
 * fleet shares them.
 */
export function devSecretsLine(dataDir: string, generated: readonly string[]): string {
  return generated.length === 0 ? '' : `agentmesh: development secrets and keys generated in ${dataDir} (private to you, kept across restarts; a fleet sets its own: docs/security.md#secrets-at-rest)\n`;
}

/** Used when neither --workflows nor WORKFLOWS_DIR names a folder, if it exists. */
const DEFAULT_WORKFLOWS_DIR = './workflows';
const DEFAULT_DATA_DIR = './.agentmesh';

const EXAMPLES = `
Examples:
  $ agentmesh up
  $ agentmesh up --port 8080 --registry-port 8081 --gateway-port 8082 --orchestrator-port 8083 --metrics-port 8084 --acp-port 8085
  $ agentmesh up --port 0 --registry-port 0 --gateway-port 0 --orchestrator-port 0   # any free ports, printed below
  $ agentmesh up --data-dir /tmp/mesh --reset      # start over: a new database, keys and demo client
  $ agentmesh agents list                          # what registered
  $ agentmesh workflow run workflows/lookalike-campaign.yaml --input leadIds='["lead-001"]'

Every port up binds follows a flag: the gateway's metrics listener sits at the gateway port + 90 and the
ACP example agent at the agents port + 10 unless --metrics-port / --acp-port say otherwise (0: any free
port); a second mesh on one host moves them with the others. A port in use is reported with the flag
that moves it.

--reset deletes the mesh state in the data dir (mesh.db, keys, the stored clients) before starting,
without asking. It refuses a folder holding anything else, a store a running mesh has open, and a
mesh on DATABASE_URL.
`;

/**
 * `agentmesh up`: the mesh in one process on the embedded SQLite store —
 * the registry, the gateway in front of the example agents, the agents and
 * the orchestrator, which register themselves. Prints the URLs, a demo
 * client and commands to paste into another terminal.
 */
export function upCommand(context: CliContext): Command {
  const ctx = servingContext(context);
  return new Command('up')
    .description('run the mesh in one process on the embedded SQLite store (registry, gateway, example agents, orchestrator)')
    .option('-p, --port <port>', 'agents port (env PORT; default 4000)')
    .option('--registry-port <port>', 'registry port (env REGISTRY_PORT; default 4100)')
    .option('--gateway-port <port>', 'gateway port (env GATEWAY_PORT; default 4200)')
    .option('--orchestrator-port <port>', 'orchestrator port (env ORCHESTRATOR_PORT; default 4300)')
    .option('--metrics-port <port>', "gateway metrics listener port, GET /metrics (env GATEWAY_METRICS_PORT; default the gateway port + 90, 4290)")
    .option('--acp-port <port>', 'ACP example agent port (env ACP_EXAMPLE_PORT; default the agents port + 10, 4010)')
    .option('--workflows <dir>', `workflow files offered as the orchestrator's skills (env WORKFLOWS_DIR; default ${DEFAULT_WORKFLOWS_DIR} if it exists)`)
    .option('--host <host>', 'interface to bind (env HOST; default 127.0.0.1)')
    .option('--data-dir <dir>', `where the SQLite file, keys and demo client live (env AGENTMESH_DATA_DIR; default ${DEFAULT_DATA_DIR})`)
    .option('--reset', 'delete the mesh state in the data dir first: database, keys, demo client (no prompt)')
    .option('--dev', 'development mode: allow http:// webhooks')
    .addHelpText('after', EXAMPLES)
    .action(async (opts: UpFlags) => {
      const env = ctx.io.env;
      // Every role of `up` reads the same environment, and four listeners cannot share one port.
      if (env['PROBE_PORT']) throw Errors.cliProbePortWithUp({});
      // Watched before anything starts: a SIGTERM right as the banner prints (or during start-up) drains, never kills.
      const signals = watchSignals(ctx);
      const dataDir = opts.dataDir ?? (env['AGENTMESH_DATA_DIR'] || DEFAULT_DATA_DIR);
      if (opts.reset) {
        const removed = resetDataDir({ dataDir, databaseUrl: env['DATABASE_URL'] });
        ctx.io.stdout.write(removed.length > 0 ? `reset: removed ${removed.join(', ')} from ${dataDir}\n` : `reset: ${dataDir} held no mesh state\n`);
      }
      // The store and the secrets beside it are the mesh's alone: a new data dir is private (0700).
      prepareDataDir(dataDir);
      // Read before this process opens the store (it would hold it too): a second `npm start` in one folder
      // is then told that a mesh already runs there, not which port to move.
      const meshRunningHere = !env['DATABASE_URL'] && storeInUse(join(dataDir, 'mesh.db'));
      const alreadyRunning = (err: unknown) => {
        const taken = err instanceof AgentmeshError ? err.details : undefined;
        if (!meshRunningHere || !isPortInUse(err) || taken?.['component'] === undefined || taken['where'] === undefined) return err;
        return Errors.cliUpAlreadyRunning({ dataDir, component: taken['component'], where: taken['where'] }, { cause: err });
      };
      const secretsBefore = DEV_SECRET_FILES.filter((file) => existsSync(join(dataDir, file)));
      const logLevel = logLevelFromEnv(env) ?? 'warn';
      const common = { ...(opts.host !== undefined && { host: opts.host }), dataDir, ...(opts.dev !== undefined && { dev: opts.dev }) };
      const ports = upPorts(opts, env);
      const registryConfig = registryConfigFromEnv(env, { port: String(ports.registry), ...common });
      // The embedded registry probes the agents beside it, on loopback and plain http.
      registryConfig.allowHosts = [...(registryConfig.allowHosts ?? []), 'localhost', '127.0.0.1'];
      registryConfig.dev = true;
      // One terminal shows every role: request logs stay quiet unless LOG_LEVEL asks for them.
      registryConfig.logLevel ??= 'warn';
      const registry = await createRegistry({ config: registryConfig });
      const { url: registryUrl } = await listenOrClose(registry, [{ port: ports.registry, component: 'the registry', option: '--registry-port (env REGISTRY_PORT)' }]).catch((err: unknown) => {
        throw alreadyRunning(err);
      });
      const closers: Array<() => Promise<void>> = [() => registry.close()];
      const closeAll = async () => {
        for (const close of closers.reverse()) await close();
      };
      try {
        const gatewayConfig = gatewayConfigFromEnv(env, { port: String(ports.gateway), ...common });
        gatewayConfig.metricsPort = ports.metrics;
        gatewayConfig.registryUrl ??= registryUrl;
        gatewayConfig.logLevel ??= 'warn';
        gatewayConfig.generatedSecretsLogLevel = 'info';
        gatewayConfig.allowHosts = [...(gatewayConfig.allowHosts ?? []), 'localhost', '127.0.0.1'];
        gatewayConfig.adminToken ??= adminTokenOf(dataDir, ctx.io.stderr);
        // The gateway calls the agents and the orchestrator of this process in memory (ADR 0015); AGENTMESH_IN_PROCESS=0 keeps loopback TCP.
        const inProcess = env['AGENTMESH_IN_PROCESS'] === '0' ? undefined : new InProcessServers();
        const gateway = await createGateway({ config: gatewayConfig, ...(inProcess && { inProcess }) });
        closers.push(() => gateway.close());
        const { url: gatewayUrl, metricsUrl: gatewayMetricsUrl } = await listenNamed(() => gateway.listen(), [
          { port: ports.gateway, component: 'the gateway', option: '--gateway-port (env GATEWAY_PORT)' },
          { port: ports.metrics, component: "the gateway's metrics listener", option: '--metrics-port (env GATEWAY_METRICS_PORT)' },
        ]);
        const agentLinks: RuntimeConfigInput = {
          registryUrl: env['REGISTRY_URL'] ?? registryUrl,
          ...(registryConfig.writeToken !== undefined && { registryToken: registryConfig.writeToken }),
          // Calls through the gateway carry their tenant. With a gateway configured the agents (and the
          // orchestrator) refuse calls without its assertion, so nothing skips its credits and audit;
          // AGENTMESH_REQUIRE_GATEWAY=0 opens their ports again, for development only.
          gatewayJwksUrl: `${gatewayUrl}/.well-known/jwks.json`,
          logLevel,
          generatedSecretsLogLevel: 'info',
        };
        const runtimeConfig = runtimeConfigFromEnv(env, { ...opts, port: String(ports.agents), dataDir });
        const runtime = await createRuntime({ agents: [...exampleAgents], config: { ...runtimeConfig, ...agentLinks } });
        closers.push(() => runtime.close());
        const { url: runtimeUrl, agents } = await listenNamed(() => runtime.listen(), [
          { port: ports.agents, component: 'the example agents', option: '--port (env PORT)' },
          { port: runtimeConfig.grpcPort, component: "the example agents' gRPC server", option: 'GRPC_PORT' },
        ]);
        inProcess?.add(runtimeUrl, runtime.app.server);
        // The HR agent once more as a plain ACP agent, bridged by the gateway (docs/acp.md).
        const acp = await listenNamed(
          () => startAcpExample({ agent: acpExampleAgent, registry, dataDir, port: ports.acp, config: { ...runtimeConfig, ...agentLinks, grpcPort: undefined } }),
          [{ port: ports.acp, component: 'the ACP example agent', option: '--acp-port (env ACP_EXAMPLE_PORT)' }],
        );
        closers.push(() => acp.close());
        const demo = await demoClient(gateway, dataDir, ctx.io.stderr);
        const orchestratorClientCredentials = await orchestratorClient(gateway, dataDir, ctx.io.stderr);
        const workflowsDir = opts.workflows ?? (env['WORKFLOWS_DIR'] || (existsSync(DEFAULT_WORKFLOWS_DIR) ? DEFAULT_WORKFLOWS_DIR : undefined));
        const orchestratorConfig = orchestratorConfigFromEnv(env, { port: String(ports.orchestrator), ...common, ...(workflowsDir !== undefined && { workflows: workflowsDir }) });
        // Behind the embedded gateway with its own client: child calls carry the caller's tenant and are charged to it.
        Object.assign(orchestratorConfig, { gatewayUrl, ...orchestratorClientCredentials, registryUrl: env['REGISTRY_URL'] ?? registryUrl });
        orchestratorConfig.runtime = { ...orchestratorConfig.runtime, ...agentLinks };
        // Its calls to the gateway stay in this process too.
        inProcess?.add(gatewayUrl, gateway.app.server);
        const orchestrator = await listenNamed(() => launchOrchestrator(orchestratorConfig, { ...(inProcess && { inProcess }) }), [{ port: ports.orchestrator, component: 'the orchestrator', option: '--orchestrator-port (env ORCHESTRATOR_PORT)' }]);
        closers.push(() => orchestrator.orchestrator.close());
        inProcess?.add(orchestrator.url, orchestrator.orchestrator.runtime.app.server);
        let workflowLines = '';
        printWorkflows({ ...ctx, io: { ...ctx.io, stdout: { write: (s: string) => (workflowLines += s) } } }, orchestrator);
        const balance = await gateway.ledger.balance(DEMO_TENANT);
        const generated = DEV_SECRET_FILES.filter((file) => !secretsBefore.includes(file) && existsSync(join(dataDir, file)));
        ctx.io.stdout.write(
          devSecretsLine(dataDir, generated) +
          renderUpBanner({
            cli: cliCommand(runningBinFile(), process.cwd()),
            registryUrl,
            gatewayUrl,
            gatewayMetricsUrl,
            runtimeUrl,
            agents: Object.keys(agents),
            acp: { url: acp.url, agents: acp.agents },
            orchestratorUrl: orchestrator.url,
            orchestratorName: orchestrator.orchestrator.config.name,
            workflowLines,
            demo: { ...demo, tenant: DEMO_TENANT, credits: formatCredits(balance.availableMilliCredits), file: join(dataDir, 'demo-client.json') },
            dataDir,
            readyMs: performance.now(),
          }),
        );
      } catch (err) {
        await closeAll();
        throw alreadyRunning(err);
      }
      await signals.until(closeAll);
    });
}
