#!/usr/bin/env node
/**
 * Runs the official A2A conformance suite (a2a-tck, branch `1.0-dev`) against
 * the agent under test in examples/conformance-agent/, one fresh store per
 * run, for each transport and level asked, and prints a table of the results
 * (docs/conformance.md, "The official conformance suite").
 *
 *   node scripts/conformance.mjs prepare --from <a2a-tck clone> --suite <scratch dir>
 *   node scripts/conformance.mjs run --suite <scratch dir> [--transport jsonrpc,http_json,grpc]
 *        [--level must,should] [--out <dir>] [--target agentmesh|sdk] [--sut <url>] [--no-dedupe]
 *        [--through-gateway [--gateway-policy <policy.json>]…]
 *   node scripts/conformance.mjs report --out <dir>     (the table again, from a run's reports)
 *
 * `prepare` copies a clone of the suite into a scratch directory and adapts
 * the copy to Debian's Python packages (python3-pytest 7.2, protobuf 3.21,
 * grpcio 1.51, no pytest-html, no googleapis-common-protos) without touching
 * an assertion; the clone itself is left as fetched. `run` starts
 * `agentmesh agent serve` on the agent (HTTP and gRPC on free ports, a new
 * data directory each run), or with `--target sdk` the same scenarios on the
 * official @a2a-js/sdk server alone (examples/conformance-agent/sdk-server.ts,
 * for comparison), unless `--sut` names a server already running, runs `run_tck.py` once per
 * transport × level, and reads each run's JUnit report. `--no-dedupe` starts
 * the agent with AGENTMESH_DEDUPE_MESSAGE_IDS=0, for comparison: the suite
 * reuses one messageId per scenario and session, which the defaults tell from
 * a retry (docs/adr/0046-a-repeated-message-id-is-a-retry-only-of-the-same-message.md).
 * `--through-gateway` runs the suite through the gateway instead: a registry,
 * a gateway with a tenant, its client, credits and token, the agent behind it,
 * and a relay that adds the token to each of the suite's requests
 * (scripts/conformance-gateway.mjs); gRPC is left out, the gateway relays none.
 * Each `--gateway-policy` file is a policy (docs/policies.md) written for the
 * tenant before the suite runs, so that every call is decided by it.
 *
 * Needs: Node 24 and a built agentmesh (`npm ci`), /usr/bin/python3 with
 * python3-pytest python3-pytest-asyncio python3-httpx python3-grpcio
 * python3-protobuf python3-jsonschema python3-yaml, and, for `prepare`,
 * protobuf-compiler, libgoogle-common-protos-java and unzip.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startThroughGateway } from './conformance-gateway.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = '/usr/bin/python3';
const AGENT = join(root, 'examples', 'conformance-agent', 'agent.ts');
const AGENT_NAME = 'tck';
const CLI = join(root, 'dist', 'src', 'cli', 'bin.js');
const SDK_SERVER = join(root, 'examples', 'conformance-agent', 'sdk-server.ts');
const TRANSPORTS = ['jsonrpc', 'http_json', 'grpc'];
const LEVELS = ['must', 'should', 'may'];

const USAGE = 'usage: node scripts/conformance.mjs prepare --from <a2a-tck clone> --suite <dir>\n       node scripts/conformance.mjs run --suite <dir> [--transport jsonrpc,http_json,grpc] [--level must,should] [--out <dir>] [--target agentmesh|sdk] [--sut <url>] [--no-dedupe] [--through-gateway [--gateway-policy <policy.json>]...]\n       node scripts/conformance.mjs report --out <dir>\n';

/** The arguments, or the usage and exit 2 for one it does not know (not a stack trace). */
function parsedArguments() {
  try {
    return parseArgs({ allowPositionals: true, options: OPTIONS });
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message.split('. ')[0] : String(err)}\n${USAGE}`);
    process.exit(2);
  }
}

const OPTIONS = {
  from: { type: 'string' },
  suite: { type: 'string' },
  transport: { type: 'string', default: TRANSPORTS.join(',') },
  level: { type: 'string', default: 'must,should' },
  out: { type: 'string' },
  sut: { type: 'string' },
  'no-dedupe': { type: 'boolean', default: false },
  target: { type: 'string', default: 'agentmesh' },
  'through-gateway': { type: 'boolean', default: false },
  'gateway-policy': { type: 'string', multiple: true, default: [] },
  help: { type: 'boolean', short: 'h', default: false },
};
const { positionals, values } = parsedArguments();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}


function usage() {
  process.stderr.write(USAGE);
  process.exit(2);
}

function required(name) {
  const value = values[name];
  if (value === undefined || value === '') usage();
  return resolve(value);
}

function listOf(name, allowed) {
  const list = values[name].split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of list) if (!allowed.includes(item)) { process.stderr.write(`--${name}: ${item} is not one of ${allowed.join(', ')}\n`); process.exit(2); }
  return list;
}

/** The scratch copy: the four adaptations to Debian's packages, each leaving the suite's tests as they are. */
function prepare(from, suite) {
  if (!existsSync(join(from, 'run_tck.py'))) throw new Error(`${from} is not a clone of a2a-tck (no run_tck.py)`);
  rmSync(suite, { recursive: true, force: true });
  cpSync(from, suite, { recursive: true, filter: (src) => !src.endsWith('/.git') });
  // 1. pytest 7.2 is Debian's: the suite asks for 8.0 only as a floor.
  const pyproject = join(suite, 'pyproject.toml');
  writeFileSync(pyproject, readFileSync(pyproject, 'utf8').replace('minversion = "8.0"', 'minversion = "7.0"'));
  // 2. pytest-html is not packaged: a plugin that accepts (and ignores) the two options run_tck.py always passes.
  const local = join(suite, '_local');
  mkdirSync(join(local, 'protos'), { recursive: true });
  mkdirSync(join(local, 'py'), { recursive: true });
  writeFileSync(join(local, '__init__.py'), '');
  writeFileSync(join(local, 'ignore_html.py'), 'def pytest_addoption(parser):\n    parser.addoption("--html", default=None)\n    parser.addoption("--self-contained-html", action="store_true", default=False)\n');
  // 4. google.api and google.rpc from the .proto files in Debian's jar, with google.rpc.ErrorInfo, which that version lacks.
  const jar = readdirSync('/usr/share/java').find((f) => /^proto-google-common-protos-[\d.]+\.jar$/.test(f));
  if (jar === undefined) throw new Error('no /usr/share/java/proto-google-common-protos-*.jar: apt-get install libgoogle-common-protos-java');
  execFileSync('unzip', ['-q', '-o', join('/usr/share/java', jar), 'google/api/*.proto', 'google/rpc/*.proto', '-d', join(local, 'protos')]);
  const details = join(local, 'protos', 'google', 'rpc', 'error_details.proto');
  if (!readFileSync(details, 'utf8').includes('message ErrorInfo')) {
    appendFileSync(details, '\nmessage ErrorInfo {\n  string reason = 1;\n  string domain = 2;\n  map<string, string> metadata = 3;\n}\n');
  }
  const protos = ['google/api/annotations.proto', 'google/api/http.proto', 'google/api/client.proto', 'google/api/field_behavior.proto', 'google/api/launch_stage.proto', 'google/rpc/code.proto', 'google/rpc/error_details.proto', 'google/rpc/status.proto'];
  execFileSync('protoc', ['-I.', '-I/usr/include', '--python_out=../py', ...protos], { cwd: join(local, 'protos') });
  for (const dir of ['google/api', 'google/rpc']) writeFileSync(join(local, 'py', dir, '__init__.py'), '');
  // 3. The shipped stubs need protobuf >= 5: regenerate the messages with Debian's protoc; the gRPC stub loses
  //    `_registered_method` (grpcio 1.51 has no such keyword) and imports the one copy of the messages.
  const spec = join(suite, 'specification');
  execFileSync('protoc', ['-I.', `-I${join(local, 'protos')}`, '-I/usr/include', '--python_out=generated', 'a2a.proto'], { cwd: spec });
  const stub = join(spec, 'generated', 'a2a_pb2_grpc.py');
  writeFileSync(stub, readFileSync(stub, 'utf8')
    .replace(/^import a2a_pb2 as a2a__pb2$/m, 'from specification.generated import a2a_pb2 as a2a__pb2')
    .replace(/,\s*_registered_method=True\)/g, ')')
    .replace(/^(\s*)_registered_method=True\)/gm, '$1)'));
  process.stdout.write(`prepared ${suite} from ${from}\n`);
}

async function run() {
  const suite = required('suite');
  if (!existsSync(join(suite, '_local', 'ignore_html.py'))) throw new Error(`${suite} is not prepared: run "node scripts/conformance.mjs prepare" first`);
  if (!['agentmesh', 'sdk'].includes(values.target)) usage();
  const throughGateway = values['through-gateway'];
  if (throughGateway && (values.sut !== undefined || values.target !== 'agentmesh')) {
    process.stderr.write('--through-gateway starts its own agentmesh agent behind a gateway: it takes neither --sut nor --target sdk\n');
    process.exit(2);
  }
  const policies = values['gateway-policy'].map((file) => resolve(file));
  if (policies.length > 0 && !throughGateway) {
    process.stderr.write('--gateway-policy is written to the gateway of --through-gateway\n');
    process.exit(2);
  }
  let transports = listOf('transport', TRANSPORTS);
  if (throughGateway && transports.includes('grpc')) {
    process.stdout.write('grpc: skipped: the gateway relays no gRPC (the cards it serves list only the JSON-RPC and HTTP+JSON interfaces)\n');
    transports = transports.filter((t) => t !== 'grpc');
  }
  const levels = listOf('level', LEVELS);
  const out = values.out === undefined ? mkdtempSync(join(tmpdir(), 'conformance-')) : resolve(values.out);
  mkdirSync(out, { recursive: true });
  const rows = [];
  for (const level of levels) {
    for (const transport of transports) {
      const server = values.sut !== undefined ? { url: values.sut, stop: async () => {} }
        : values.target === 'sdk' ? await startSdkServer()
        : throughGateway ? await startThroughGateway({ cli: CLI, agentModule: AGENT, agentName: AGENT_NAME, agentEnv: agentEnv(), policies, startProcess })
        : await startAgent();
      let stopped;
      try {
        rows.push({ transport, level, ...(await runSuite({ suite, url: server.url, transport, level, out })) });
      } finally {
        stopped = await server.stop();
      }
      const last = rows.at(-1);
      // Through the gateway, what it charged and audited for the run (scripts/conformance-gateway.mjs).
      if (stopped !== undefined) last.gateway = stopped;
      process.stdout.write(`${level} ${transport}: ${last.passed} passed, ${last.failed} failed, ${last.skipped} skipped\n`);
      if (stopped !== undefined) process.stdout.write(`  gateway: charged ${stopped.charged.calls} calls, ${stopped.charged.credits} credits; ${stopped.openHolds} holds open; audited ${JSON.stringify(stopped.audited)}; ${stopped.verify}\n`);
      for (const f of last.failures) process.stdout.write(`  failed: ${f}\n`);
      for (const s of last.skips) process.stdout.write(`  skipped: ${s}\n`);
    }
  }
  // `skipped` leaves out the tests of the transports and levels this run did not ask for.
  printTable(rows);
  writeFileSync(join(out, 'summary.json'), JSON.stringify(rows, null, 2));
  process.stdout.write(`\nreports: ${out}\n`);
}

function report(out) {
  const rows = [];
  for (const level of LEVELS) {
    for (const transport of TRANSPORTS) {
      const file = join(out, `${level}-${transport}.xml`);
      if (!existsSync(file)) continue;
      const row = { transport, level, ...summarize(readFileSync(file, 'utf8')) };
      rows.push(row);
      process.stdout.write(`${level} ${transport}: ${row.passed} passed, ${row.failed} failed, ${row.skipped} skipped\n`);
      for (const f of row.failures) process.stdout.write(`  failed: ${f}\n`);
      for (const s of row.skips) process.stdout.write(`  skipped: ${s}\n`);
    }
  }
  printTable(rows);
}

function printTable(rows) {
  process.stdout.write('\n| level | transport | passed | failed | skipped |\n| --- | --- | --- | --- | --- |\n');
  for (const r of rows) process.stdout.write(`| ${r.level} | ${r.transport} | ${r.passed} | ${r.failed} | ${r.skipped} |\n`);
}

/**
 * `agentmesh agent serve` on the agent under test: free ports, a new data
 * directory. The suite's push tests register `https://example.com/…` (which
 * need not resolve here) and a webhook receiver on localhost over plain http,
 * so those hosts are allowed and http is too (`--dev`).
 */
