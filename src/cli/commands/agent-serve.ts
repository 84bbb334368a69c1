import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import type { CliContext } from '../io/cli-io.js';
import { ExitCodes } from '../io/exit-codes.js';
import { servingContext } from '../serving/serving-output.js';
import { agentModuleRefusal } from './agent-module-refusal.js';

/** `agentmesh agent serve <module>`: runs a module whose default export is a defineAgent() result. */
export function agentCommand(context: CliContext): Command {
  const ctx = servingContext(context);
  const serve = new Command('serve')
    .description('serve the agent a module exports (default export of defineAgent())')
    .argument('<module>', 'path to a .js or .ts module (Node 24 runs TypeScript as is, erasing its types)')
    .option('-p, --port <port>', 'port to listen on (env PORT; default 4000, or the next free port when 4000 is taken; 0 = any free port)')
    .option('--host <host>', 'interface to bind (env HOST; default 127.0.0.1)')
    .option('--data-dir <dir>', 'where the SQLite file and signing key live (env AGENTMESH_DATA_DIR; default ./.agentmesh)')
    .option('--dev', 'development mode: allow http:// webhooks')
    .addHelpText('after', '\nExamples:\n  $ agentmesh agent serve ./greeter.ts\n  $ agentmesh agent serve ./dist/agents/echo.js --port 4001\n  $ DATABASE_URL=postgres://… REDIS_URL=redis://… agentmesh agent serve ./my-agent.js\n')
    .action(async (modulePath: string, opts: { port?: string; host?: string; dataDir?: string; dev?: boolean }) => {
      // Loaded here, not with the command: `agent serve --help` answers without loading the runtime.
      const [{ isAgentDefinition }, { serveAgents }] = await Promise.all([import('../../runtime/index.js'), import('../serving/serve-agents.js')]);
      let mod: { default?: unknown };
      try {
        mod = (await import(pathToFileURL(resolve(modulePath)).href)) as { default?: unknown };
      } catch (err) {
        throw agentModuleRefusal(modulePath, err) ?? err;
      }
      if (!isAgentDefinition(mod.default)) {
        ctx.io.stderr.write(`error: ${modulePath} has no default export made by defineAgent()\n`);
        ctx.setExitCode(ExitCodes.USAGE);
        return;
      }
      // A port nobody asked for moves past one in use: `agentmesh up` holds 4000 while it runs.
      await serveAgents(ctx, [mod.default], opts, { nextFreePort: true, developmentSecretsAtInfo: true });
    });
  return new Command('agent').description('run an agent you wrote').addCommand(serve);
}
