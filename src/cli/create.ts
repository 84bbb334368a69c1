#!/usr/bin/env node
/**
 * `create-agentmesh <dir>`: `agentmesh init <dir>` under the name
 * `npm create agentmesh` looks for. npm resolves that name on the registry,
 * so until a `create-agentmesh` package is published this bin runs with
 * `npm exec --package=<agentmesh path or tarball> -- create-agentmesh my-agent`.
 */
import { exitOnUnsupportedNode } from '../node-version/index.js';

// First, as in bin.ts: the CLI is imported only on a Node it runs on.
exitOnUnsupportedNode();
const { runCli } = await import('./program.js');
process.exitCode = await runCli(['init', ...process.argv.slice(2)]);
