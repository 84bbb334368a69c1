#!/usr/bin/env node
/** The `agentmesh` executable (package.json `bin`). */
import { main } from './program.js';

// A reader that stops early (`agentmesh … | head`) closes the pipe: that is the end, not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

await main(process.argv);
