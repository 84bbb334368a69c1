/**
 * What `agentmesh up` prints once every role listens: where each role
 * answers, the demo client, and commands that work exactly as printed from
 * another terminal — the CLI named the way this process was started, values
 * quoted for POSIX shells, secrets passed in the environment (other users
 * can read a command line, not another user's environment).
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, delimiter, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A message the router hands to the legal agent: the sent command shows the whole mesh at work. */
export const DEMO_MESSAGE = 'Review this clause: the agreement renews automatically for successive one-year terms';

/** What {@link renderUpBanner} prints. */
export interface UpBanner {
  /** How to run the CLI from the user's folder, see {@link cliCommand}. */
  cli: string;
  registryUrl: string;
  gatewayUrl: string;
  /** The gateway's metrics listener (its `/metrics` is not on the public port). */
  gatewayMetricsUrl: string;
  runtimeUrl: string;
  agents: readonly string[];
  /** The ACP example: its server and the bridged agents registered from it. */
  acp?: { url: string; agents: readonly string[] } | undefined;
  orchestratorUrl: string;
  orchestratorName: string;
  /** Lines about the workflows (printed by the orchestrator launcher), already indented. */
  workflowLines: string;
  demo: { clientId: string; clientSecret: string; tenant: string; credits: string; file: string };
  dataDir: string;
  /** Milliseconds from process start to ready. */
  readyMs: number;
}

/** Quotes `value` for a POSIX shell when it holds anything but plain URL/id characters. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command that runs this CLI from `cwd`: `agentmesh` when the first
 * `agentmesh` on the PATH is this very CLI (a global install; the container
 * image, whose /usr/local/bin/agentmesh links to it), `npx agentmesh` in the
 * package (or in a project that depends on it), `node --import tsx src/cli/bin.ts`
 * when running from the TypeScript source, else `node <absolute bin.js>`.
 * Never a bare `npx agentmesh` elsewhere: npx would fetch whatever package
 * of that name the registry holds.
 *
 * @param binFile the absolute path of the running `bin.js` / `bin.ts`
 * @example
 * cliCommand('/srv/agentmesh/dist/src/cli/bin.js', '/srv/agentmesh'); // 'npx agentmesh'
 */
export function cliCommand(binFile: string, cwd: string, pathEnv: string | undefined = process.env['PATH']): string {
  const root = packageRootOf(binFile);
  if (extname(binFile) === '.ts') return `node --import tsx ${shellQuote(root === cwd ? relative(cwd, binFile) : binFile)}`;
  if (isAgentmeshOnPath(binFile, pathEnv)) return 'agentmesh';
  if (root !== undefined && (root === cwd || root === join(cwd, 'node_modules', 'agentmesh'))) return 'npx agentmesh';
  return `node ${shellQuote(binFile)}`;
}

/**
 * True when the first `agentmesh` on `pathEnv` resolves to `binFile`. A project's `node_modules/.bin` is
 * on the PATH of its npm scripts only (`npm start` serving an agent), never of the shell the line is
 * pasted into: an `agentmesh` found there is not one the user can run as printed.
 */
function isAgentmeshOnPath(binFile: string, pathEnv: string | undefined): boolean {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    const candidate = join(dir, 'agentmesh');
    if (dir === '' || isNpmScriptBin(dir) || !existsSync(candidate)) continue;
    try {
      return realpathSync(candidate) === realpathSync(binFile);
    } catch {
      return false;
    }
  }
  return false;
}

/** A `node_modules/.bin` folder, which npm puts on the PATH of a package's scripts. */
function isNpmScriptBin(dir: string): boolean {
  return basename(dir) === '.bin' && basename(dirname(dir)) === 'node_modules';
}

/** The running CLI's `bin` file: `bin.ts` beside the source, `bin.js` in dist. */
export function runningBinFile(): string {
  const here = fileURLToPath(import.meta.url);
  // This file is src/cli/commands/up/ (dist/src/cli/commands/up/ when built); bin is in src/cli/.
  return join(dirname(here), '..', '..', `bin${extname(here)}`);
}

