#!/usr/bin/env node
/** The `agentmesh` executable (package.json `bin`). */
import { main } from './program.js';

await main(process.argv);
