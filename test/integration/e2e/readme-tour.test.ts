/**
 * The README, run as a newcomer runs it, so it cannot drift from what
 * happens: the commands are read from README.md's fenced blocks (an edit of
 * the README is what this tests), run in a POSIX shell from a fresh folder
 * against a real `agentmesh up` on free ports, and what they print is
 * compared with what the README (and docs/cli.md's banner) shows, by the
 * rules of readme-samples.ts.
 *
 * The tour's commands run exactly as printed although `up` took free ports,
 * not the README's: a newcomer whose ports are taken moves them, and the
 * commands find the mesh where `up` recorded it (.agentmesh/endpoints.json).
 * What is not the README's own words: the ports in what the mesh prints
 * (mapped back to the README's defaults to be compared), the `Try:` line's
 * (which names them), `npx
 * agentmesh` (a shell function running this tree's CLI from the source, as
 * `npx` runs the clone's), `npm start` (`agentmesh up`, what scripts/start.mjs
 * runs; `npm install` is what made this tree) and `curl` (a stand-in for the
 * flags the README uses, test/helpers/readme-curl.mjs: `npm test` needs Node
 * alone).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { upPorts, type UpPorts } from '../../../src/cli/commands/up/up.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';
import { cleanEnv, ROOT, type Run } from './mesh-process.js';
import { fences, section, sampleMismatch, shellCommands, type Fence } from './readme-samples.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const CLI_DOC = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
const QUICKSTART = section(README, 'Quickstart');
const TOUR = section(README, 'A five-minute tour');
const PORT_NAMES = ['agents', 'registry', 'gateway', 'orchestrator', 'metrics', 'acp'] as const satisfies ReadonlyArray<keyof UpPorts>;
/** The ports `up` binds unless told otherwise: what the README names. */
const DEFAULTS = upPorts({}, {});

/** How the README's shell finds `npx agentmesh` and `curl`. */
const PRELUDE = `
npx() {
  if [ "$1" = agentmesh ]; then shift; node --import "$AM_TS_HOOKS" "$AM_ROOT/src/cli/bin.ts" "$@"; return; fi
  echo "the README test runs npx agentmesh only, not npx $*" >&2; return 127
}
curl() { node "$AM_ROOT/test/helpers/readme-curl.mjs" "$@"; }
`;

/** The block of `fences` right after `block`, when it is output (no language). */
function outputAfter(all: Fence[], block: Fence): Fence | undefined {
  const next = all[all.indexOf(block) + 1];
  return next !== undefined && next.lang === '' ? next : undefined;
}

