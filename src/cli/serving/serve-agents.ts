import { createRuntime, gatewayAssertionRequired, parseRuntimeConfig, type AgentDefinition, type Runtime, type RuntimeConfigInput } from '../../runtime/index.js';
import type { CliContext } from '../io/cli-io.js';
import { runtimeConfigFromEnv } from '../config/runtime-config-from-env.js';
import { watchSignals } from './until-signal.js';
import { listenOrClose } from './listen-or-close.js';
import { tryCommandLine } from './try-command.js';
import { nextFreePort } from './next-free-port.js';
import { heldLog } from './held-log.js';

/** Flags every serving command shares. */
export interface ServeFlags {
  port?: string;
  host?: string;
  dataDir?: string;
  dev?: boolean;
}

/** How {@link startAgents} picks its port. */
export interface StartAgentsOptions {
  /**
   * With no port asked for (no --port, no PORT), take the next free port
   * after the default one when another process holds it, and say so: an
   * agent served while `agentmesh up` runs (which holds 4000) starts anyway.
   * A port asked for is never moved.
   */
  nextFreePort?: boolean;
  /**
   * Log a generated push secret or signing key at info, not warn, when the
   * agents run as one process on the data dir's SQLite file and an in-memory
   * bus (no DATABASE_URL, no REDIS_URL): no replica elsewhere needs the same
   * one, so the production advice is noise on a developer's terminal, as
   * under `agentmesh up` (docs/configuration.md, `generatedSecretsLogLevel`).
   */
  developmentSecretsAtInfo?: boolean;
}

/** How many ports after the default one {@link StartAgentsOptions.nextFreePort} tries. */
const NEXT_FREE_PORTS = 100;

/** Starts a runtime hosting `agents` and prints where they answer; `extra` wins over env and flags. */
export async function startAgents(ctx: CliContext, agents: readonly AgentDefinition[], flags: ServeFlags, extra: RuntimeConfigInput = {}, options: StartAgentsOptions = {}): Promise<Runtime> {
  const config = { ...runtimeConfigFromEnv(ctx.io.env, flags), ...extra };
  if (options.developmentSecretsAtInfo === true && config.databaseUrl === undefined && config.redisUrl === undefined) config.generatedSecretsLogLevel ??= 'info';
  if (options.nextFreePort === true && config.port === undefined) {
    const { host, port } = parseRuntimeConfig(config);
    const free = await nextFreePort({ host, from: port, count: NEXT_FREE_PORTS });
    if (free !== undefined && free !== port) {
      ctx.io.stderr.write(`note: port ${port} is in use (by agentmesh up, or another program), so the agent serves on ${free}; --port or PORT chooses one\n`);
      config.port = free;
    }
  }
  const { logLevel, logFormat } = parseRuntimeConfig(config);
  // The runtime's start-up lines come after the banner below, which says what is served and where.
  const log = heldLog({ level: logLevel, format: logFormat });
  try {
    const runtime = await createRuntime({ agents: [...agents], config, logger: log.logger });
    const listening = await listenOrClose(runtime, [
      { port: runtime.config.port, component: 'the agents', option: '--port (env PORT)' },
      { port: runtime.config.grpcPort, component: "the agents' gRPC server", option: 'GRPC_PORT' },
      { port: runtime.config.probePort, component: "the agents' probe listener", option: 'PROBE_PORT' },
    ]);
    printAgentsBanner(ctx, runtime, agents, listening);
    return runtime;
  } finally {
    log.release();
  }
}

/** What {@link startAgents} prints once the agents listen: where each answers, and a command to try. */
function printAgentsBanner(ctx: CliContext, runtime: Runtime, agents: readonly AgentDefinition[], listening: Awaited<ReturnType<Runtime['listen']>>): void {
  const { url, agents: urls, grpc, probesUrl } = listening;
  ctx.io.stdout.write(`agentmesh runtime listening on ${url}\n`);
  for (const [name, agentUrl] of Object.entries(urls)) {
    ctx.io.stdout.write(`  ${name.padEnd(16)} ${agentUrl}  (card: ${agentUrl}/.well-known/agent-card.json)${grpc?.[name] ? `  gRPC ${grpc[name]}` : ''}\n`);
  }
  ctx.io.stdout.write(`  health ${url}/health  ready ${url}/ready  metrics ${url}/metrics\n`);
  if (probesUrl !== undefined) ctx.io.stdout.write(`  probes ${probesUrl}/health ${probesUrl}/ready  (plain HTTP, PROBE_PORT)\n`);
  const first = agents[0]!;
  if (gatewayAssertionRequired(runtime.config)) {
    // These agents refuse calls that do not come through the gateway: a direct `send` would fail as printed.
    const gateway = runtime.config.gatewayIssuer;
    const through = gateway !== undefined ? `${gateway.replace(/\/$/, '')}/agents/${first.name}` : `<gateway>/agents/${first.name}`;
    ctx.io.stdout.write(`  calls only through the gateway (it refuses calls without the gateway's assertion): try ${through} with a token of the gateway\n`);
  } else {
    ctx.io.stdout.write(`Try: ${tryCommandLine(first, urls[first.name] ?? Object.values(urls)[0]!)}\n`);
  }
}

/** Serves agents until SIGTERM/SIGINT, then shuts down gracefully. */
export async function serveAgents(ctx: CliContext, agents: readonly AgentDefinition[], flags: ServeFlags, options: StartAgentsOptions = {}): Promise<void> {
  const signals = watchSignals(ctx);
  const runtime = await startAgents(ctx, agents, flags, {}, options);
  await signals.until(() => runtime.close());
}
