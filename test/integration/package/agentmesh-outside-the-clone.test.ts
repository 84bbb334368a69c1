import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { childTestEnv, installPacked, packAgentmesh, repo, run } from '../../helpers/packed-install.js';

/*
 * agentmesh used from a project outside the clone, before it is published,
 * the way docs/writing-an-agent.md ("In your own project") says: a tarball
 * of the clone (`npm pack`), `agentmesh init <dir> --agentmesh <tarball>`,
 * then the project's own `npm start`, and the page's greeter.ts and
 * greeter.test.ts dropped in the project and run as they are. The project
 * gets the packed agentmesh and this repository's other installed packages
 * but tsx (no network: see packed-install.ts), so nothing runs that a
 * project without tsx could not run. `npm start` runs while port 4000, the
 * port it serves on by default and the one `agentmesh up` holds, is held.
 */

/** The ```ts block of docs/writing-an-agent.md whose first line is `// <file>` and that holds `marker`. */
function docsBlock(file: string, marker: string): string {
  const doc = readFileSync(join(repo, 'docs', 'writing-an-agent.md'), 'utf8');
  const block = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.startsWith(`// ${file}\n`) && code.includes(marker));
  assert.ok(block, `docs/writing-an-agent.md has a ${file} holding ${marker}`);
  return block;
}

/** A served agent: its URL (read from what it prints) and what it wrote to stderr. */
interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

/** Spawns `command args` in its own process group and waits for the line naming `agent`'s URL. */
async function serve(command: string, args: string[], cwd: string, agent: string): Promise<Served> {
  const child = spawn(command, args, { cwd, env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let url: string | undefined;
  for await (const line of createInterface({ input: child.stdout! })) {
    url = new RegExp(`^\\s+${agent}\\s+(http\\S+)`).exec(line)?.[1];
    if (url !== undefined) break;
  }
  assert.ok(url, `${command} ${args.join(' ')} printed no URL for ${agent}; stderr:\n${stderr}`);
  return { child, url, stderr: () => stderr };
}

async function stop(served: Served | undefined): Promise<void> {
  if (served === undefined || served.child.exitCode !== null || served.child.signalCode !== null) return;
  // The whole group: `npm start` runs the agent in a child of its own.
  process.kill(-served.child.pid!, 'SIGTERM');
  await once(served.child, 'exit');
}

async function send(url: string, part: Record<string, unknown>): Promise<{ status: { state: string }; artifacts: Array<{ parts: Array<{ text?: string; data?: unknown }> }> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [part] } } }),
  });
  const body = (await response.json()) as { result?: { task: never }; error?: unknown };
  assert.ok(body.result, JSON.stringify(body));
  return body.result.task;
}

/** Holds 127.0.0.1:4000 for the test, unless another process holds it already (it is held either way). */
async function holdPort4000(): Promise<Server | undefined> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err)));
    server.listen({ host: '127.0.0.1', port: 4000, exclusive: true }, () => resolve(server));
  });
}

