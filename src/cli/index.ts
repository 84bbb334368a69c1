/**
 * The `agentmesh` command line, importable so it can run in-process.
 *
 * @example
 * import { runCli } from './cli/index.js';
 * const code = await runCli(['send', 'http://localhost:4200/agents/sales', 'hello']);
 */
// First: on a Node.js agentmesh does not run on, this import fails with what to install, before anything below loads.
import '../node-version/check-on-import.js';
export { buildProgram, runCli, main, COMMANDS } from './program.js';
export type { CommandFactory } from './program.js';
export { resolveCliIO } from './io/cli-io.js';
export type { CliIO, CliContext, TextSink } from './io/cli-io.js';
export { ExitCodes } from './io/exit-codes.js';
export { exitCodeForState } from './io/task-output.js';
export type { ExitCode } from './io/exit-codes.js';
export { connectAgent, agentCardUrl } from './client/client.js';
export type { AgentConnection, ConnectAgentOptions, Binding } from './client/client.js';
export { createOutboundFetch, withTraceparent } from './client/outbound-fetch.js';
export type { OutboundFetchOptions } from './client/outbound-fetch.js';
