#!/usr/bin/env node
/**
 * Runs one tier of the test suite (README, "Tests"):
 *
 *   default   test/unit, test/integration and test/history: Node alone, no system tool, no service (`npm test`;
 *             `npm run test:history` is its test/history part, the history checker's proofs)
 *   tools     the files of test/unit and test/integration marked `// test-tier: tools (needs …)`:
 *             they drive a system tool (promtool, Chromium, kubectl, a real n8n) (`npm run test:tools`)
 *   services  test/services: PostgreSQL, Redis, NATS (`npm run test:services`)
 *   image     test/image: the container image built and run with Podman (`npm run test:image`)
 *
 * A tier whose tools are missing fails before any test runs, naming each
 * missing tool and the command that installs it: a tier never skips.
 * Usage: node scripts/run-tests.mjs <tier> [<path>…] [--test-name-pattern=<re>] [--test-skip-pattern=<re>] [--test-only]
 * (paths narrow the tier to the files under them).
 *
 * Each file's wall time is printed as it ends and the slowest at the end of the tier; the files
 * start longest first, by the times kept in scripts/test-durations.json (TEST_DURATIONS_WRITE=1
 * rewrites them from a run). TEST_CPU=1 also records each file's CPU (its process and the processes it
 * reaped, user and system: scripts/test-child-cpu.mjs) and prints the files that spent most, and the tier's total.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';
import { N8N_VERSION, n8nHome, n8nInstalled } from './install-n8n.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The flags of each test file's process: Node's own type stripping with scripts/ts-hooks.mjs for TypeScript
 * (not tsx, which took about twice the CPU per process: CONTRIBUTING.md, "Tests"), and stdout written
 * through before the forced exit (scripts/test-child-stdout.mjs says why: without it, verdicts were lost).
 */
export const TEST_CHILD_EXEC_ARGV = ['--import', join(root, 'scripts', 'ts-hooks.mjs'), '--import', join(root, 'scripts', 'test-child-stdout.mjs')];

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
  haproxy: 'apt-get install haproxy',
  'older-node': "apt-get install nodejs (Debian's Node, older than 24, with its npm at /usr/bin/npm), or set OLD_NODE to a Node older than 24",
  n8n: `node scripts/install-n8n.mjs (n8n@${N8N_VERSION} into ${n8nHome()}; set AGENTMESH_N8N_HOME to use another folder)`,
};

/** Which tools a tier needs regardless of markers. */
const TIER_TOOLS = { image: ['podman', 'debootstrap', 'runc', 'socat', 'podman-compose', 'dnsname', 'pgbouncer', 'psql', 'redis-server', 'redis-cli', 'openssl', 'ip'] };

const MARKER = /^\/\/ test-tier: (\w+)(?: \(needs ([^)]*)\))?/m;
/** What drives a system tool: a file that does so without a marker would break `npm test` on a machine with Node alone. */
const TOOL_USE = /from '[^']*\/(?:browser|prometheus-binaries|n8n-engine)\.js'|\(\s*'(?:kubectl|promtool|prometheus|podman)'/;

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
  // Not a system package: installed from npm into a cache folder (scripts/install-n8n.mjs).
  if (tool === 'n8n') return n8nInstalled();
  if (tool === 'chromium') return existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
  if (tool === 'dnsname') return existsSync('/usr/lib/cni/dnsname');
  // A Node older than 24 beside the one running: the entry points' refusal of it is run for real (its version is the test's to check).
  if (tool === 'older-node') return existsSync(process.env.OLD_NODE ?? '/usr/bin/node');
  // Debian puts these in sbin, which a non-root PATH may lack.
  if (tool === 'pgbouncer' || tool === 'debootstrap' || tool === 'haproxy' || tool === 'ip') return existsSync(`/usr/sbin/${tool}`) || onPathDirs(tool);
  return onPathDirs(tool);
}

function onPathDirs(tool) {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return dirs.some((dir) => existsSync(join(dir, tool)));
}

function select(tier) {
  const base = [...testFiles(join(root, 'test', 'unit')), ...testFiles(join(root, 'test', 'integration')), ...testFiles(join(root, 'test', 'history'))];
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
      // The files keep to schemas, databases, roles and Redis keys named for the run (createTestSchema,
      // randomSuffix), so two run at once: the tier mostly waits on processes and the services (865 s one at
      // a time at a load average of 14-29 on 2 cores, 307 s two at a time at 8-13, every test passing).
      return { files: testFiles(join(root, 'test', 'services')), tools: [], concurrency: 2 };
    case 'image':
      return { files: testFiles(join(root, 'test', 'image')), tools: TIER_TOOLS.image, concurrency: 1, timeoutMs: 2_400_000 };
    default:
      throw new Error(`unknown tier ${tier}: default, tools, services or image`);
  }
}

