import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, sampleCard, startRegistry } from '../../helpers/registry-fixture.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { cli, cliJson } from './cli-harness.js';
import { closeInTurn, directoryRemoval } from '../../helpers/close-in-turn.js';

/** Three agents registered by card, a fourth by URL in the tests. */
const CARDS = [
  sampleCard('lead-scorer', {
    description: 'Scores leads by how similar they are to your best customers',
    skills: [{ id: 'score', name: 'Score leads', description: 'Lookalike scoring of leads', tags: ['leads', 'scoring'], examples: ['score these leads'] }],
  }),
  sampleCard('contract-reviewer', {
    description: 'Reviews legal contracts and flags risky clauses',
    skills: [{ id: 'review', name: 'Review contract', description: 'Finds risky clauses in a contract', tags: ['legal', 'contracts'], examples: ['review this NDA'] }],
  }),
  sampleCard('invoice-matcher', {
    description: 'Matches invoices to purchase orders',
    skills: [{ id: 'match', name: 'Match invoices', description: 'Three-way match of invoices', tags: ['finance'], examples: ['match last month invoices'] }],
  }),
];
const META: Record<string, Record<string, unknown>> = {
  'lead-scorer': { department: 'sales', owner: 'revops@example.com', sla: { tier: 'gold', availability: 99.9, maxLatencyMs: 500 }, configSchema: { type: 'object', properties: { threshold: { type: 'number', maximum: 1 } } } },
  'contract-reviewer': { department: 'legal', owner: 'legal-ops@example.com' },
  'invoice-matcher': { department: 'finance' },
};

