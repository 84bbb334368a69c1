import { Command } from 'commander';
import { Errors } from '../../../protocol/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { DEFAULT_WORKFLOWS_DIR, upPorts, type UpFlags } from './up-ports.js';
import { watchSignals } from '../../serving/until-signal.js';
import { servingContext } from '../../serving/serving-output.js';

export { upPorts, type UpFlags, type UpPorts } from './up-ports.js';

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
      // Read before the roles load, which takes about a second: a mistyped port is refused at once.
      const ports = upPorts(opts, env);
      const dataDir = opts.dataDir ?? (env['AGENTMESH_DATA_DIR'] || DEFAULT_DATA_DIR);
      // Watched before anything starts: a SIGTERM right as the banner prints (or during start-up) drains, never kills.
      const signals = watchSignals(ctx);
      const { runUp } = await import('./up-run.js');
      await runUp(ctx, opts, ports, signals, dataDir);
    });
}
