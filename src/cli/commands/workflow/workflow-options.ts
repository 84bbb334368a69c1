/**
 * How `agentmesh workflow …` reaches the orchestrator: `--agent-url` (or
 * $AGENTMESH_ORCHESTRATOR_URL) straight to it, else through the gateway
 * (`--gateway`, $AGENTMESH_GATEWAY, http://localhost:4200) at
 * `/agents/<--orchestrator>`. The token is `--token`, $AGENTMESH_TOKEN, or —
 * through the gateway — one fetched with $AGENTMESH_CLIENT_ID and
 * $AGENTMESH_CLIENT_SECRET.
 */
import type { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import type { AgentConnection } from '../../client/client.js';
import { addConnectionOptions, runAgentCommand, type ConnectionFlags } from '../../client/connection-options.js';
import type { ExitCode } from '../../io/exit-codes.js';
import { DEFAULT_GATEWAY_URL, GatewayClient } from '../../role-apis/gateway-client.js';
import type { OutputOptions } from '../../io/task-output.js';

/** The orchestrator agent's name when neither `--orchestrator` nor $AGENTMESH_ORCHESTRATOR says. */
export const DEFAULT_ORCHESTRATOR = 'orchestrator';

/** Parsed values of the shared workflow options. */
export interface WorkflowConnectionFlags extends ConnectionFlags {
  agentUrl?: string;
  gateway?: string;
  orchestrator?: string;
}

/** Where the orchestrator is, and how a printed follow-up command finds it again. */
export interface OrchestratorLocation {
  url: string;
  /** Flags to append to follow-up commands (` --agent-url …`), empty for the defaults. */
  locator: string;
  throughGateway: boolean;
  gatewayUrl?: string;
}

/** Adds `--agent-url`, `--gateway`, `--orchestrator` and the shared connection options. */
export function addWorkflowConnectionOptions(command: Command): Command {
  command
    .option('--agent-url <url>', 'the orchestrator agent itself (default: $AGENTMESH_ORCHESTRATOR_URL, else through the gateway)')
    .option('--gateway <url>', `gateway base URL (default: $AGENTMESH_GATEWAY, else ${DEFAULT_GATEWAY_URL})`)
    .option('--orchestrator <name>', `the orchestrator's agent name at the gateway (default: $AGENTMESH_ORCHESTRATOR, else ${DEFAULT_ORCHESTRATOR})`);
  return addConnectionOptions(command);
}

/** Resolves the orchestrator's URL from the flags and the environment. */
export function locateOrchestrator(env: Record<string, string | undefined>, flags: WorkflowConnectionFlags): OrchestratorLocation {
  const direct = flags.agentUrl ?? (env['AGENTMESH_ORCHESTRATOR_URL'] || undefined);
  if (direct !== undefined) return { url: direct, locator: flags.agentUrl !== undefined ? ` --agent-url ${direct}` : '', throughGateway: false };
  const gatewayUrl = (flags.gateway ?? (env['AGENTMESH_GATEWAY'] || DEFAULT_GATEWAY_URL)).replace(/\/+$/, '');
  const name = flags.orchestrator ?? (env['AGENTMESH_ORCHESTRATOR'] || DEFAULT_ORCHESTRATOR);
  const locator = `${flags.gateway !== undefined ? ` --gateway ${gatewayUrl}` : ''}${flags.orchestrator !== undefined ? ` --orchestrator ${name}` : ''}`;
  return { url: `${gatewayUrl}/agents/${encodeURIComponent(name)}`, locator, throughGateway: true, gatewayUrl };
}

/**
 * Connects to the orchestrator and runs `body` with the connection, like
 * `runAgentCommand` (same `--timeout`, `--header`, `--protocol`, exit code).
 */
export async function runWorkflowCommand(
  ctx: CliContext,
  flags: WorkflowConnectionFlags,
  body: (connection: AgentConnection, output: OutputOptions, where: OrchestratorLocation) => Promise<ExitCode>,
): Promise<void> {
  const where = locateOrchestrator(ctx.io.env, flags);
  // AGENTMESH_TOKEN is left for runAgentCommand to read: refused, it falls back to the client credentials.
  const token = flags.token ?? (ctx.io.env['AGENTMESH_TOKEN'] ? undefined : await clientCredentialsToken(ctx, where));
  await runAgentCommand(ctx, where.url, { ...flags, ...(token !== undefined && { token }) }, (connection, output) => body(connection, output, where));
}

/** Through the gateway with no token given: the client credentials of the environment, when set. */
async function clientCredentialsToken(ctx: CliContext, where: OrchestratorLocation): Promise<string | undefined> {
  const clientId = ctx.io.env['AGENTMESH_CLIENT_ID'];
  const clientSecret = ctx.io.env['AGENTMESH_CLIENT_SECRET'];
  if (!where.throughGateway || where.gatewayUrl === undefined || !clientId || !clientSecret) return undefined;
  const gateway = new GatewayClient({ url: where.gatewayUrl, fetchImpl: ctx.io.fetchImpl, signal: AbortSignal.timeout(30_000) });
  return (await gateway.token({ clientId, clientSecret })).access_token;
}
