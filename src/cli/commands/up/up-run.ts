/*
 * What `agentmesh up` runs once its flags are read: the roles, loaded here
 * and only here, so `up --help` and a mistyped flag answer before they load
 * (about a second: the gateway, the registry, the runtime and the example
 * agents with their data).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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
import type { SignalWatch } from '../../serving/until-signal.js';
import { cliCommand, renderUpBanner, runningBinFile } from './up-banner.js';
import { adminTokenOf, DEMO_TENANT, demoClient, orchestratorClient } from './up-clients.js';
import { resetDataDir, storeInUse } from './up-reset.js';
import { prepareDataDir } from '../../config/data-dir.js';
import { claimDataDir } from './up-claim.js';
import { startAcpExample } from './up-acp-example.js';
import { launchOrchestrator, printWorkflows } from '../workflow/workflow-serve.js';
import { logLevelFromEnv } from '../../config/role-env.js';
import { isPortInUse, listenNamed, listenOrClose } from '../../serving/listen-or-close.js';
import { DEFAULT_WORKFLOWS_DIR, type UpFlags, type UpPorts } from './up-ports.js';
import { removeLocalEndpoints, writeLocalEndpoints } from '../../role-apis/local-endpoints.js';

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

/**
 * Starts the registry, the gateway, the example agents, the ACP example and
 * the orchestrator on `ports`, prints the banner, and serves until `signals`
 * says to stop; whatever started is closed again when a later step fails.
 */
export async function runUp(ctx: CliContext, opts: UpFlags, ports: UpPorts, signals: SignalWatch, dataDir: string): Promise<void> {
  // The store and the secrets beside it are the mesh's alone: a new data dir is private (0700).
  prepareDataDir(dataDir);
  // Claimed before the reset and the store: one `up` per data dir, and a reset never pulls a running mesh's state away.
  const claim = claimDataDir(dataDir);
  ctx.io.stderr.write(claim.note);
  try {
    await runClaimed(ctx, opts, ports, signals, dataDir);
  } finally {
    claim.release();
  }
}

async function runClaimed(ctx: CliContext, opts: UpFlags, ports: UpPorts, signals: SignalWatch, dataDir: string): Promise<void> {
  const env = ctx.io.env;
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
    // The commands run beside this mesh reach it on whatever ports it took, with no flag (local-endpoints.ts).
    const endpoints = { agents: runtimeUrl, registry: registryUrl, gateway: gatewayUrl, orchestrator: orchestrator.url, acp: acp.url, metrics: gatewayMetricsUrl, console: `${gatewayUrl}/console/` };
    if (writeLocalEndpoints(dataDir, endpoints)) closers.push(async () => removeLocalEndpoints(dataDir, endpoints));
    else ctx.io.stderr.write(`warning: other users can write in ${dataDir}, so this mesh's URLs are not recorded there: give the commands beside it --gateway and --registry (or set AGENTMESH_GATEWAY and AGENTMESH_REGISTRY)\n`);
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
}
