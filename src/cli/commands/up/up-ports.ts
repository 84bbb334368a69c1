/** The ports and flags of `agentmesh up`, read before anything loads. */
import { Errors } from '../../../protocol/index.js';
import type { ServeFlags } from '../../serving/serve-agents.js';

/** Used when neither --workflows nor WORKFLOWS_DIR names a folder, if it exists; `--help` names it too. */
export const DEFAULT_WORKFLOWS_DIR = './workflows';

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

export type UpFlags = ServeFlags & { registryPort?: string; gatewayPort?: string; orchestratorPort?: string; metricsPort?: string; acpPort?: string; workflows?: string; reset?: boolean };