describe('agentmesh agents against a real registry', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  let runtime: Awaited<ReturnType<typeof startRuntime>>;
  let dir: string;
  let env: Record<string, string>;
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  before(async () => {
    reg = await startRegistry({ probeIntervalMs: 60_000 });
    runtime = await startRuntime();
    dir = mkdtempSync(join(tmpdir(), 'agentmesh-cli-'));
    env = { AGENTMESH_REGISTRY: reg.url };
    for (const card of CARDS) {
      const res = await call(reg.url, 'POST', '/v1/agents', { card, metadata: META[card.name as string] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  });
  after(() => closeInTurn(runtime, reg, directoryRemoval(dir)));

  describe('list', () => {
    test('prints a table of the agents, sorted by name', async () => {
      const run = await cli(['agents', 'list'], { env });
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trimEnd().split('\n');
      assert.match(lines[0]!, /^NAME +STATUS +HEALTH +DEPARTMENT +VERSION +DESCRIPTION$/);
      assert.match(run.stdout, /^contract-reviewer +active +unknown +legal +1\.0\.0 +Reviews legal contracts and flags risky clauses$/m);
      assert.match(run.stdout, /^lead-scorer +active +unknown +sales +1\.0\.0 +Scores leads by how similar they are to your best customers$/m);
      assert.equal(lines.length, 4);
    });

    test('filters by department, and prints the JSON page with --json', async () => {
      const run = await cliJson(['agents', 'list', '--department', 'legal'], { env });
      assert.equal(run.code, 0, run.stderr);
      const agents = run.json.agents as Array<{ name: string }>;
      assert.deepEqual(agents.map((a) => a.name), ['contract-reviewer']);
      assert.equal(run.json.totalSize, 1);
    });

    test('prints one page and the next token on stderr, or every page with --all', async () => {
      const one = await cli(['agents', 'list', '--page-size', '1'], { env });
      assert.equal(one.code, 0, one.stderr);
      assert.equal(one.stdout.trimEnd().split('\n').length, 2);
      assert.match(one.stderr, /^more agents \(3 in all\): add --page-token \S+ \(or --all\)$/m);

      const all = await cliJson(['agents', 'list', '--page-size', '1', '--all'], { env });
      assert.equal(all.code, 0, all.stderr);
      assert.deepEqual((all.json.agents as Array<{ name: string }>).map((a) => a.name), ['contract-reviewer', 'invoice-matcher', 'lead-scorer']);
    });

    test('says so when nothing matches', async () => {
      const run = await cli(['agents', 'list', '--tag', 'no-such-tag'], { env });
      assert.equal(run.code, 0);
      assert.equal(run.stdout, 'no agents\n');
    });

    test('refuses an unknown health value before calling', async () => {
      const run = await cli(['agents', 'list', '--health', 'great'], { env });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /Allowed choices are healthy, degraded, down, unknown/);
    });
  });

  describe('register, show, health, deregister', () => {
    test('registers an agent by its URL, shows it, reports its health after a probe, and deregisters it', async () => {
      const registered = await cli(['agents', 'register', runtime.url, '--name', 'tester'], { env });
      assert.equal(registered.code, 0, registered.stderr);
      assert.match(registered.stdout, /^registered tester\n/);
      assert.match(registered.stdout, /^signed {6}yes$/m);
      assert.match(registered.stdout, new RegExp(`^card url {4}${runtime.url}/\\.well-known/agent-card\\.json$`, 'm'));

      await reg.registry.probeNow();

      const shown = await cli(['agents', 'show', 'tester'], { env });
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /^name {8}tester$/m);
      assert.match(shown.stdout, /^health {6}healthy \(1 of 1 instance in rotation\)$/m);
      assert.match(shown.stdout, /^skills {6}echo: Echoes text as an artifact$/m);
      assert.match(shown.stdout, /^INSTANCE +URL +REGION +VERSION +KIND +PROBE +LATENCY +ROTATION +LEASE EXPIRES$/m);
      assert.match(shown.stdout, new RegExp(`^\\S+ +${runtime.url} +static +up +\\d+ ms +in$`, 'm'));

      const json = await cliJson(['agents', 'show', 'tester'], { env });
      assert.equal((json.json.agent as { name: string }).name, 'tester');
      assert.equal((json.json.instances as unknown[]).length, 1);

      const health = await cli(['agents', 'health', 'tester'], { env });
      assert.equal(health.code, 0, health.stderr);
      assert.match(health.stdout, /^health {6}healthy \(1 of 1 instance in rotation\)$/m);
      assert.match(health.stdout, /^INSTANCE +URL +STATE +ROTATION +LATENCY +LAST PROBE +FAILURES +LAST ERROR$/m);
      assert.match(health.stdout, /^recent probes of \S+$/m);
      assert.match(health.stdout, /^ {2}\d{4}-\d\d-\d\dT\S+ {2}up {4}\d+ ms$/m);

      const healthJson = await cliJson(['agents', 'health', 'tester'], { env });
      assert.equal(healthJson.json.health, 'healthy');

      const gone = await cli(['agents', 'deregister', 'tester'], { env });
      assert.equal(gone.code, 0, gone.stderr);
      assert.equal(gone.stdout, 'deregistered tester\n');
      assert.equal((await call(reg.url, 'GET', '/v1/agents/tester')).status, 404);
    });

    test('registers a card file with a name and metadata, and prints the record with --json', async () => {
      const card = file('card.json', sampleCard('Data Engineer', { description: 'Builds data pipelines' }));
      const metadata = file('meta.json', { department: 'analytics', owner: 'data@example.com' });
      const run = await cliJson(['agents', 'register', '--card', card, '--name', 'data-engineer', '--metadata', metadata], { env });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.json.name, 'data-engineer');
      assert.equal((run.json.metadata as { department: string }).department, 'analytics');

      const again = await cli(['agents', 'register', '--card', card, '--name', 'data-engineer'], { env });
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^error: Agent "data-engineer" is already registered/);
      await cli(['agents', 'deregister', 'data-engineer'], { env });
    });

    test('lists every problem of a refused card, one per line', async () => {
      const card = file('bad-card.json', { name: 'broken', skills: 'none', supportedInterfaces: [{ url: 'not a url', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }] });
      const run = await cli(['agents', 'register', '--card', card], { env });
      assert.equal(run.code, 1);
      const lines = run.stderr.trimEnd().split('\n');
      assert.match(lines[0]!, /^error: The agent card has \d+ problems:$/);
      assert.ok(lines.length >= 3, run.stderr);
      for (const line of lines.slice(1)) assert.match(line, /^ {2}- \S+ .+/);
      assert.match(run.stderr, /description/);
    });

    test('refuses bad usage with exit code 2 and sends nothing', async () => {
      const both = await cli(['agents', 'register', runtime.url, '--card', 'x.json'], { env });
      assert.equal(both.code, 2);
      assert.equal(both.stderr, 'error: give a card URL, --card <file.json> or --acp <url> (exactly one)\n');

      const missing = await cli(['agents', 'register', '--card', join(dir, 'nope.json')], { env });
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /^error: cannot read --card .*nope\.json: ENOENT$/m);

      const notJson = await cli(['agents', 'register', '--card', file('text.json', 'hello')], { env });
      assert.equal(notJson.code, 2);
      assert.match(notJson.stderr, /^error: --card .*text\.json is not valid JSON/);
    });

    test('reports an unknown agent in one line with exit code 1, and where to see the agents there are', async () => {
      for (const argv of [['show', 'nobody'], ['health', 'nobody'], ['deregister', 'nobody'], ['config', 'get', 'nobody']]) {
        const run = await cli(['agents', ...argv], { env });
        assert.equal(run.code, 1, argv.join(' '));
        assert.equal(run.stderr, `error: agent nobody is not registered at ${reg.url}\nhint: agentmesh agents list shows the registered agents\n`, argv.join(' '));
        assert.equal(run.stdout, '');
      }
    });

    test('a mistyped agent name gets the registered names near it, and only near ones', async () => {
      for (const argv of [['show', 'lead-scorr'], ['health', 'lead-scorre'], ['config', 'history', 'lead-scoer'], ['deregister', 'lead-socrer']]) {
        const run = await cli(['agents', ...argv], { env });
        assert.equal(run.code, 1, argv.join(' '));
        assert.equal(run.stderr, `error: agent ${argv.at(-1)} is not registered at ${reg.url}\nhint: did you mean lead-scorer? agentmesh agents list shows the registered agents\n`, argv.join(' '));
      }
      // Named with the flag the command was given, so the line pasted asks the same registry.
      const flagged = await cli(['agents', 'show', 'invoice-mather', '--registry', reg.url], { env: {} });
      assert.equal(flagged.stderr, `error: agent invoice-mather is not registered at ${reg.url}\nhint: did you mean invoice-matcher? agentmesh agents list --registry ${reg.url} shows the registered agents\n`);
      // Too far from every name to be a typo of one: no guess.
      const far = await cli(['agents', 'show', 'scorer'], { env });
      assert.match(far.stderr, /\nhint: agentmesh agents list shows the registered agents\n$/);
    });
  });

  describe('search', () => {
    test('ranks agents for a request in plain words', async () => {
      const run = await cli(['agents', 'search', 'review a contract for risky clauses'], { env });
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trimEnd().split('\n');
      assert.match(lines[0]!, /^SCORE +NAME +DESCRIPTION$/);
      assert.match(lines[1]!, /^\d+ +contract-reviewer +Reviews legal contracts and flags risky clauses$/);
    });

    test('filters, limits and prints JSON', async () => {
      const run = await cliJson(['agents', 'search', 'leads customers contracts invoices', '--filter', 'metadata.department=sales,finance', '--limit', '5'], { env });
      assert.equal(run.code, 0, run.stderr);
      const results = run.json.results as Array<{ metadata: { name: string }; score: number }>;
      assert.ok(results.length >= 1);
      for (const r of results) assert.ok(['lead-scorer', 'invoice-matcher'].includes(r.metadata.name), r.metadata.name);
      for (const r of results) assert.ok(r.score >= 0 && r.score <= 100);

      const limited = await cliJson(['agents', 'search', 'leads customers contracts invoices', '--limit', '1'], { env });
      assert.equal((limited.json.results as unknown[]).length, 1);
    });

    test('refuses a filter that is not key=value', async () => {
      const run = await cli(['agents', 'search', 'x', '--filter', 'department'], { env });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /expected key=value/);
    });
  });

  describe('config', () => {
    test('puts with --set and --file, reads, lists the history and rolls back', async () => {
      const none = await cli(['agents', 'config', 'get', 'contract-reviewer'], { env });
      assert.equal(none.code, 1);
      assert.match(none.stderr, /^error: Agent contract-reviewer has no config yet/);

      const first = await cli(['agents', 'config', 'put', 'contract-reviewer', '--set', 'threshold=0.7', '--set', 'rules.strict=true', '--comment', 'first try'], { env });
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, 'contract-reviewer: config version 1 is active\n');

      const second = await cli(['agents', 'config', 'put', 'contract-reviewer', '--set', 'threshold=0.9', '--set', 'label=v2'], { env });
      assert.equal(second.stdout, 'contract-reviewer: config version 2 is active\n');

      const got = await cliJson(['agents', 'config', 'get', 'contract-reviewer'], { env });
      assert.deepEqual(got.json.config, { threshold: 0.9, rules: { strict: true }, label: 'v2' }, '--set applies on the active config');

      const third = await cliJson(['agents', 'config', 'put', 'contract-reviewer', '--file', file('config.json', { threshold: 0.5 })], { env });
      assert.equal(third.json.version, 3);
      assert.deepEqual(third.json.config, { threshold: 0.5 }, '--file replaces the config');

      const shown = await cli(['agents', 'config', 'get', 'contract-reviewer', '1'], { env });
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /^version {5}1$/m);
      assert.match(shown.stdout, /^comment {5}first try$/m);
      assert.match(shown.stdout, /"strict": true/);

      const rolled = await cli(['agents', 'config', 'rollback', 'contract-reviewer', '1'], { env });
      assert.equal(rolled.code, 0, rolled.stderr);
      assert.equal(rolled.stdout, 'contract-reviewer: config version 4 is active (the content of version 1)\n');

      const history = await cli(['agents', 'config', 'history', 'contract-reviewer'], { env });
      const rows = history.stdout.trimEnd().split('\n');
      assert.match(rows[0]!, /^VERSION +ACTIVE +CREATED +BY +COMMENT$/);
      assert.match(rows[1]!, /^4 +\* +\S+ +rollback to version 1$/);
      assert.match(rows[4]!, /^1 +\S+ +first try$/);
      assert.equal(rows.length, 5);
    });

    test("lists what breaks the agent's config schema", async () => {
      const run = await cli(['agents', 'config', 'put', 'lead-scorer', '--set', 'threshold=3'], { env });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: The config does not match lead-scorer's config schema: config\.threshold must be <= 1$/m);
    });

    test('needs --file or --set', async () => {
      const run = await cli(['agents', 'config', 'put', 'lead-scorer'], { env });
      assert.equal(run.code, 2);
      assert.equal(run.stderr, 'error: give --file <config.json>, --set key=value, or both\n');
    });
  });

  test('names the registry it cannot reach, in one line, with exit code 1', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');
    const run = await cli(['agents', 'list', '--registry', `http://127.0.0.1:${port}`], { env });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `error: cannot reach the registry at http://127.0.0.1:${port}: connection refused (ECONNREFUSED)\n`);
  });

  test('refuses a registry URL that is not http(s) with exit code 2', async () => {
    const run = await cli(['agents', 'list', '--registry', 'ftp://example.com'], { env });
    assert.equal(run.code, 2);
    assert.equal(run.stderr, 'error: invalid registry URL "ftp://example.com": only http and https are supported\n');
  });
});