/** Wall times measured by an earlier run (seconds per file, relative to the root): the longest files start first. */
const DURATIONS = join(root, 'scripts', 'test-durations.json');

function knownDurations() {
  try {
    return JSON.parse(readFileSync(DURATIONS, 'utf8'));
  } catch {
    return {};
  }
}

/**
 * The files longest first (by their last measured wall time; a file never measured counts as the
 * longest, as a new slow file would otherwise start last). A tier runs a few files at a time and
 * ends when its last file does: started last, a four-minute file alone on a core makes the tail.
 */
export function longestFirst(files, durations) {
  const known = (file) => durations[relative(root, file)];
  return files
    .map((file, index) => ({ file, index, seconds: known(file) ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => b.seconds - a.seconds || a.index - b.index)
    .map((entry) => entry.file);
}

/** `--test-name-pattern=x` and friends, the flags a developer narrows a tier with, as node:test's run() options. */
function runOptions(flags) {
  const options = { testNamePatterns: [], testSkipPatterns: [] };
  for (const flag of flags) {
    const [name, value] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    if (name === '--test-name-pattern' && value !== undefined) options.testNamePatterns.push(value);
    else if (name === '--test-skip-pattern' && value !== undefined) options.testSkipPatterns.push(value);
    else if (name === '--test-only') options.only = true;
    else throw new Error(`unsupported flag ${flag}: --test-name-pattern=<re>, --test-skip-pattern=<re>, --test-only`);
  }
  if (options.testNamePatterns.length === 0) delete options.testNamePatterns;
  if (options.testSkipPatterns.length === 0) delete options.testSkipPatterns;
  return options;
}

/**
 * TEST_CPU=1's report: the files that spent the most CPU (their process and the processes they reaped) and the
 * tier's total, this runner included (its own and its reaped children's, from /proc/self/stat as in test-child-cpu.mjs).
 */
function reportCpu(dir, shown) {
  const records = readdirSync(dir).map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')));
  rmSync(dir, { recursive: true, force: true });
  const cpu = (r) => r.user + r.system + r.childrenUser + r.childrenSystem;
  const byCpu = records.sort((a, b) => cpu(b) - cpu(a));
  const total = byCpu.reduce((sum, r) => sum + cpu(r), 0);
  const own = process.resourceUsage();
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const tier = (own.userCPUTime + own.systemCPUTime) / 1e6 + (Number(fields[13]) + Number(fields[14])) / 100;
  process.stdout.write(`\nCPU (user+system, s): the tier ${tier.toFixed(1)}, its ${records.length} files ${total.toFixed(1)}; the most (file: own, reaped children):\n`);
  for (const r of byCpu.slice(0, shown)) {
    process.stdout.write(`${cpu(r).toFixed(1).padStart(7)}  ${relative(root, r.file)} (${(r.user + r.system).toFixed(1)}, ${(r.childrenUser + r.childrenSystem).toFixed(1)})\n`);
  }
  // TEST_CPU_OUT=<file>: every file's record as JSON, for comparing two runs.
  if (process.env.TEST_CPU_OUT) writeFileSync(process.env.TEST_CPU_OUT, `${JSON.stringify(Object.fromEntries(byCpu.map((r) => [relative(root, r.file), { cpu: Math.round(cpu(r) * 100) / 100, own: Math.round((r.user + r.system) * 100) / 100 }])), null, 2)}\n`);
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`.padStart(8);

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const [tier = 'default', ...args] = process.argv.slice(2);
  // Arguments that are not flags narrow the tier to the files under those paths.
  const flags = args.filter((arg) => arg.startsWith('--'));
  const only = args.filter((arg) => !arg.startsWith('--')).map((path) => join(root, path));
  let selected;
  let options;
  try {
    selected = select(tier);
    options = runOptions(flags);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  const { tools, timeoutMs = 300_000 } = selected;
  // TEST_CONCURRENCY=n: another number of files at a time (to see how a tier fares with more or fewer).
  const concurrency = process.env.TEST_CONCURRENCY ? Number(process.env.TEST_CONCURRENCY) : selected.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    process.stderr.write(`TEST_CONCURRENCY must be a whole number from 1, got ${process.env.TEST_CONCURRENCY}\n`);
    process.exit(1);
  }
  const missing = tools.filter((tool) => !onPath(tool));
  if (missing.length > 0) {
    process.stderr.write(`The ${tier} tests need tools that are not installed:\n${missing.map((tool) => `  ${tool}: ${INSTALL[tool] ?? `install ${tool}`}`).join('\n')}\n`);
    process.exit(1);
  }
  if (selected.files.length === 0) {
    process.stderr.write(`no test files in the ${tier} tier\n`);
    process.exit(1);
  }
  const narrowed = only.length === 0 ? selected.files : selected.files.filter((file) => only.some((path) => file === path || file.startsWith(`${path}/`)));
  if (narrowed.length === 0) {
    process.stderr.write(`no test file of the ${tier} tier under ${args.filter((arg) => !arg.startsWith('--')).join(', ')}\n`);
    process.exit(1);
  }
  const files = longestFirst(narrowed, knownDurations());
  if (process.env.TEST_TIER_LIST === '1') {
    process.stdout.write(`${files.map((file) => relative(root, file)).join('\n')}\n`);
    process.exit(0);
  }
  // node:test's run() and not `node --test`: the command line sorts the files by name, run() starts them in the order given.
  const started = Date.now();
  const abort = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => abort.abort());
  // forceExit: a file's process ends once its tests and after hooks have, rather than when its event loop
  // empties: a handle a failed test left open (a server its cleanup never reached) held one file, and so the
  // tier, until it was killed, and an idle keep-alive socket or timer kept others alive for seconds.
  // TEST_CPU=1: each file's process writes its CPU to a folder of this run (scripts/test-child-cpu.mjs).
  const cpuDir = process.env.TEST_CPU === '1' ? mkdtempSync(join(tmpdir(), 'agentmesh-test-cpu-')) : undefined;
  if (cpuDir !== undefined) process.env.TEST_CPU_DIR = cpuDir;
  const execArgv = cpuDir === undefined ? TEST_CHILD_EXEC_ARGV : [...TEST_CHILD_EXEC_ARGV, '--import', join(root, 'scripts', 'test-child-cpu.mjs')];
  const stream = run({ files, concurrency, timeout: timeoutMs, forceExit: true, execArgv, cwd: root, signal: abort.signal, ...options });
  const fileSet = new Set(files);
  const took = new Map();
  let failed = false;
  stream.on('test:fail', () => {
    failed = true;
  });
  // A file's own test (nesting 0, named by its path) completes when its process exits: its wall time, start-up included.
  const timed = new Transform({
    objectMode: true,
    transform(event, _encoding, callback) {
      this.push(event);
      const { data } = event;
      if (event.type === 'test:complete' && data.nesting === 0 && fileSet.has(data.name) && !took.has(data.name)) {
        took.set(data.name, data.details.duration_ms);
        this.push({ type: 'test:diagnostic', data: { nesting: 0, message: `${seconds(data.details.duration_ms)}  ${relative(root, data.name)}` } });
      }
      callback();
    },
  });
  const report = stream.compose(timed).compose(spec);
  report.pipe(process.stdout, { end: false });
  await finished(report);
  const slowest = [...took].sort((a, b) => b[1] - a[1]);
  const shown = Number(process.env.TEST_SLOWEST ?? 15);
  process.stdout.write(`\nThe ${tier} tier: ${files.length} files, ${concurrency} at a time, in ${seconds(Date.now() - started).trim()}; the slowest ${Math.min(shown, slowest.length)}:\n`);
  for (const [file, ms] of slowest.slice(0, shown)) process.stdout.write(`${seconds(ms)}  ${relative(root, file)}\n`);
  if (cpuDir !== undefined) reportCpu(cpuDir, shown);
  // TEST_DURATIONS_WRITE=1 keeps this run's times for the next runs' order (scripts/test-durations.json, committed).
  if (process.env.TEST_DURATIONS_WRITE === '1' && options.testNamePatterns === undefined && options.testSkipPatterns === undefined && options.only === undefined) {
    const durations = knownDurations();
    for (const [file, ms] of took) durations[relative(root, file)] = Math.round(ms / 100) / 10;
    const sorted = Object.fromEntries(Object.entries(durations).filter(([file]) => existsSync(join(root, file))).sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(DURATIONS, `${JSON.stringify(sorted, null, 2)}\n`);
  }
  process.exitCode = failed ? 1 : 0;
}
