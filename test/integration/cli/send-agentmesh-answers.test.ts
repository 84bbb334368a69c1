/**
 * `agentmesh send` against an agentmesh runtime (ADR 0034): a skill's
 * message answer is printed as the reply (text, Message JSON, or a stream's
 * one `[message]` line) on both protocol versions, and a rejected task
 * shows as `rejected` with its reason and exit code 1, in `send` and in
 * `tasks list`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineAgent } from '../../../src/runtime/index.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';
import { cli, cliJson } from './cli-harness.js';

const clerk = defineAgent({
  card: { name: 'clerk', description: 'Answers directly, or declines' },
  defaultSkill: 'greet',
  skills: {
    greet: {
      description: 'Greets with a message',
      messageReplies: true,
      handler: async (text: string, ctx) => ctx.reply([{ text: `Hello, ${text}` }, { data: { greeted: text } }]),
    },
    decline: {
      description: 'Declines the request',
      handler: async (text: string, ctx) => {
        ctx.progress('reading the request');
        ctx.reject(`${text} is not something we do`);
      },
    },
  },
});

describe('agentmesh send against an agentmesh agent that answers with messages or rejects', () => {
  const host = startedForSuite(() => startRuntime([clerk]));

  test('prints the reply and exits 0, on A2A 1.0 and 0.3', async () => {
    for (const protocol of ['1.0', '0.3']) {
      const run = await cli(['send', host().url, 'Ada', '--protocol', protocol]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, 'Hello, Ada\n{"greeted":"Ada"}\n', protocol);
    }
  });

  test('--json prints the Message; --stream prints its one [message] line', async () => {
    const json = await cliJson(['send', host().url, 'Grace']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.json['role'], 'ROLE_AGENT');
    assert.deepEqual(json.json['parts'], [{ text: 'Hello, Grace' }, { data: { greeted: 'Grace' } }]);
    assert.equal(json.json['taskId'], undefined, 'no task');
    const streamed = await cli(['send', host().url, 'Lin', '--stream']);
    assert.equal(streamed.code, 0, streamed.stderr);
    assert.equal(streamed.stdout, '[message] Hello, Lin\n{"greeted":"Lin"}\n');
  });

  test('a rejected task prints as rejected with its reason and exits 1; tasks list shows it rejected', async () => {
    const run = await cli(['send', host().url, 'Skydiving', '--skill', 'decline']);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^state {5}rejected$/m);
    assert.match(run.stdout, /^message {3}Skydiving is not something we do$/m);
    const streamed = await cli(['send', host().url, 'Karaoke', '--skill', 'decline', '--stream']);
    assert.equal(streamed.code, 1);
    assert.match(streamed.stdout, /^\[rejected\] Karaoke is not something we do$/m);
    const listed = await cli(['tasks', 'list', host().url, '--state', 'rejected']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout.split('\n').filter((line) => / rejected /.test(line)).length, 2, listed.stdout);
  });
});
