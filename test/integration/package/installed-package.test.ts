import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { childTestEnv, installPacked, packAgentmesh, run, tsc } from '../../helpers/packed-install.js';

/*
 * agentmesh as a user gets it. `npm pack` (which builds through
 * `prepare`), the tarball unpacked as node_modules/agentmesh of an empty
 * project, an agent in TypeScript importing 'agentmesh' compiled with the
 * package's own types, then served and called. The project's other
 * dependencies are this repository's installed ones, linked, so the test
 * needs no network; test/unit/package/dependencies.test.ts holds every
 * import of the shipped code to a declared dependency.
 */
const AGENT = `import { createRuntime, defineAgent, AgentmeshError, ErrorCodes, type SkillContext } from 'agentmesh';

const greeter = defineAgent({
  card: { name: 'greeter', description: 'Greets whoever it is sent' },
  skills: {
    greet: {
      description: 'Greets a name',
      handler: async (name: string, ctx: SkillContext) => {
        if (name.trim() === '') throw new AgentmeshError(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'a name is required');
        ctx.progress('greeting');
        return \`hello, \${name}\`;
      },
    },
  },
});

const runtime = await createRuntime({ agents: [greeter], config: { port: 0, host: '127.0.0.1', dataDir: process.argv[2]!, logLevel: 'silent' } });
const { url } = await runtime.listen();
console.log(url);
process.once('SIGTERM', () => void runtime.close().then(() => process.exit(0)));
`;

// The package's types are real, not \`any\`: each line below must be a compile error.
const TYPE_ERRORS = `import { defineAgent, createRuntime } from 'agentmesh';
// @ts-expect-error: a card needs a description
defineAgent({ card: { name: 'x' }, skills: {} });
// @ts-expect-error: createRuntime returns a promise, not a runtime
createRuntime({ agents: [] }).listen();
`;

// A user's agent in a module of its own and its test with the test kit, compiled on their own.
const KIT_AGENT = `import { defineAgent } from 'agentmesh';

export default defineAgent({
  card: { name: 'asker', description: 'Asks a name, then greets it' },
  skills: {
    greet: {
      description: 'Greets a name',
      handler: async (_: string, ctx) => {
        const answer = await ctx.requestInput('Your name?');
        ctx.usage({ credits: 1 });
        return { greeting: \`hello, \${answer.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('')}\` };
      },
    },
  },
});
`;

const KIT_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testAgent, summarize } from 'agentmesh/testing';
import asker from './asker.js';

test('asks, then greets the answer', async () => {
  await using agent = await testAgent(asker);
  const asked = await agent.send('hi');
  assert.equal(asked.state, 'TASK_STATE_INPUT_REQUIRED');
  const events = await agent.stream('Ada', { taskId: asked.id }).toArray();
  assert.deepEqual(summarize(events.at(-1)!), { kind: 'status', state: 'TASK_STATE_COMPLETED', text: '' });
  const done = await agent.get(asked);
  assert.deepEqual(done.data<{ greeting: string }>(), { greeting: 'hello, Ada' });
  assert.deepEqual(done.usage, { credits: 1, units: {} });
});
`;

describe('the packed package, installed in an empty project', () => {
  let work: string;
  let project: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'agentmesh-pack-'));
    project = join(work, 'project');
    await installPacked(project, await packAgentmesh(work));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-agents', private: true, type: 'module' }));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2023', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, rootDir: 'src', outDir: 'dist', skipLibCheck: true, types: ['node'] }, include: ['src'] }),
    );
    mkdirSync(join(project, 'src'));
    writeFileSync(join(project, 'src', 'agent.ts'), AGENT);
    writeFileSync(join(project, 'src', 'type-errors.ts'), TYPE_ERRORS);
    mkdirSync(join(project, 'kit'));
    writeFileSync(join(project, 'kit', 'asker.ts'), KIT_AGENT);
    writeFileSync(join(project, 'kit', 'asker.test.ts'), KIT_TEST);
    writeFileSync(
      join(project, 'tsconfig.kit.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, rootDir: 'kit', outDir: 'dist-kit', skipLibCheck: true, types: ['node'] }, include: ['kit'] }),
    );
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /**
   * The agent's project and the test kit's, compiled once for the tests that need either: one
   * `tsc --build` of both starts the compiler once (about 2.7 s of CPU, where a `tsc -p` of each took
   * 4.4 s together). Each is still a project of its own, with its own options; a type error in either
   * fails both tests.
   */
  let compiled: Promise<void> | undefined;
  const compile = (): Promise<void> =>
    (compiled ??= run(process.execPath, [tsc, '--build', join(project, 'tsconfig.json'), join(project, 'tsconfig.kit.json')], { cwd: project }).then(
      () => undefined,
      (err: { stdout?: string }) => assert.fail(`tsc failed:\n${err.stdout ?? String(err)}`),
    ));

  test('ships the built entry points and their types, and no sources, tests or maps', () => {
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
    const shipped = files(join(project, 'node_modules', 'agentmesh')).map((f) => f.slice(join(project, 'node_modules', 'agentmesh').length + 1));
    for (const required of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/bin.js', 'dist/src/gateway/index.d.ts', 'dist/agents/index.js', 'dist/schemas/workflow.schema.json', 'templates/agent/src/agent.ts', 'templates/agent/gitignore']) assert.ok(shipped.includes(required), required);
    // `agentmesh init` copies templates/ as they are: TypeScript sources on purpose.
    const code = shipped.filter((f) => !f.startsWith('templates/'));
    assert.deepEqual(code.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.map') || f.endsWith('.ts') && !f.endsWith('.d.ts')), []);
  });

  test("an agent importing 'agentmesh' compiles against the shipped types (which are not any), serves and answers", async () => {
    await compile();
    const server = spawn(process.execPath, [join(project, 'dist', 'agent.js'), join(work, 'data')], { cwd: project, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [url] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
      const response = await fetch(`${url}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'Ada' }] } } }),
      });
      const body = (await response.json()) as { result: { task: { status: { state: string }; artifacts: Array<{ parts: Array<{ text: string }> }> } } };
      assert.equal(body.result.task.status.state, 'TASK_STATE_COMPLETED');
      assert.equal(body.result.task.artifacts[0]!.parts[0]!.text, 'hello, Ada');
    } finally {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
  });

  test("an agent's test written with 'agentmesh/testing' compiles against the shipped types and passes", async () => {
    await compile();
    const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', join(project, 'dist-kit', 'asker.test.js')], { cwd: project, env: childTestEnv() }).catch((err: { stdout?: string }) => assert.fail(`the kit test failed:\n${err.stdout ?? String(err)}`));
    assert.match(stdout, /# pass 1/);
  });

  test('every documented subpath resolves from the project, and the CLI runs', async () => {
    const subpaths = ['agentmesh', 'agentmesh/runtime', 'agentmesh/gateway', 'agentmesh/registry', 'agentmesh/registry-client', 'agentmesh/orchestrator', 'agentmesh/protocol', 'agentmesh/storage', 'agentmesh/cli', 'agentmesh/testing'];
    const script = `for (const s of ${JSON.stringify(subpaths)}) { const m = await import(s); if (Object.keys(m).length === 0) throw new Error(s + ' exports nothing'); } console.log('ok');`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project });
    assert.equal(stdout.trim(), 'ok');
    const version = await run(process.execPath, [join(project, 'node_modules', 'agentmesh', 'dist', 'src', 'cli', 'bin.js'), '--version'], { cwd: project });
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  });
});
