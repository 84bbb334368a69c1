/**
 * The `agentmesh` command line, importable so it can run in-process.
 *
 * @example
 * import { runCli } from './cli/index.js';
 * const code = await runCli(['send', 'http://localhost:4200/agents/sales', 'hello']);
 */
export { buildProgram, runCli, main, COMMANDS } from './program.js';
export type { CommandFactory } from './program.js';
export { resolveCliIO } from './cli-io.js';
export type { CliIO, CliContext, TextSink } from './cli-io.js';
export { ExitCodes } from './exit-codes.js';
export { exitCodeForState } from './task-output.js';
export type { ExitCode } from './exit-codes.js';
export { connectAgent, agentCardUrl } from './client.js';
export type { AgentConnection, ConnectAgentOptions, Binding } from './client.js';
export { createOutboundFetch, withTraceparent } from './outbound-fetch.js';
export type { OutboundFetchOptions } from './outbound-fetch.js';