describe('the README, run as printed, shows what happens', () => {
  let home: string;
  let up: ChildProcess;
  let upOut = '';
  let upErr = '';
  let banner = '';
  const ports = {} as Record<(typeof PORT_NAMES)[number], number>;
  let env: NodeJS.ProcessEnv;
  const state = (): string => join(home, '..', `${home.split('/').pop()}.env`);

  /** A README command with the README's ports moved to the mesh's. */
  const toMesh = (text: string): string => text.replace(/\b(localhost|127\.0\.0\.1):(\d{4,5})\b/g, (whole, host: string, port: string) => {
    const name = PORT_NAMES.find((n) => DEFAULTS[n] === Number(port));
    return name === undefined ? whole : `${host}:${ports[name]}`;
  });
  /** What the mesh printed, with its ports back to the README's and the CLI named as from the clone. */
  const toReadme = (text: string): string =>
    text
      .replace(/\b(localhost|127\.0\.0\.1):(\d{2,5})\b/g, (whole, host: string, port: string) => {
        const name = PORT_NAMES.find((n) => ports[n] === Number(port));
        return name === undefined ? whole : `${host}:${DEFAULTS[name]}`;
      })
      .replaceAll(`node --import tsx ${join(ROOT, 'src/cli/bin.ts')}`, 'npx agentmesh');

  /** Runs one command in a POSIX shell in the newcomer's folder; exported variables carry to the next. */
  function sh(command: string, timeoutMs = 120_000): Promise<Run> {
    const script = `${PRELUDE}\n[ -f "$AM_STATE" ] && . "$AM_STATE"\n${command}\nam_rc=$?\nexport -p > "$AM_STATE"\nexit $am_rc\n`;
    const child = spawn('sh', ['-c', script], { cwd: home, env: { ...env, AM_STATE: state() }, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    return once(child, 'close').then(([code]) => {
      clearTimeout(timer);
      return { code: code as number | null, stdout, stderr };
    });
  }

  function assertShows(sample: string, printed: string, what: string): void {
    const wrong = sampleMismatch(sample, toReadme(printed));
    assert.equal(wrong, undefined, `${what}: no printed line matches the README's\n  ${wrong}\nprinted:\n${toReadme(printed)}`);
  }

  before(async () => {
    // A fresh folder with the workflows beside it, as in a clone; `up` keeps its state in ./.agentmesh there.
    home = mkdtempSync(join(tmpdir(), 'agentmesh-readme-'));
    symlinkSync(join(ROOT, 'workflows'), join(home, 'workflows'));
    // The newcomer's data dir is the default, ./.agentmesh of the folder they run in.
    env = cleanEnv({ PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, AM_ROOT: ROOT, AM_TS_HOOKS: TS_CHILD_ARGV[1]!, AGENTMESH_DATA_DIR: undefined });
    const start = fences(QUICKSTART).find((f) => f.lang === 'sh' && /\bnpm start\b/.test(f.text));
    assert.ok(start, 'the quickstart says how to start the mesh (npm start)');
    for (const { command } of shellCommands(start.text)) {
      // npm install made this tree; anything else in that block the test does not know how to run.
      assert.match(command, /^npm install && npm start$/, `the README test does not know how to run: ${command}`);
    }
    assert.match(readFileSync(join(ROOT, 'scripts/start.mjs'), 'utf8'), /'up', \.\.\.process\.argv\.slice\(2\)/, 'npm start runs agentmesh up');
    up = spawn(process.execPath, [...TS_CHILD_ARGV, join(ROOT, 'src/cli/bin.ts'), 'up', '--port', '0', '--registry-port', '0', '--gateway-port', '0', '--orchestrator-port', '0'], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
    up.stderr!.on('data', (c: Buffer) => (upErr += c.toString()));
    banner = await new Promise<string>((resolve, reject) => {
      up.stdout!.on('data', (c: Buffer) => {
        upOut += c.toString();
        if (/^Try: .*\n.*\n.* workflow run .*\n/m.test(upOut)) resolve(upOut);
      });
      up.once('exit', (code) => reject(new Error(`agentmesh up exited with ${code}:\n${upOut}\n${upErr}`)));
    });
    const url = (pattern: RegExp, what: string): URL => {
      const found = pattern.exec(banner)?.[1];
      assert.ok(found, `the banner names ${what}:\n${banner}`);
      return new URL(found);
    };
    ports.agents = Number(url(/runtime listening on (\S+)/, 'the agents').port);
    ports.registry = Number(url(/registry listening on (\S+)/, 'the registry').port);
    ports.gateway = Number(url(/gateway listening on (\S+)/, 'the gateway').port);
    ports.orchestrator = Number(url(/orchestrator listening on (\S+)/, 'the orchestrator').port);
    ports.metrics = Number(url(/metrics on (http:\S+?)\/metrics/, "the gateway's metrics").port);
    ports.acp = Number(url(/ACP example listening on (\S+)/, 'the ACP example').port);
    // None is where the README's ports are: the tour below runs as printed all the same.
    for (const name of PORT_NAMES) assert.notEqual(ports[name], DEFAULTS[name], `up took the README's ${name} port`);
  });

  after(async () => {
    if (up !== undefined && up.exitCode === null && up.signalCode === null) {
      up.kill('SIGKILL');
      await once(up, 'exit');
    }
    if (home !== undefined) {
      rmSync(home, { recursive: true, force: true });
      rmSync(state(), { force: true });
    }
  });

  test('the quickstart names every port up binds by default, and no other', () => {
    // http://localhost:4000, 127.0.0.1:4290, `:4100`; not the test services' postgres://…@127.0.0.1:5432.
    const named = new Set([...QUICKSTART.matchAll(/(?:https?:\/\/(?:localhost|127\.0\.0\.1)|(?<![@\w/])127\.0\.0\.1|`):(\d{4,5})\b/g)].map((m) => Number(m[1])));
    assert.deepEqual([...named].sort(), PORT_NAMES.map((n) => DEFAULTS[n]).sort());
  });

  test("the quickstart's banner, and docs/cli.md's, are what up prints; nothing but one line comes before it", () => {
    const blocks = fences(QUICKSTART);
    const start = blocks.find((f) => f.lang === 'sh' && /\bnpm start\b/.test(f.text))!;
    const sample = outputAfter(blocks, start);
    assert.ok(sample, 'the quickstart shows the banner after npm start');
    assertShows(sample.text, banner, 'README quickstart banner');
    const cliSample = fences(section(CLI_DOC, 'agentmesh up', 3)).find((f) => f.lang === '' && f.text.includes(' listening on '));
    assert.ok(cliSample, "docs/cli.md's up section shows the banner");
    assertShows(cliSample.text, banner, 'docs/cli.md banner');
    // The demo client is shown whole: a newcomer pastes it.
    const [, id, secret] = /demo client: (\S+) \/ (\S+)/.exec(sample.text) ?? [];
    const [, realId, realSecret] = /demo client: (\S+) \/ (\S+)/.exec(banner)!;
    assert.equal(id?.length, realId!.length, 'the README shows the demo client id whole');
    assert.equal(secret?.length, realSecret!.length, 'the README shows the demo secret whole');
    // A fresh start says where its development secrets live, in one line, and nothing else. (On a
    // machine so loaded that a call inside the process times out, the retry says so: that is news.)
    const first = banner
      .slice(0, banner.indexOf('agentmesh runtime listening on'))
      .replace(/^\d\d:\d\d:\d\d WARN .*; retrying.*\n(?: {2}.*\n)*/gm, '')
      .split('\n')
      .filter(Boolean);
    assert.ok(first.length <= 1, `${first.length} lines before the banner:\n${first.join('\n')}`);
  });

  test('the Try: command works as printed', async () => {
    const line = /^Try: (.*)$/m.exec(toReadme(banner))![1]!;
    const run = await sh(toMesh(line));
    assert.equal(run.code, 0, `${line}\n${run.stderr}`);
    assert.match(run.stdout, /^state +completed$/m);
  });

  // Every shell block of the tour, in order, a test each (each within the runner's per-test timeout), run as
  // printed: no URL of it is moved to the mesh's ports.
  const tourBlocks = fences(TOUR);
  const tourSteps = tourBlocks.filter((f) => f.lang === 'sh');
  test('the tour has its steps', () => assert.ok(tourSteps.length >= 8, `${tourSteps.length} shell blocks in the tour`));
  for (const block of tourSteps) {
    const commands = shellCommands(block.text);
    test(`the tour: ${commands.map((c) => c.command).join(' ; ').slice(0, 140)}`, async () => {
      let printed = '';
      for (const { command, expects } of commands) {
        const run = await sh(command);
        assert.equal(run.code, 0, `${command}\nexited ${run.code}\n${run.stderr}\n${run.stdout}`);
        if (expects !== undefined) assertShows(expects, run.stdout, command);
        printed += run.stdout;
      }
      const sample = outputAfter(tourBlocks, block);
      if (sample !== undefined) assertShows(sample.text, printed, 'the output the tour shows');
    });
  }

  test('Ctrl-C stops the mesh in order: exit 0, no stack trace, and no Node warning all along', async () => {
    const exited = once(up, 'exit') as Promise<[number | null]>;
    const [outBefore, errBefore] = [upOut.length, upErr.length];
    up.kill('SIGINT');
    const [code] = await exited;
    assert.equal(code, 0, upErr);
    const stopping = `${upOut.slice(outBefore)}\n${upErr.slice(errBefore)}`;
    assert.doesNotMatch(stopping, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace as it stopped:\n${stopping}`);
    assert.doesNotMatch(`${upOut}\n${upErr}`, /\(node:\d+\) \w*Warning/, 'a Node warning');
  });
});