/** The folder of the agentmesh package.json above `file`, if any. */
function packageRootOf(file: string): string | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'agentmesh') return dir;
      } catch {
        // An unreadable manifest is not ours; keep looking above it.
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** The ready-to-paste `send`: a token from the demo client, then a message the orchestrator routes to a specialist. */
export function sendCommandLine(b: Pick<UpBanner, 'cli' | 'gatewayUrl' | 'orchestratorName' | 'demo'>): string {
  const creds = `AGENTMESH_CLIENT_ID=${shellQuote(b.demo.clientId)} AGENTMESH_CLIENT_SECRET=${shellQuote(b.demo.clientSecret)}`;
  const token = `AGENTMESH_TOKEN=$(${creds} ${b.cli} token --gateway ${shellQuote(b.gatewayUrl)})`;
  return `${token} ${b.cli} send ${shellQuote(`${b.gatewayUrl}/agents/${b.orchestratorName}`)} ${shellQuote(DEMO_MESSAGE)}`;
}

/**
 * The banner. Its first lines keep the `<role> listening on <url>` and
 * `demo client: <id> / <secret>` shapes that scripts read.
 */
export function renderUpBanner(b: UpBanner): string {
  const creds = `AGENTMESH_CLIENT_ID=${shellQuote(b.demo.clientId)} AGENTMESH_CLIENT_SECRET=${shellQuote(b.demo.clientSecret)}`;
  const orchestratorFlag = b.orchestratorName !== 'orchestrator' ? ` --orchestrator ${shellQuote(b.orchestratorName)}` : '';
  return [
    `agentmesh runtime listening on ${b.runtimeUrl}  (agents: ${b.agents.join(', ')}; card of each at ${b.runtimeUrl}/agents/{name}/.well-known/agent-card.json)`,
    ...(b.acp === undefined ? [] : [`agentmesh ACP example listening on ${b.acp.url}  (ACP agents: ${b.acp.agents.join(', ')}; bridged: ${b.acp.agents.map((a) => `${b.gatewayUrl}/agents/${a}`).join(', ')})`]),
    `agentmesh registry listening on ${b.registryUrl}  (search: POST ${b.registryUrl}/search)`,
    `agentmesh gateway listening on ${b.gatewayUrl}  (agents: ${b.gatewayUrl}/agents/{name}, token: POST ${b.gatewayUrl}/oauth/token; metrics on ${b.gatewayMetricsUrl})`,
    `  demo client: ${b.demo.clientId} / ${b.demo.clientSecret}  (tenant ${b.demo.tenant}, ${b.demo.credits} credits; kept in ${b.demo.file}, mode 0600; the gateway stores only a hash)`,
    `  web console: ${b.gatewayUrl}/console/  (sign in with the demo client for tenant ${b.demo.tenant}, or with the admin token in ${join(b.dataDir, 'gateway-admin-token')} for every tenant)`,
    `agentmesh orchestrator listening on ${b.orchestratorUrl}  (through the gateway: ${b.gatewayUrl}/agents/${b.orchestratorName})`,
    ...(b.workflowLines === '' ? [] : [b.workflowLines.replace(/\n$/, '')]),
    `agentmesh is ready in ${(b.readyMs / 1000).toFixed(1)} s; state in ${b.dataDir} (start over with --reset). From another terminal in this folder:`,
    `Try: ${sendCommandLine(b)}`,
    `     ${b.cli} agents search ${shellQuote('score leads similar to my best customers')} --registry ${shellQuote(b.registryUrl)}`,
    `     ${creds} ${b.cli} workflow run <file.yaml> --gateway ${shellQuote(b.gatewayUrl)}${orchestratorFlag} --input key=value`,
    '',
  ].join('\n');
}
