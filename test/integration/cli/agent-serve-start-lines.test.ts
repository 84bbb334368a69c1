/**
 * What `agentmesh agent serve` (a new project's `npm start`) prints as it
 * starts in a development default (its data dir's SQLite file, no
 * DATABASE_URL or REDIS_URL): each line once, and the secrets it generated
 * into its data dir at info, as `agentmesh up` logs them, not as warnings
 * meant for replicas it does not have.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli, stopChild } from '../../helpers/child-output.js';

const dirs: string[] = [];
/** `agent serve` in a development default: its data dir's SQLite file, secrets it generates there. */
const DEVELOPMENT_DEFAULT = { LOG_LEVEL: 'info', DATABASE_URL: undefined, REDIS_URL: undefined, AGENTMESH_SECRET: undefined, AGENTMESH_SIGNING_KEY: undefined };
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('agent serve in a development default prints each start line once, its generated secrets at info', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-start-lines-'));
  dirs.push(dataDir);
  const child = spawnCli(['agent', 'serve', 'agents/echo.ts', '--port', '0', '--data-dir', dataDir], { ...DEVELOPMENT_DEFAULT, LOG_FORMAT: 'json' });
  let out = '';
  const started = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      // The banner's last line and the runtime's own line (two writers: either may come first).
      if (/"msg":"Try: /.test(out) && /"msg":"runtime listening"/.test(out)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`agent serve exited with ${code}: ${out}`)));
  });
  try {
    await started;
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
  const entries = out
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { level: number | string; msg: string });
  const messages = entries.map((e) => e.msg);
  assert.deepEqual(
    messages.filter((m, i) => messages.indexOf(m) !== i),
    [],
    `a line printed twice:\n${messages.join('\n')}`,
  );
  // The runtime's own line (what it serves, on which backends) and the banner's: no third from its HTTP server.
  const listening = messages.filter((m) => /listening/i.test(m));
  assert.equal(listening.length, 2, listening.join('\n'));
  assert.ok(listening.includes('runtime listening'), listening.join('\n'));
  assert.ok(listening.some((m) => m.startsWith('agentmesh runtime listening on http://')), listening.join('\n'));
  const level = (msg: RegExp) => entries.filter((e) => msg.test(e.msg)).map((e) => e.level);
  assert.deepEqual(level(/^generated a secret that seals push configs/), [30]);
  assert.deepEqual(level(/^push signing key: using a generated key/), [30]);
  assert.deepEqual(
    entries.filter((e) => typeof e.level === 'number' && e.level >= 40),
    [],
    'nothing at warn or above',
  );
});

/*
 * The banner (what is served, where, and a command to try) is what a
 * developer's terminal opens on: the runtime's start-up log lines (the
 * secrets it generated, `runtime listening`) come after it. They came
 * before it, three or four lines that pushed it out of sight.
 */
test('agent serve prints its banner first, the runtime\'s start-up log lines after it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-start-order-'));
  dirs.push(dataDir);
  const child = spawnCli(['agent', 'serve', 'agents/echo.ts', '--port', '0', '--data-dir', dataDir], { ...DEVELOPMENT_DEFAULT, LOG_FORMAT: 'pretty', NO_COLOR: '1' });
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (/^Try: /m.test(out) && / runtime listening /.test(out)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`agent serve exited with ${code}: ${out}`)));
    });
  } finally {
    await stopChild(child, 'SIGTERM');
  }
  const lines = out.split('\n');
  assert.match(lines[0]!, /^agentmesh runtime listening on http:\/\//, out);
  const tryLine = lines.findIndex((l) => l.startsWith('Try: '));
  const logLines = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^\d\d:\d\d:\d\d (INFO|WARN) /.test(l));
  assert.ok(logLines.length >= 2, out);
  assert.ok(logLines.every(({ i }) => i > tryLine), `a log line before the banner's end:\n${out}`);
  assert.ok(logLines.some(({ l }) => / runtime listening /.test(l)) && logLines.some(({ l }) => /generated a secret that seals push configs/.test(l)), out);
});
