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

  describe('a word that names no command is a usage error, with help asked or not', () => {
    for (const argv of [['nosuch', '--help'], ['help', 'nosuch'], ['--help', 'nosuch'], ['nosuch']]) {
      test(`agentmesh ${argv.join(' ')}: names the word, exit 2, no help printed`, async () => {
        const run = await cli(argv);
        assert.deepEqual(run, { code: 2, stdout: '', stderr: "error: unknown command 'nosuch'\n(add --help for usage)\n" });
      });
    }

    test('a misspelt command or subcommand with --help gets the suggestion, not the help', async () => {
      assert.deepEqual(await cli(['agnts', 'list', '--help']), { code: 2, stdout: '', stderr: "error: unknown command 'agnts'\n(Did you mean agents?)\n(add --help for usage)\n" });
      assert.deepEqual(await cli(['agents', 'lst', '--help']), { code: 2, stdout: '', stderr: "error: unknown command 'lst'\n(Did you mean list?)\n(add --help for usage)\n" });
    });

    test('agent list points at agents list, and agents serve and serve <module> at agent serve', async () => {
      assert.deepEqual(await cli(['agent', 'list']), { code: 2, stdout: '', stderr: "error: unknown command 'agent list'\n(Did you mean agents list?)\n(add --help for usage)\n" });
      assert.deepEqual(await cli(['agent', 'list', '--help']), { code: 2, stdout: '', stderr: "error: unknown command 'agent list'\n(Did you mean agents list?)\n(add --help for usage)\n" });
      assert.deepEqual(await cli(['agents', 'serve', './agent.js']), { code: 2, stdout: '', stderr: "error: unknown command 'agents serve'\n(Did you mean agent serve?)\n(add --help for usage)\n" });
      // `serve` runs a role by name; a module path given to it is an agent of the user's.
      assert.deepEqual(await cli(['serve', 'examples/echo.ts']), { code: 2, stdout: '', stderr: "error: unknown command 'serve examples/echo.ts'\n(Did you mean agent serve examples/echo.ts?)\n(add --help for usage)\n" });
      assert.deepEqual(await cli(['serve', './greeter.ts', '--port', '4001']), { code: 2, stdout: '', stderr: "error: unknown command 'serve ./greeter.ts'\n(Did you mean agent serve ./greeter.ts?)\n(add --help for usage)\n" });
      // A word neither has keeps commander's own answer.
      assert.deepEqual(await cli(['agent', 'nosuch']), { code: 2, stdout: '', stderr: "error: unknown command 'nosuch'\n(add --help for usage)\n" });
    });

    test('help for commands that exist is unchanged: options with values are read as commander reads them', async () => {
      for (const argv of [['agents', '--help'], ['help', 'agents'], ['agents', 'config', 'put', '--help'], ['agents', 'list', '--registry', 'http://127.0.0.1:1', '--help']]) {
        const run = await cli(argv);
        assert.equal(run.code, 0, `${argv.join(' ')}: ${run.stderr}`);
        assert.match(run.stdout, /^Usage: agentmesh agents/, argv.join(' '));
      }
    });
  });

  test('shows help on stderr and exits 2 for a group without a subcommand', async () => {
    const run = await cli(['tasks']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^Usage: agentmesh tasks/);
    assert.equal(run.stdout, '');
  });
});
