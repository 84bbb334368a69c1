/**
 * What each `agentmesh serve <role>` prints as it starts in a development
 * default (its data dir's SQLite file, no DATABASE_URL or REDIS_URL, port 0):
 * where it listens, once, in one form for every role: the role's own
 * `<component> listening` log line carrying its `url`, and the CLI's
 * `agentmesh <role> listening on <url>` naming the same address; never
 * Fastify's `Server listening at …` as well, and no line twice.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli, stopChild } from '../../helpers/child-output.js';

interface Entry {
  level: number | string;
  msg: string;
  component?: string;
  module?: string;
  url?: string;
  /** Set on a request's lines: the registry serves the others' calls. */
  reqId?: string;
}

type Child = ReturnType<typeof spawnCli>;

/** A role's process, its output, and the promise of its start (both its lines seen). */
interface Started {
  child: Child;
  output: () => string;
  url: Promise<string>;
}

const dirs: string[] = [];

/**
 * `agentmesh serve <command> …` on port 0 in a fresh data dir, logging at info as JSON; `url` resolves
 * with the address of the CLI's `agentmesh <role> listening on …` once the role's own `<component>
 * listening` line is out too (two writers: either may come first), and rejects with what it printed if
 * it exits before.
 */
function serve(command: string, role: string, component: string, args: string[], env: Record<string, string | undefined>, own = `${component} listening`): Started {
  const dataDir = mkdtempSync(join(tmpdir(), `agentmesh-serve-${command}-`));
  dirs.push(dataDir);
  const child = spawnCli(['serve', command, ...args, '--port', '0', '--data-dir', dataDir], {
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    PROBE_PORT: undefined,
    GATEWAY_URL: undefined,
    ...env,
  });
  let out = '';
  const cliLine = new RegExp(`"msg":"agentmesh ${role} listening on (http://[^"\\s]+)"`);
  const roleLine = new RegExp(`"component":"${component}"[^\\n]*"msg":"${own}"`);
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const named = cliLine.exec(out);
      if (named && roleLine.test(out)) resolve(named[1]!);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`serve ${command} exited with ${code}: ${out}`)));
  });
  return { child, output: () => out, url };
}

/** Stops a started role with SIGTERM (as an operator does) and answers everything it printed, line by line. */
async function stop(started: Started): Promise<Entry[]> {
  if (started.child.exitCode === null && started.child.signalCode === null) {
    const exited = once(started.child, 'exit');
    started.child.kill('SIGTERM');
    await exited;
  }
  return started
    .output()
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Entry);
}

describe('every serve role says where it listens once, in the same form', () => {
  const entries = new Map<string, { url: string; lines: Entry[] }>();
  const children: Started[] = [];

  before(async () => {
    try {
      // The registry first: the gateway and the orchestrator follow it (a gateway without one waits for it before saying it listens).
      const registry = serve('registry', 'registry', 'registry', [], {});
      children.push(registry);
      const registryUrl = await registry.url;
      const others = {
        gateway: serve('gateway', 'gateway', 'gateway', [], { REGISTRY_URL: registryUrl, GATEWAY_METRICS_PORT: '0', GATEWAY_METRICS_HOST: '127.0.0.1' }),
        orchestrator: serve('orchestrator', 'orchestrator', 'runtime', [], { REGISTRY_URL: registryUrl }, 'orchestrator listening'),
        runtime: serve('agents', 'runtime', 'runtime', ['--only', 'echo'], { REGISTRY_URL: undefined }),
      };
      children.push(...Object.values(others));
      const urls = await Promise.all(Object.values(others).map((s) => s.url));
      // Those following the registry stop before it.
      for (const [i, [role, started]] of Object.entries(others).entries()) entries.set(role, { url: urls[i]!, lines: await stop(started) });
      entries.set('registry', { url: registryUrl, lines: await stop(registry) });
    } finally {
      for (const started of children) await stopChild(started.child);
    }
  });
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<{ role: string; cli: string; component: string; own?: string; others?: (e: Entry) => boolean }> = [
    { role: 'registry', cli: 'registry', component: 'registry' },
    // Its metrics listener, on a port of its own (GATEWAY_METRICS_PORT), says where that one listens.
    { role: 'gateway', cli: 'gateway', component: 'gateway', others: (e) => e.module === 'metrics' && e.msg === 'metrics listening' },
    // The orchestrator is a runtime hosting the orchestrator agent: its line comes from the runtime's component but names the orchestrator, which is what the operator started.
    { role: 'orchestrator', cli: 'orchestrator', component: 'runtime', own: 'orchestrator listening' },
    { role: 'runtime', cli: 'runtime', component: 'runtime' },
  ];
  for (const c of cases) {
    test(`serve ${c.role === 'runtime' ? 'agents' : c.role}: its own line and the CLI's name the same address, each once, and nothing else says it listens`, () => {
      const seen = entries.get(c.role);
      assert.ok(seen, `serve ${c.role} did not start`);
      // A request's lines repeat by nature (the registry answers the others' calls); every other line is said once.
      const messages = seen.lines.filter((e) => e.reqId === undefined).map((e) => e.msg);
      assert.deepEqual(
        messages.filter((m, i) => messages.indexOf(m) !== i),
        [],
        `a line printed twice:\n${messages.join('\n')}`,
      );
      const listening = seen.lines.filter((e) => /listening/i.test(e.msg) && !(c.others?.(e) ?? false));
      assert.deepEqual(
        listening.map((e) => [e.component, e.msg, e.url]).sort(),
        [
          ['cli', `agentmesh ${c.cli} listening on ${seen.url}`, undefined],
          [c.component, c.own ?? `${c.component} listening`, seen.url],
        ].sort(),
        listening.map((e) => e.msg).join('\n'),
      );
    });
  }
});
