import { createRuntime, type AgentDefinition } from '../runtime/index.js';
import type { CliContext } from './cli-io.js';
import { runtimeConfigFromEnv } from './runtime-config-from-env.js';
import { untilSignal } from './until-signal.js';

/** Serves agents until SIGTERM/SIGINT, then shuts down gracefully. */
export async function serveAgents(ctx: CliContext, agents: readonly AgentDefinition[], flags: { port?: string; host?: string; dataDir?: string; dev?: boolean }): Promise<void> {
  const config = runtimeConfigFromEnv(ctx.io.env, flags);
  const runtime = await createRuntime({ agents: [...agents], config });
  const { url, agents: urls } = await runtime.listen();
  ctx.io.stdout.write(`agentmesh runtime listening on ${url}\n`);
  for (const [name, agentUrl] of Object.entries(urls)) ctx.io.stdout.write(`  ${name.padEnd(16)} ${agentUrl}  (card: ${agentUrl}/.well-known/agent-card.json)\n`);
  ctx.io.stdout.write(`  health ${url}/health  ready ${url}/ready  metrics ${url}/metrics\n`);
  ctx.io.stdout.write(`Try: agentmesh send ${Object.values(urls)[0]} "hello"\n`);
  await untilSignal(ctx, () => runtime.close());
}
