/**
 * The options every agent-facing command shares (`--json`, `--protocol`,
 * `--binding`, `--header`, `--token`, `--timeout`) and the one runner that
 * turns them into a connection, a deadline and an exit code.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ProtocolVersion } from '../../protocol/index.js';
import type { CliContext } from '../io/cli-io.js';
import type { AgentConnection, Binding, ConnectAgentOptions } from './client.js';
import type { ExitCode } from '../io/exit-codes.js';
import type { OutputOptions } from '../io/task-output.js';
import { positiveInteger } from '../io/positive-integer.js';
import { DEFAULT_REGISTRY_URL } from '../role-apis/default-registry-url.js';

/** What an agent's name looks like, given where its URL goes: no scheme, no slash, no dot-separated host. */
const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Parsed values of the shared options, as commander hands them over. */
export interface ConnectionFlags {
  json?: boolean;
  protocol?: ProtocolVersion;
  binding?: Binding;
  header?: string[];
  token?: string;
  timeout?: number;
}

function collectHeader(value: string, previous: string[] | undefined): string[] {
  const colon = value.indexOf(':');
  if (colon <= 0 || value.slice(0, colon).trim() === '') throw new InvalidArgumentError('expected "name: value", e.g. --header "x-tenant: acme"');
  return [...(previous ?? []), value];
}

/** Adds the shared options to `command`. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--json', 'print machine-readable A2A v1.0 JSON instead of text')
    .addOption(new Option('--protocol <version>', 'A2A protocol version (default: 1.0 when the card lists it, else 0.3)').choices(['1.0', '0.3']))
    .addOption(new Option('--binding <binding>', "protocol binding (default: the card's preferred)").choices(['jsonrpc', 'rest', 'grpc']))
    .option('--header <name:value>', 'extra HTTP header on every request (repeatable)', collectHeader)
    .option('--token <bearer>', 'bearer token sent as Authorization (default: $AGENTMESH_TOKEN)')
    .option('--timeout <ms>', 'give up after this many milliseconds', positiveInteger('milliseconds'));
}

function parseHeaders(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const colon = value.indexOf(':');
    headers[value.slice(0, colon).trim().toLowerCase()] = value.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * Connects to the agent at `url` with the shared flags, runs `body`, and
 * records its exit code. A `--timeout` deadline covers the card download,
 * the call and any stream; when it fires the error names the flag.
 */
export async function runAgentCommand(
  ctx: CliContext,
  url: string,
  flags: ConnectionFlags,
  body: (connection: AgentConnection, output: OutputOptions) => Promise<ExitCode>,
): Promise<void> {
  // The SDK client and the error table load when a command runs, not when the program is built.
  const [{ connectAgent }, { Errors, isAgentmeshError }, { clientCredentialsProvider }, { unknownAgentHint }, { DEFAULT_GATEWAY_URL }] = await Promise.all([
    import('./client.js'),
    import('../../protocol/index.js'),
    import('../role-apis/client-credentials.js'),
    import('./unknown-agent.js'),
    import('../role-apis/gateway-client.js'),
  ]);
  const signal = flags.timeout === undefined ? undefined : AbortSignal.timeout(flags.timeout);
  const options: ConnectAgentOptions = { url, headers: parseHeaders(flags.header ?? []) };
  const token = flags.token ?? ctx.io.env.AGENTMESH_TOKEN;
  const given = token !== undefined && token !== '';
  // The environment's client credentials: exchanged where the agent's card says when no token is given
  // (one way for every command), and the fallback when AGENTMESH_TOKEN is refused.
  const credentials = clientCredentialsProvider(ctx.io);
  if (given) options.token = token;
  else if (credentials) options.tokenProvider = credentials.provide;
  if (flags.protocol) options.protocol = flags.protocol;
  if (flags.binding) options.binding = flags.binding;
  if (ctx.io.fetchImpl) options.fetchImpl = ctx.io.fetchImpl;
  if (signal) options.signal = signal;
  const names = { token: given ? token : undefined, registryUrl: ctx.io.env.AGENTMESH_REGISTRY || DEFAULT_REGISTRY_URL, listCommand: 'agentmesh agents list', fetchImpl: ctx.io.fetchImpl };
  options.unknownAgentHint = (name, gatewayUrl) => unknownAgentHint(name, { ...names, gatewayUrl });
  if (AGENT_NAME.test(url)) {
    // A name where a URL goes (`send lead-scorer …`): said with the URL it has through the gateway.
    const gatewayUrl = (ctx.io.env.AGENTMESH_GATEWAY || DEFAULT_GATEWAY_URL).replace(/\/+$/, '');
    const hint = await unknownAgentHint(url, { ...names, gatewayUrl });
    throw Errors.cliAgentUrlInvalid({ url }, { details: { hint: `an agent is named by its URL: through the gateway, ${gatewayUrl}/agents/${encodeURIComponent(url)}; ${hint}` } });
  }
  const run = async (connect: ConnectAgentOptions) => ctx.setExitCode(await body(await connectAgent(connect), { json: flags.json === true, agentUrl: url }));
  try {
    try {
      await run(options);
    } catch (err) {
      // A token left in the environment (an hour old, from another gateway) wins over the credentials set beside
      // it; refused, it is dropped for the credentials, once and said. A refused call ran nothing, so it can be
      // sent again. A token given with --token was asked for by name: it is not second-guessed.
      if (!given || flags.token !== undefined || credentials === undefined || signal?.aborted === true || (await refusedStatus(err)) !== 401) throw err;
      ctx.io.stderr.write('note: the agent refused the token in AGENTMESH_TOKEN (HTTP 401); using the client credentials of AGENTMESH_CLIENT_ID instead (unset AGENTMESH_TOKEN to skip it)\n');
      const { token: _refused, ...withoutToken } = options;
      try {
        await run({ ...withoutToken, tokenProvider: credentials.provide });
      } catch (again) {
        // The token request refused (a wrong secret) says so itself; the agent refusing both is said here.
        if (isAgentmeshError(again) || (await refusedStatus(again)) !== 401) throw again;
        credentials.forgetLast();
        const { describeError } = await import('../io/error-report.js');
        throw Errors.cliAgentRefusedTokenAndCredentials({ said: describeError(again).message }, { cause: again });
      }
    }
  } catch (err) {
    // A cached token the agent refused (expired early, keys rotated) is not offered again.
    if (credentials && (await refusedStatus(err)) === 401) credentials.forgetLast();
    if (signal?.aborted) {
      throw Errors.cliAgentTimedOut({ timeoutMs: String(flags.timeout) }, { cause: err });
    }
    throw err;
  }
}

/** The 401 or 403 a call was refused with, wherever in the error it travelled. */
async function refusedStatus(err: unknown): Promise<401 | 403 | undefined> {
  return (await import('../io/error-report.js')).refusedCredentialStatus(err);
}