describe('agentmesh agents --help', () => {
  const documented: Array<{ argv: string[]; usage: RegExp; options: string[] }> = [
    { argv: ['list'], usage: /^Usage: agentmesh agents list \[options\]/, options: ['--department <name>', '--tag <tag>', '--skill <id>', '--status <status>', '--tenant <tenant>', '--health <health>', '--page-size <n>', '--page-token <token>', '--all'] },
    { argv: ['show'], usage: /^Usage: agentmesh agents show \[options\] <name>/, options: [] },
    { argv: ['register'], usage: /^Usage: agentmesh agents register \[options\] \[cardUrl\]/, options: ['--card <file.json>', '--name <name>', '--metadata <file.json>', '--status <status>'] },
    { argv: ['deregister'], usage: /^Usage: agentmesh agents deregister \[options\] <name>/, options: [] },
    { argv: ['search'], usage: /^Usage: agentmesh agents search \[options\] <text>/, options: ['--filter <key=value>', '--limit <n>'] },
    { argv: ['health'], usage: /^Usage: agentmesh agents health \[options\] <name>/, options: ['--history <n>'] },
    { argv: ['config', 'get'], usage: /^Usage: agentmesh agents config get \[options\] <name> \[version\]/, options: [] },
    { argv: ['config', 'put'], usage: /^Usage: agentmesh agents config put \[options\] <name>/, options: ['--file <config.json>', '--set <key=value>', '--comment <text>'] },
    { argv: ['config', 'history'], usage: /^Usage: agentmesh agents config history \[options\] <name>/, options: [] },
    { argv: ['config', 'rollback'], usage: /^Usage: agentmesh agents config rollback \[options\] <name> <version>/, options: [] },
  ];
  for (const entry of documented) {
    test(`documents every option of "agents ${entry.argv.join(' ')}" with examples`, async () => {
      const run = await cli(['agents', ...entry.argv, '--help']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, entry.usage);
      for (const option of [...entry.options, '--registry <url>', '--token <bearer>', '--json', '--timeout <ms>']) assert.ok(run.stdout.includes(`  ${option}`), `${option} in:\n${run.stdout}`);
      assert.match(run.stdout, new RegExp(`Examples:\\n {2}\\$ agentmesh agents ${entry.argv.join(' ')} `));
    });
  }
});

