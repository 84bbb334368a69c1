import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cli } from './cli-harness.js';

/*
 * Shell completion, generated from the program. The bash
 * script is run by real bash with the words a user typed; zsh loads the same
 * function through bashcompinit (zsh itself is not installed here: its
 * script is checked for that wrapper).
 */
const run = promisify(execFile);

describe('agentmesh completion', () => {
  let bash: string;
  before(async () => {
    const generated = await cli(['completion', 'bash']);
    assert.equal(generated.code, 0, generated.stderr);
    bash = generated.stdout;
  });

  /** What bash offers after `agentmesh <words…>` with the cursor on the last word. */
  const complete = async (...words: string[]): Promise<string[]> => {
    const line = ['agentmesh', ...words];
    const script = `${bash}\nCOMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${line.length - 1}; _agentmesh; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await run('bash', ['-c', script]);
    return stdout.split('\n').filter(Boolean);
  };

  test('commands, subcommands and their options complete', async () => {
    assert.deepEqual(await complete('ta'), ['tasks']);
    assert.deepEqual(await complete('tasks', 'l'), ['list']);
    assert.ok((await complete('tasks', 'list', '--st')).includes('--state'));
    assert.deepEqual(await complete('send', '--bi'), ['--binding']);
    assert.deepEqual(await complete('agents', 'config', 'ro'), ['rollback']);
    // Options and values before the subcommand do not lose the path.
    assert.deepEqual(await complete('--help', 'credits', 'bal'), ['balance']);
  });

  test('every top-level command is offered', async () => {
    const offered = await complete('');
    for (const command of ['up', 'serve', 'agent', 'send', 'tasks', 'workflow', 'agents', 'clients', 'keys', 'token', 'credits', 'audit', 'completion']) assert.ok(offered.includes(command), command);
  });

  test('zsh gets the same function through bashcompinit', async () => {
    const zsh = await cli(['completion', 'zsh']);
    assert.equal(zsh.code, 0);
    assert.match(zsh.stdout, /^#compdef agentmesh\nautoload -U \+X bashcompinit && bashcompinit\n/);
    assert.ok(zsh.stdout.includes('complete -o default -F _agentmesh agentmesh'));
  });

  test('another shell is bad usage', async () => {
    const fish = await cli(['completion', 'fish']);
    assert.equal(fish.code, 2);
    assert.match(fish.stderr, /Allowed choices are bash, zsh/);
  });
});