describe('agentmesh from a project outside the clone, from a tarball of it', () => {
  let work: string;
  let tarball: string;
  let project: string;
  let holder: Server | undefined;
  const served: Served[] = [];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'agentmesh-outside-'));
    tarball = await packAgentmesh(work);
    const tool = join(work, 'tool');
    await installPacked(tool, tarball);
    project = join(work, 'my-agent');
    await run(process.execPath, [join(tool, 'node_modules', 'agentmesh', 'dist', 'src', 'cli', 'bin.js'), 'init', project, '--agentmesh', tarball], { cwd: work });
    await installPacked(project, tarball, { bins: true, without: ['tsx'] });
    holder = await holdPort4000();
  });
  after(async () => {
    for (const s of served) await stop(s);
    holder?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('the project depends on the tarball, and has agentmesh as a copy and no tsx', () => {
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    assert.equal(pkg.dependencies['agentmesh'], `file:${tarball}`);
    assert.equal(pkg.devDependencies['tsx'], undefined);
    assert.ok(lstatSync(join(project, 'node_modules', 'agentmesh')).isDirectory());
    assert.ok(!existsSync(join(project, 'node_modules', 'tsx')) && !existsSync(join(project, 'node_modules', '.bin', 'tsx')));
  });

  test("npm start builds and serves the agent on the next free port while 4000 is held, saying so", async () => {
    const start = await serve('npm', ['start', '--silent'], project, 'my-agent');
    served.push(start);
    const port = Number(new URL(start.url).port);
    assert.notEqual(port, 4000);
    assert.ok(port > 4000 && port < 4100, start.url);
    assert.match(start.stderr(), new RegExp(`^note: port 4000 is in use \\(by agentmesh up, or another program\\), so the agent serves on ${port}; --port or PORT chooses one$`, 'm'));
    const task = await send(start.url, { data: { name: 'Ada', language: 'fr' } });
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED');
    assert.deepEqual(task.artifacts[0]!.parts[0]!.data, { greeting: 'Bonjour, Ada!' });
  });

  test("the page's greeter.ts, in the project's folder, is served as it is with npx agentmesh agent serve", async () => {
    writeFileSync(join(project, 'greeter.ts'), docsBlock('greeter.ts', "'greet-many'"));
    const greeter = await serve('npx', ['agentmesh', 'agent', 'serve', './greeter.ts', '--port', '0', '--data-dir', join(work, 'greeter-data')], project, 'greeter');
    served.push(greeter);
    const task = await send(greeter.url, { data: { name: 'Ada', language: 'de' } });
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED');
    assert.deepEqual(task.artifacts[0]!.parts[0]!.data, { greeting: 'Hallo, Ada!' });
  });

  test("the page's greeter.test.ts, beside it, passes with node --test", async () => {
    writeFileSync(join(project, 'greeter.ts'), docsBlock('greeter.ts', "'greet-many'"));
    writeFileSync(join(project, 'greeter.test.ts'), docsBlock('greeter.test.ts', 'testAgent'));
    const { stdout } = await run(process.execPath, ['--test', 'greeter.test.ts'], { cwd: project, env: childTestEnv(), maxBuffer: 16 << 20 }).catch((err: { stdout?: string; stderr?: string }) =>
      assert.fail(`node --test greeter.test.ts failed:\n${err.stdout ?? ''}${err.stderr ?? String(err)}`),
    );
    assert.match(stdout, /ℹ pass 3\nℹ fail 0/);
  });

  test('a .ts agent in a folder without agentmesh is refused in one line saying how to install it', async () => {
    const bare = join(work, 'bare');
    mkdirSync(bare);
    writeFileSync(join(bare, 'greeter.ts'), docsBlock('greeter.ts', "'greet-many'"));
    const bin = join(project, 'node_modules', 'agentmesh', 'dist', 'src', 'cli', 'bin.js');
    const result = await run(process.execPath, [bin, 'agent', 'serve', './greeter.ts', '--port', '0'], { cwd: bare }).then(
      () => assert.fail('served an agent whose agentmesh import cannot resolve'),
      (err: { code?: number; stdout?: string; stderr?: string }) => err,
    );
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      `error: ${join(bare, 'greeter.ts')} imports agentmesh, which its project does not have: agentmesh is not on the npm registry yet, so install this one there: npm install ${join(project, 'node_modules', 'agentmesh')} (or a tarball \`npm pack\` made of it)\n`,
    );
  });

  test('TypeScript that Node cannot run by erasing its types is refused in one line naming the way out', async () => {
    writeFileSync(join(project, 'enum-agent.ts'), "import { defineAgent } from 'agentmesh';\nenum Tone { Warm }\nexport default defineAgent({ card: { name: 'tone', description: String(Tone.Warm) }, skills: {} });\n");
    const bin = join(project, 'node_modules', '.bin', 'agentmesh');
    const result = await run(bin, ['agent', 'serve', './enum-agent.ts', '--port', '0'], { cwd: project }).then(
      () => assert.fail('served an enum'),
      (err: { code?: number; stderr?: string }) => err,
    );
    assert.equal(result.code, 2);
    assert.match(result.stderr!, /^error: \.\/enum-agent\.ts: TypeScript enum is not supported in strip-only mode\. Node runs a \.ts file by erasing its types, which this syntax does not allow: compile it \(npx tsc\) and serve the \.js, or install tsx in the project \(npm install -D tsx\) and serve it with NODE_OPTIONS='--import tsx' npx agentmesh agent serve \.\/enum-agent\.ts\n$/);
  });
});