describe('agentmesh agents against a registry that needs a token', () => {
  const token = 'cli-test-token-0123456789';
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  before(async () => {
    reg = await startRegistry({ writeToken: token });
  });
  after(() => reg.close());

  test('a write without a token says how to pass one', async () => {
    const run = await cli(['agents', 'deregister', 'anyone', '--registry', reg.url]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: Registry writes need a bearer token with the registry:write scope \(pass --token or set REGISTRY_TOKEN\)\n$/);
  });

  test('a write with --token or REGISTRY_TOKEN goes through; reads need none', async () => {
    const card = join(mkdtempSync(join(tmpdir(), 'agentmesh-cli-')), 'card.json');
    writeFileSync(card, JSON.stringify(sampleCard('token-agent')));
    const viaFlag = await cli(['agents', 'register', '--card', card, '--registry', reg.url, '--token', token]);
    assert.equal(viaFlag.code, 0, viaFlag.stderr);
    const viaEnv = await cli(['agents', 'config', 'put', 'token-agent', '--set', 'a=1', '--registry', reg.url], { env: { REGISTRY_TOKEN: token } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    const read = await cli(['agents', 'show', 'token-agent', '--registry', reg.url]);
    assert.equal(read.code, 0, read.stderr);
    rmSync(join(card, '..'), { recursive: true, force: true });
  });
});