async function startAgent() {
  const dataDir = mkdtempSync(join(tmpdir(), 'conformance-store-'));
  const env = { ...process.env, GRPC_PORT: '0', NO_COLOR: '1', ...agentEnv() };
  const server = await startProcess([CLI, 'agent', 'serve', AGENT, '--port', '0', '--data-dir', dataDir, '--dev'], env, /agentmesh runtime listening on (http:\/\/\S+)/);
  return { url: server.url, stop: async () => { await server.stop(); rmSync(dataDir, { recursive: true, force: true }); } };
}

/** What the agent under test is started with, directly or behind the gateway. */
function agentEnv() {
  return { AGENTMESH_ALLOW_HOSTS: 'example.com,localhost,127.0.0.1', ...(values['no-dedupe'] ? { AGENTMESH_DEDUPE_MESSAGE_IDS: '0' } : {}) };
}

/** The official SDK's server on the same scenarios: in-memory store, a new process each run. */
function startSdkServer() {
  return startProcess([SDK_SERVER], process.env, /listening on (http:\/\/\S+)/);
}

/** Starts `node <args>` and resolves with the URL its output names once it listens. */
async function startProcess(args, env, listening) {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  let log = '';
  const url = await new Promise((resolveUrl, reject) => {
    const onData = (chunk) => {
      log += chunk;
      const found = listening.exec(log);
      if (found) resolveUrl(found[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => { log += chunk; });
    child.once('exit', (code) => reject(new Error(`${args.slice(0, 3).join(' ')} exited (${code}) before listening:\n${log}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function runSuite({ suite, url, transport, level, out }) {
  const reports = join(suite, 'reports');
  rmSync(reports, { recursive: true, force: true });
  const args = ['run_tck.py', '--sut-host', url, '--transport', transport, '--level', level, '-v', '--', '-p', '_local.ignore_html'];
  const env = { ...process.env, PYTHONPATH: [join(suite, '_local', 'py'), suite].join(':') };
  const log = await new Promise((resolveRun) => {
    const child = spawn(PYTHON, args, { cwd: suite, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (c) => { text += c; });
    child.stderr.on('data', (c) => { text += c; });
    child.once('exit', () => resolveRun(text));
  });
  const name = `${level}-${transport}`;
  writeFileSync(join(out, `${name}.log`), log);
  const junit = readFileSync(join(reports, 'junitreport.xml'), 'utf8');
  writeFileSync(join(out, `${name}.xml`), junit);
  return summarize(junit);
}

/** Skips that only say the run was narrowed (another transport, another level): not a test the server missed. */
const NARROWED = /^Transport '[a-z_]+' not configured|^(?:JSON-RPC|HTTP\+JSON|gRPC) transport not configured$|^No requirements at this level$/;

/**
 * Counts from the JUnit report, failures named by requirement id (the id the
 * suite's message starts with). A skip the run's own filters explain is
 * counted apart from one the server caused (`skipped`, with its reasons).
 */
function summarize(junit) {
  const cases = junit.split('<testcase ').slice(1);
  const failures = [];
  const skips = [];
  let narrowed = 0;
  let failed = 0;
  for (const c of cases) {
    const name = /name="([^"]*)"/.exec(c)?.[1] ?? '?';
    const skip = /<skipped[^>]*message="([^"]*)"/.exec(c);
    const failure = /<(?:failure|error)[^>]*message="([^"]*)"/.exec(c);
    if (/<skipped/.test(c)) {
      const reason = unescape(skip?.[1] ?? '');
      if (NARROWED.test(reason)) narrowed += 1;
      else skips.push(`${name}: ${reason}`);
    } else if (failure !== null || /<(failure|error)/.test(c)) {
      failed += 1;
      const id = /([A-Z][A-Z0-9_]+-[A-Z]+-\d+)/.exec(unescape(failure?.[1] ?? ''))?.[1];
      failures.push(id === undefined ? name : `${id} (${name})`);
    }
  }
  return { passed: cases.length - narrowed - skips.length - failed, failed, skipped: skips.length, narrowed, failures, skips };
}

function unescape(text) {
  return text.replace(/&quot;/g, '"').replace(/&#10;/g, '\n').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const command = positionals[0];
if (command === 'prepare') prepare(required('from'), required('suite'));
else if (command === 'run') await run();
else if (command === 'report') report(required('out'));
else usage();
