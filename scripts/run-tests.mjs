#!/usr/bin/env node
/**
 * Runs one tier of the test suite (README, "Tests"):
 *
 *   default   test/unit and test/integration: Node alone, no system tool, no service (`npm test`)
 *   tools     the files of test/unit and test/integration marked `// test-tier: tools (needs …)`:
 *             they drive a system tool (promtool, Chromium, kubectl) (`npm run test:tools`)
 *   services  test/services: PostgreSQL, Redis, NATS (`npm run test:services`)
 *   image     test/image: the container image built and run with Podman (`npm run test:image`)
 *
 * A tier whose tools are missing fails before any test runs, naming each
 * missing tool and the command that installs it: a tier never skips.
 * Usage: node scripts/run-tests.mjs <tier> [extra node --test flags…]
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** How a developer on Debian/Ubuntu gets each tool (CI: .ci/run installs them). */
const INSTALL = {
  promtool: 'apt-get install prometheus',
  prometheus: 'apt-get install prometheus',
  chromium: 'apt-get install chromium (or set CHROMIUM_PATH to a Chromium/Chrome binary)',
  kubectl: 'apt-get install kubectl (from the Kubernetes apt repository: https://kubernetes.io/docs/tasks/tools/)',
  podman: 'apt-get install podman',
  debootstrap: 'apt-get install debootstrap',
  runc: 'apt-get install runc',
  socat: 'apt-get install socat',
  'podman-compose': 'apt-get install podman-compose',
  dnsname: 'apt-get install golang-github-containernetworking-plugin-dnsname (Compose service names on Podman\'s CNI networks)',
  pgbouncer: 'apt-get install pgbouncer',
  psql: 'apt-get install postgresql-client',
  'redis-server': 'apt-get install redis-server',
  'redis-cli': 'apt-get install redis-tools',
  openssl: 'apt-get install openssl',
  'older-node': "apt-get install nodejs (Debian's Node, older than 24, with its npm at /usr/bin/npm), or set OLD_NODE to a Node older than 24",
};

/** Which tools a tier needs regardless of markers. */
const TIER_TOOLS = { image: ['podman', 'debootstrap', 'runc', 'socat', 'podman-compose', 'dnsname', 'pgbouncer', 'psql', 'redis-server', 'redis-cli', 'openssl'] };

const MARKER = /^\/\/ test-tier: (\w+)(?: \(needs ([^)]*)\))?/m;
/** What drives a system tool: a file that does so without a marker would break `npm test` on a machine with Node alone. */
const TOOL_USE = /from '[^']*\/(?:browser|prometheus-binaries)\.js'|\(\s*'(?:kubectl|promtool|prometheus|podman)'/;

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

/** The tier a file declares (`default` when it declares none) and the tools it names. */
export function tierOf(file) {
  const match = MARKER.exec(readFileSync(file, 'utf8'));
  return { tier: match?.[1] ?? 'default', needs: (match?.[2] ?? '').split(',').map((tool) => tool.trim()).filter(Boolean) };
}

function onPath(tool) {
  if (tool === 'chromium') return existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
  if (tool === 'dnsname') return existsSync('/usr/lib/cni/dnsname');
  // A Node older than 24 beside the one running: the entry points' refusal of it is run for real (its version is the test's to check).
  if (tool === 'older-node') return existsSync(process.env.OLD_NODE ?? '/usr/bin/node');
  // Debian puts these in sbin, which a non-root PATH may lack.
  if (tool === 'pgbouncer' || tool === 'debootstrap') return existsSync(`/usr/sbin/${tool}`) || onPathDirs(tool);
  return onPathDirs(tool);
}

function onPathDirs(tool) {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return dirs.some((dir) => existsSync(join(dir, tool)));
}

function select(tier) {
  const base = [...testFiles(join(root, 'test', 'unit')), ...testFiles(join(root, 'test', 'integration'))];
  switch (tier) {
    case 'default':
    case 'tools': {
      const unmarked = base.filter((file) => tierOf(file).tier === 'default' && TOOL_USE.test(readFileSync(file, 'utf8')));
      if (unmarked.length > 0) throw new Error(`these tests drive a system tool; give each a first line \`// test-tier: tools (needs <tool>)\`:\n  ${unmarked.map((file) => relative(root, file)).join('\n  ')}`);
      const files = base.map((file) => ({ file, ...tierOf(file) })).filter((f) => f.tier === tier);
      // Most files wait on child processes and sockets: at two at a time the two cores of CI were
      // under half busy; three keeps them busy (7 min instead of 12 for the default tier). The tools
      // tier drives Chromium, which wants a core of its own.
      return { files: files.map((f) => f.file), tools: [...new Set(files.flatMap((f) => f.needs))], concurrency: tier === 'default' ? 3 : 2 };
    }
    case 'services':
      return { files: testFiles(join(root, 'test', 'services')), tools: [], concurrency: 1 };
    case 'image':
      return { files: testFiles(join(root, 'test', 'image')), tools: TIER_TOOLS.image, concurrency: 1, timeoutMs: 2_400_000 };
    default:
      throw new Error(`unknown tier ${tier}: default, tools, services or image`);
  }
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const [tier = 'default', ...flags] = process.argv.slice(2);
  let selected;
  try {
    selected = select(tier);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  const { files, tools, concurrency, timeoutMs = 300_000 } = selected;
  const missing = tools.filter((tool) => !onPath(tool));
  if (missing.length > 0) {
    process.stderr.write(`The ${tier} tests need tools that are not installed:\n${missing.map((tool) => `  ${tool}: ${INSTALL[tool] ?? `install ${tool}`}`).join('\n')}\n`);
    process.exit(1);
  }
  if (files.length === 0) {
    process.stderr.write(`no test files in the ${tier} tier\n`);
    process.exit(1);
  }
  if (process.env.TEST_TIER_LIST === '1') {
    process.stdout.write(`${files.map((file) => relative(root, file)).join('\n')}\n`);
    process.exit(0);
  }
  const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${timeoutMs}`, ...flags, ...files.map((file) => relative(root, file))];
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
