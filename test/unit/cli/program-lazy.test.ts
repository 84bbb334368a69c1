import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Help } from 'commander';
import { COMMANDS, buildProgram, commandsNamedIn, runCli } from '../../../src/cli/program.js';
import { resolveCliIO } from '../../../src/cli/io/cli-io.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';

/*
 * The CLI imports only the command a run names. What `--help`
 * lists for the others comes from the COMMANDS table, so the table must say
 * exactly what each loaded command says of itself.
 */
describe('the CLI loads commands on first use', () => {
  const io = () => resolveCliIO({ stdout: { write: () => true }, stderr: { write: () => true }, env: {} });

  test('every table entry names, describes and shows its command as the loaded command does', async () => {
    const help = new Help();
    for (const entry of COMMANDS) {
      const command = (await entry.load())({ io: io(), setExitCode: () => undefined });
      assert.equal(command.name(), entry.name);
      assert.equal(command.description(), entry.summary, `${entry.name}: summary`);
      assert.equal(help.subcommandTerm(command), entry.term, `${entry.name}: term`);
    }
  });

  test('--help built with no command loaded reads exactly as with every command loaded', async () => {
    const lazy = await buildProgram(io(), new Set());
    const full = await buildProgram(io(), 'all');
    assert.equal(lazy.helpInformation(), full.helpInformation());
    assert.ok(lazy.helpInformation().includes('send [options] <url> [text]'));
  });

  test('the command a run uses is the operand, or the one help names', () => {
    assert.deepEqual([...commandsNamedIn(['send', 'http://a', 'hi', '--stream'])], ['send']);
    assert.deepEqual([...commandsNamedIn(['--json', 'tasks', 'list'])], ['tasks']);
    assert.deepEqual([...commandsNamedIn(['help', 'credits'])], ['help', 'credits']);
    assert.deepEqual([...commandsNamedIn(['--help'])], []);
  });

  test('a subcommand of a lazily loaded command runs, and its help is complete', async () => {
    const out: string[] = [];
    const code = await runCli(['tasks', '--help'], { stdout: { write: (s: string) => (out.push(s), true) }, stderr: { write: () => true }, env: {} });
    assert.equal(code, 0);
    assert.match(out.join(''), /list/);
    const helpOut: string[] = [];
    await runCli(['help', 'send'], { stdout: { write: (s: string) => (helpOut.push(s), true) }, stderr: { write: (s: string) => (helpOut.push(s), true) }, env: {} });
    assert.match(helpOut.join(''), /--no-wait/);
  });

  // The roles take about a second to load: help and a mistyped flag answer before, in what Node itself costs.
  test('up --help, up with a mistyped port and agent serve --help load no role and no example agent', async () => {
    const cliIndex = fileURLToPath(new URL('../../../src/cli/index.ts', import.meta.url));
    const script = `
      import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
      const { runCli } = await import(${JSON.stringify(cliIndex)});
      const quiet = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };
      const codes = [await runCli(['up', '--help'], quiet), await runCli(['up', '--port', 'abc'], quiet), await runCli(['agent', 'serve', '--help'], quiet)];
      process.stdout.write(JSON.stringify({ codes, roles: loaded.filter((u) => /\\/(src\\/(gateway|registry|runtime|orchestrator)|agents)\\//.test(u)) }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, [...TS_CHILD_ARGV, '--input-type=module', '-e', script]);
    const { codes, roles } = JSON.parse(stdout) as { codes: number[]; roles: string[] };
    assert.deepEqual(codes, [0, 2, 0]);
    assert.deepEqual(roles, []);
  });
});
