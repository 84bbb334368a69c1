/**
 * A handed-off task's answer is written by whichever process receives it,
 * checked against the task as it is at the write: it answers the question
 * its sender read (the status message that asked), never one asked since.
 * Here the worker asks a second question between the answer's read of the
 * task and its write (the engine's hook before a continued task's first
 * write runs it): the answer is refused with "asked a new question", and the
 * task still asks, without it. Before, it was taken as the second question's
 * answer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Message } from '@a2a-js/sdk';
import { createRuntime, defineAgent } from '../../../src/runtime/index.js';
import { isAgentmeshError } from '../../../src/protocol/index.js';
import { rpc, userMessage } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';

const jobs = defineAgent({
  card: { name: 'jobs', description: 'Hands its work to a worker' },
  defaultSkill: 'render',
  skills: { render: { description: 'Hands the task off', handler: async (_: string, ctx) => ctx.handOff({ status: 'Queued' }) } },
});

test('an answer to a handed-off task is refused when the task asked a new question since it was read', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-handed-off-answer-'));
  const runtime = await createRuntime({ agents: [jobs], config: { port: 0, host: '127.0.0.1', logLevel: 'silent', dataDir } });
  t.after(async () => {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const { agents } = await runtime.listen();
  const started = await rpc(agents['jobs']!, 'SendMessage', { message: userMessage('render it'), configuration: { returnImmediately: true } });
  const id: string = started.body.result?.task?.id;
  assert.ok(id, JSON.stringify(started.body));
  const control = runtime.tasks('jobs');
  // Asked once the handler let the task go (its hand-off written).
  await until('the task to be handed off and asking', () =>
    control.requireInput(id, 'Which format?').then(
      () => true,
      (err: unknown) => (isAgentmeshError(err) && /still run by its skill handler/.test(err.message) ? false : Promise.reject(err)),
    ),
  );

  const answer = Message.fromJSON({ messageId: crypto.randomUUID(), role: 'ROLE_USER', taskId: id, parts: [{ text: 'pdf' }] });
  const call = { tenant: '', caller: { authenticated: false, id: '', scopes: [] } };
  await assert.rejects(
    runtime.engine.send('jobs', answer, call, { beforeStart: async () => void (await control.requireInput(id, 'Which size?')) }),
    (err: unknown) => isAgentmeshError(err) && /asked a new question/.test(err.message),
  );
  const task = await control.get(id);
  assert.equal(task.status?.message?.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join(''), 'Which size?');
  assert.ok(!task.history.some((m) => m.messageId === answer.messageId), 'the answer did not join the task');

  // Read again, the task takes the answer to the question it asks now.
  const taken = await rpc(agents['jobs']!, 'SendMessage', { message: userMessage('A4', { taskId: id }), configuration: { returnImmediately: true } });
  assert.equal(taken.body.error, undefined, JSON.stringify(taken.body));
});
