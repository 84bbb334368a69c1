import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { cli } from './cli-harness.js';

describe('agentmesh --help and --version', () => {
  test('prints the version of the package', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    const run = await cli(['--version']);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, `${pkg.version}\n`);
  });

  test('lists the commands and examples at the top level', async () => {
    const run = await cli(['--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: agentmesh \[options\] \[command\]/);
    assert.match(run.stdout, /^ {2}send \[options\] <url> \[text\]/m);
    assert.match(run.stdout, /^ {2}tasks/m);
    assert.match(run.stdout, /Examples:\n {2}\$ agentmesh send /);
    assert.match(run.stdout, /AGENTMESH_TOKEN/);
    assert.equal(run.stderr, '');
  });

  const documented: { argv: string[]; usage: RegExp; options: string[] }[] = [
    { argv: ['init'], usage: /^Usage: agentmesh init \[options\] <dir>/, options: ['--name <name>', '--agentmesh <spec>', '--force'] },
    {
      argv: ['send'],
      usage: /^Usage: agentmesh send \[options\] <url> \[text\]/,
      options: ['--stream', '--data <file.json>', '--skill <id>', '--task <id>', '--context <id>', '--no-wait', '--json', '--protocol <version>', '--binding <binding>', '--header <name:value>', '--token <bearer>', '--timeout <ms>'],
    },
    { argv: ['tasks'], usage: /^Usage: agentmesh tasks \[options\] \[command\]/, options: ['get', 'list', 'cancel', 'watch'] },
    { argv: ['tasks', 'get'], usage: /^Usage: agentmesh tasks get \[options\] <url> <taskId>/, options: ['--history <n>', '--json', '--protocol <version>', '--binding <binding>', '--header <name:value>', '--token <bearer>'] },
    {
      argv: ['tasks', 'list'],
      usage: /^Usage: agentmesh tasks list \[options\] <url>/,
      options: ['--context <id>', '--state <state>', '--page-size <n>', '--page-token <token>', '--all', '--json', '--protocol <version>', '--binding <binding>', '--header <name:value>', '--token <bearer>'],
    },
    { argv: ['tasks', 'cancel'], usage: /^Usage: agentmesh tasks cancel \[options\] <url> <taskId>/, options: ['--json', '--protocol <version>', '--binding <binding>', '--header <name:value>', '--token <bearer>'] },
    { argv: ['tasks', 'watch'], usage: /^Usage: agentmesh tasks watch \[options\] <url> <taskId>/, options: ['--json', '--protocol <version>', '--binding <binding>', '--header <name:value>', '--token <bearer>'] },
  ];
  for (const entry of documented) {
    test(`documents every option of "${entry.argv.join(' ')}" with examples`, async () => {
      const run = await cli([...entry.argv, '--help']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, entry.usage);
      for (const option of entry.options) assert.ok(run.stdout.includes(`  ${option}`), `${option} in:\n${run.stdout}`);
      assert.match(run.stdout, new RegExp(`Examples:\\n {2}\\$ agentmesh ${entry.argv.join(' ')} `));
    });
  }

  test('shows help on stderr and exits 2 for a group without a subcommand', async () => {
    const run = await cli(['tasks']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^Usage: agentmesh tasks/);
    assert.equal(run.stdout, '');
  });
});
