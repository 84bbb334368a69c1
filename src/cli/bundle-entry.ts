/**
 * Entry of the CLI bundle (scripts/build-cli-bundle.mjs, ADR 0016): what
 * `load-cli.ts` takes from `dist/src/cli/bundle.cjs`. Commands outside
 * `BUNDLED_COMMANDS` are left out of it; `bin.ts` never sends them here.
 */
export { main } from './program.js';
