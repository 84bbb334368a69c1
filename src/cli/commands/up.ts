import { Command } from 'commander';
import { exampleAgents } from '../../../agents/index.js';
import type { CliContext } from '../cli-io.js';
import { serveAgents } from '../serve-agents.js';

/** `agentmesh up`: the whole mesh in one process. Today: the example agents on the embedded store. */
export function upCommand(ctx: CliContext): Command {
  return new Command('up')
    .description('run the mesh in one process on the embedded SQLite store (today: the example agents)')
    .option('-p, --port <port>', 'port to listen on (env PORT; default 4000)')
    .option('--host <host>', 'interface to bind (env HOST; default 127.0.0.1)')
    .option('--data-dir <dir>', 'where the SQLite file and signing key live (default ./.agentmesh)')
    .option('--dev', 'development mode: allow http:// webhooks')
    .addHelpText('after', '\nExamples:\n  $ agentmesh up\n  $ agentmesh up --port 8080\n')
    .action(async (opts: { port?: string; host?: string; dataDir?: string; dev?: boolean }) => {
      await serveAgents(ctx, exampleAgents, opts);
    });
}
