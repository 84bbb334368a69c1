import { fileURLToPath } from 'node:url';

/**
 * The `node` flags of a child process that runs the repository's TypeScript (`src/cli/bin.ts`, a fixture):
 * Node's own type stripping, with scripts/ts-hooks.mjs for the resolution the sources are written for
 * (`./x.js` → `./x.ts`, `agentmesh` → src/index.ts). The test files themselves run the same way
 * (scripts/run-tests.mjs): about half the CPU of tsx per process (CONTRIBUTING.md, "Tests").
 */
export const TS_CHILD_ARGV: readonly string[] = ['--import', fileURLToPath(new URL('../../scripts/ts-hooks.mjs', import.meta.url))];
