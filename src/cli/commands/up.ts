import { Command } from 'commander';
import { exampleAgents } from '../../../agents/index.js';
import { createRegistry } from '../../registry/index.js';
import type { RuntimeConfigInput } from '../../runtime/index.js';
import type { CliContext } from '../cli-io.js';
import { registryConfigFromEnv } from '../registry-config-from-env.js';
import { startAgents, type ServeFlags } from '../serve-agents.js';
import { untilSignal } from '../until-signal.js';

/**
 * `agentmesh up`: the mesh in one process on the embedded SQLite store —
 * today the registry and the example agents, which register themselves in it.
 */
export function upCommand(ctx: CliContext): Command {
  return new Command('up')
    .description('run the mesh in one process on the embedded SQLite store (registry + example agents)')
    .option('-p, --port <port>', 'agents port (env PORT; default 4000)')
    .option('--registry-port <port>', 'registry port (env REGISTRY_PORT; default 4100)')
    .option('--host <host>', 'interface to bind (env HOST; default 127.0.0.1)')
    .option('--data-dir <dir>', 'where the SQLite file and signing key live (default ./.agentmesh)')
    .option('--dev', 'development mode: allow http:// webhooks')
    .addHelpText('after', '\nExamples:\n  $ agentmesh up\n  $ agentmesh up --port 8080 --registry-port 8081\n  $ agentmesh agents list            # what registered\n')
    .action(async (opts: ServeFlags & { registryPort?: string }) => {
      const env = ctx.io.env;
      const registryConfig = registryConfigFromEnv(env, { port: opts.registryPort ?? env['REGISTRY_PORT'] ?? '4100', ...(opts.host !== undefined && { host: opts.host }), ...(opts.dataDir !== undefined && { dataDir: opts.dataDir }), ...(opts.dev !== undefined && { dev: opts.dev }) });
      // The embedded registry probes the agents beside it, on loopback and plain http.
      registryConfig.allowHosts = [...(registryConfig.allowHosts ?? []), 'localhost', '127.0.0.1'];
      registryConfig.dev = true;
      // One terminal shows both roles: request logs stay quiet unless LOG_LEVEL asks for them.
      registryConfig.logLevel ??= 'warn';
      const registry = await createRegistry({ config: registryConfig });
      const { url: registryUrl } = await registry.listen();
      ctx.io.stdout.write(`agentmesh registry listening on ${registryUrl}  (search: POST ${registryUrl}/search, catalog: ${registryUrl}/.well-known/ai-catalog.json)\n`);
      const runtime = await startAgents(ctx, exampleAgents, opts, {
        registryUrl: env['REGISTRY_URL'] ?? registryUrl,
        logLevel: (env['LOG_LEVEL'] as RuntimeConfigInput['logLevel']) ?? 'warn',
        ...(registryConfig.writeToken !== undefined && { registryToken: registryConfig.writeToken }),
      }).catch(async (err: unknown) => {
        await registry.close();
        throw err;
      });
      ctx.io.stdout.write(`Try: agentmesh agents search "score leads similar to my best customers" --registry ${registryUrl}\n`);
      await untilSignal(ctx, async () => {
        await runtime.close();
        await registry.close();
      });
    });
}
