// @ts-check
/**
 * The import rules of src/ (docs/architecture.md), checked by `npm run lint`
 * (dependency-cruiser): roles never import each other, the floors below them
 * never import upwards, contracts and protocol stand on nothing of ours but
 * each other, and no import cycle anywhere. Type-only imports count: a type
 * is as much an arrow between folders as a value is.
 * test/unit/package/import-rules.test.ts plants violations and checks each is reported.
 */

/** The roles: each a server of its own, meeting the others only through contracts and the floors. */
const ROLES = 'runtime|registry|gateway|orchestrator';
/** What sits on top: where roles meet (compose), the command line, the test helpers' door. */
const TOP = 'compose|cli|testing';
/** Shared floors the roles stand on. */
const FLOORS = 'tenancy|audit|storage|observability|http|acp|ranking';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-role-to-role',
      comment: 'A role never imports another role: they meet through src/contracts and the floors below (docs/architecture.md). Where one serves another, compose them in src/compose.',
      severity: 'error',
      from: { path: `^src/(${ROLES})/` },
      to: { path: `^src/(${ROLES})/`, pathNot: '^src/$1/' },
    },
    {
      name: 'no-role-to-top',
      comment: 'A role never imports what sits above the roles (src/compose, src/cli, src/testing).',
      severity: 'error',
      from: { path: `^src/(${ROLES})/` },
      to: { path: `^src/(${TOP})/` },
    },
    {
      name: 'no-floor-upwards',
      comment: 'A shared floor never imports a role or what sits above them: the roles call in.',
      severity: 'error',
      from: { path: `^src/(${FLOORS}|contracts|protocol)/` },
      to: { path: `^src/(${ROLES}|${TOP})/` },
    },
    {
      name: 'contracts-stand-on-protocol',
      comment: 'src/contracts holds the shapes that cross a role boundary: it imports only itself and src/protocol (and src/node-version, the check of the Node it runs on), so every role, the CLI and the console may import it.',
      severity: 'error',
      from: { path: '^src/contracts/' },
      to: { path: '^src/', pathNot: '^src/(contracts|protocol|node-version)/' },
    },
    {
      name: 'protocol-stands-alone',
      comment: 'src/protocol is the lowest floor but one: it imports nothing else of ours but src/node-version.',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { path: '^src/', pathNot: '^src/(protocol|node-version)/' },
    },
    {
      name: 'node-version-stands-alone',
      comment: 'src/node-version is asked first by every entry point, on a Node that may run nothing else of ours: it imports nothing of ours.',
      severity: 'error',
      from: { path: '^src/node-version/' },
      to: { path: '^src/', pathNot: '^src/node-version/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycle: split it by moving the shared type or function down into a file of its own.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    includeOnly: '^src/',
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
