#!/usr/bin/env node
/** The `agentmesh` executable (package.json `bin`). */
import { exitOnUnsupportedNode } from '../node-version/index.js';

// Before anything else loads (so the CLI is imported below, not above): an older Node crashes in the
// native SQLite module or stops at syntax it lacks, without a word from us.
exitOnUnsupportedNode();

// A reader that stops early (`agentmesh … | head`) closes the pipe: that is the end, not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

// The prebuilt bundle when it serves this run, else the ES modules (ADR 0016).
const { loadCli } = await import('./load-cli.js');
const { main } = await loadCli(process.argv, process.env);
await main(process.argv);
// A failed command is over: whatever it left open (a Redis reconnect timer, a
// pool socket still closing) must not hold the process and delay the non-zero
// exit a process manager acts on. Output is written synchronously to files and
// pipes on POSIX, so nothing printed is lost.
if (process.exitCode) process.exit();
