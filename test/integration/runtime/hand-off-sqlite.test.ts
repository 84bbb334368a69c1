/**
 * Long-running tasks. A skill hands its task off (ctx.handOff());
 * it stays WORKING with no owner and no concurrency slot, survives a restart,
 * and another process holding the store (here a separate openTaskControl on
 * the same SQLite file, with its own connection and bus) finishes it by id.
 * Clients see it all through the official SDK client.
 *
 * The decision this pins is in docs/conformance.md.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CancelTaskRequest, GetTaskRequest, SendMessageRequest, SubscribeToTaskRequest, TaskPushNotificationConfig, type Message, type StreamResponse } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { UnsupportedOperationError } from '@a2a-js/sdk/errors';
import { connectAgent } from '../../../src/cli/index.js';
import { ErrorCodes, isAgentmeshError, toSdkError } from '../../../src/protocol/index.js';
import { createRuntime, defineAgent, openTaskControl, type Runtime, type TaskControl, type TaskMessageContext } from '../../../src/index.js';
import { CANCELED, COMPLETED, asTask, sendRequest, textOf } from '../../helpers/sdk-client.js';
import { until, WAIT_DEADLINE_MS } from '../../helpers/until.js';
import { holdUntilCanceled } from '../../helpers/runtime-fixture.js';
import { closeInTurn, directoryRemoval } from '../../helpers/close-in-turn.js';

const WORKING = 2;
const INPUT_REQUIRED = 6;
const REJECTED = 7;

/** Jobs the agent handed off, as a queue consumer would receive them. */
const queued: string[] = [];
/** Messages delivered to the chat skill's onMessage. */
const delivered: Array<{ text: string; taskId: string; info: TaskMessageContext }> = [];

const jobs = defineAgent({
  card: { name: 'jobs', description: 'Hands long work to a queue' },
  defaultSkill: 'render',
  maxConcurrentTasks: 1,
  skills: {
    render: {
      description: 'Queues a render job and hands the task off',
      handler: async (_: string, ctx) => {
        const handedOff = await ctx.handOff({ status: 'Queued' });
        queued.push(ctx.taskId);
        return handedOff;
      },
    },
    quick: { description: 'Answers at once', handler: async () => 'quick done' },
    chat: {
      description: 'Hands off and takes messages while working',
      acceptsMessagesWhileWorking: true,
      onMessage: (message, info) => {
        delivered.push({ text: textOfMessage(message), taskId: info.taskId, info });
      },
      handler: async (_: string, ctx) => ctx.handOff(),
    },
    hold: holdUntilCanceled({ description: 'Runs until canceled', progress: 'holding' }),
    decline: {
      description: 'Hands off, then declines the job',
      handler: async (_: string, ctx) => {
        await ctx.handOff();
        ctx.reject('renders of that size are not offered');
      },
    },
    late: {
      description: 'Hands off, then its queue refuses the job',
      handler: async (_: string, ctx) => {
        await ctx.handOff();
        throw new Error('the render queue is full');
      },
    },
  },
});

function textOfMessage(message: Message): string {
  return message.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
}

function continueRequest(taskId: string, text: string, returnImmediately = false): SendMessageRequest {
  return SendMessageRequest.fromJSON({
    message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', taskId, parts: [{ text }] },
    ...(returnImmediately ? { configuration: { returnImmediately: true } } : {}),
  });
}

describe('handed-off tasks on SQLite', () => {
  let dataDir: string;
  let runtime: Runtime;
  let client: Client;
  /** A second, process-like writer: its own SQLite connection and its own (in-process) bus. */
  let control: TaskControl;

  const start = async () => {
    runtime = await createRuntime({ agents: [jobs], config: { port: 0, host: '127.0.0.1', logLevel: 'silent', dataDir, maxConcurrentTasks: 1, dev: true, allowHosts: ['127.0.0.1'] } });
    const { url } = await runtime.listen();
    client = (await connectAgent({ url, protocol: '1.0', binding: 'jsonrpc' })).client;
  };

  /** Starts a task of `skill` and waits until its hand-off is durable. */
  const handedOff = async (skill: string): Promise<string> => {
    const id = asTask(await client.sendMessage(sendRequest('go', { skillId: skill, returnImmediately: true }))).id;
    await until(`task ${id} handed off`, () => control.isHandedOff(id));
    return id;
  };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-handoff-'));
    await start();
    control = await openTaskControl({ config: { dataDir, logLevel: 'silent' } });
  });
  after(() => closeInTurn(control, runtime, directoryRemoval(dataDir)));

  test('a handed-off task stays WORKING and frees its slot: with maxConcurrentTasks 1 another task runs meanwhile', async () => {
    const id = await handedOff('render');
    assert.ok(queued.includes(id), 'the handler queued the job');
    const task = await client.getTask(GetTaskRequest.fromJSON({ id }));
    assert.equal(task.status?.state, WORKING);
    assert.equal(task.status?.message?.parts[0]?.content?.$case === 'text' && task.status.message.parts[0].content.value, 'Queued');
    // A blocking SendMessage of a second task: it only completes if the first one's slot was freed.
    const second = await Promise.race([
      client.sendMessage(sendRequest('x', { skillId: 'quick' })).then(asTask),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the second task never got a slot')), WAIT_DEADLINE_MS).unref()),
    ]);
    assert.equal(second.status?.state, COMPLETED);
    assert.equal(runtime.engine.localRun(id), undefined, 'no run holds the handed-off task');
    await control.cancel(id);
  });

  test('another process completes it; an SDK subscriber sees progress, artifact chunks and the completion', async () => {
    const id = await handedOff('render');
    const stream = client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id }));
    const first = await stream.next();
    assert.equal(first.value?.payload?.$case, 'task', 'the stream begins with the task');
    const rest = (async () => {
      const events: StreamResponse[] = [];
      for await (const e of stream) events.push(e);
      return events;
    })();
    await control.progress(id, 'Rendering page 1');
    const artifactId = await control.artifact(id, { name: 'report', parts: [{ text: 'page 1 ' }] });
    await control.artifact(id, { artifactId, append: true, lastChunk: true, parts: [{ text: 'page 2' }] });
    const done = await control.complete(id, 'rendered');
    assert.equal(done.status?.state, COMPLETED);
    const events = await rest;
    const kinds = events.map((e) => e.payload?.$case);
    assert.deepEqual(kinds, ['statusUpdate', 'artifactUpdate', 'artifactUpdate', 'artifactUpdate', 'statusUpdate']);
    const progress = events[0]!.payload;
    assert.ok(progress?.$case === 'statusUpdate');
    assert.equal(progress.value.status?.state, WORKING);
    const chunk = events[2]!.payload;
    assert.ok(chunk?.$case === 'artifactUpdate' && chunk.value.append && chunk.value.lastChunk);
    const last = events[4]!.payload;
    assert.ok(last?.$case === 'statusUpdate');
    assert.equal(last.value.status?.state, COMPLETED);
    const task = await client.getTask(GetTaskRequest.fromJSON({ id }));
    assert.equal(task.status?.state, COMPLETED);
    assert.equal(task.artifacts.find((a) => a.artifactId === artifactId)?.parts.length, 2, 'the chunks were appended');
    assert.equal(textOf({ ...task, artifacts: task.artifacts.filter((a) => a.name === 'result') }), 'rendered');
  });

  test("push notifications carry another process's writes, as a handler's", async () => {
    const received: Array<{ seq: string; body: string }> = [];
    let onReceived: (() => void) | undefined;
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ seq: String(req.headers['agentmesh-event-seq']), body });
        res.writeHead(200).end();
        onReceived?.();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      const id = await handedOff('render');
      await client.createTaskPushNotificationConfig(TaskPushNotificationConfig.fromJSON({ taskId: id, url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` }));
      await control.progress(id, 'Rendering');
      await control.complete(id, 'pushed');
      const completed = () => received.some((r) => r.body.includes('TASK_STATE_COMPLETED'));
      if (!completed()) await new Promise<void>((resolve) => (onReceived = () => completed() && resolve()));
      assert.ok(received.some((r) => r.body.includes('Rendering')), 'the progress was pushed');
      assert.ok(received.some((r) => r.body.includes('pushed')), 'the result artifact was pushed');
      assert.ok(received.every((r) => /^\d+$/.test(r.seq)), 'each push names its event sequence');
    } finally {
      await new Promise<void>((resolve) => hook.close(() => resolve()));
    }
  });

  test('writes to a terminal task are refused with UnsupportedOperation; cancel with TaskNotCancelable', async () => {
    const id = await handedOff('render');
    await control.complete(id);
    const terminal = (err: unknown) => {
      assert.ok(isAgentmeshError(err) && err.code === ErrorCodes.TASK_TERMINAL, `expected ${ErrorCodes.TASK_TERMINAL}, got ${String(err)}`);
      assert.ok(toSdkError(err) instanceof UnsupportedOperationError, 'the spec error of a write to a terminal task (A2A §3.1.1)');
      return true;
    };
    await assert.rejects(control.progress(id, 'too late'), terminal);
    await assert.rejects(control.artifact(id, { parts: [{ text: 'too late' }] }), terminal);
    await assert.rejects(control.fail(id, 'too late'), terminal);
    await assert.rejects(control.complete(id, 'again'), terminal);
    await assert.rejects(control.cancel(id), (err: unknown) => isAgentmeshError(err) && err.code === ErrorCodes.TASK_NOT_CANCELABLE);
    assert.equal((await control.get(id)).status?.state, COMPLETED);
  });

  test('concurrent writers never corrupt the fold: every progress lands, in one gap-free log', async () => {
    const id = await handedOff('render');
    const other = runtime.tasks('jobs');
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? control : other).progress(id, `step ${i}`)));
    const task = await control.get(id);
    const steps = task.history.filter((m) => textOfMessage(m).startsWith('step ')).map(textOfMessage);
    assert.equal(steps.length, 20, 'every write is in the history');
    assert.equal(new Set(steps).size, 20);
    await control.complete(id);
  });

  test('a handed-off task survives a restart: recovery neither fails nor re-runs it', async () => {
    const id = await handedOff('render');
    const queuedBefore = queued.length;
    await runtime.close();
    await start();
    const recovered = await runtime.recoverNow();
    assert.deepEqual(recovered, { failed: 0, rerun: 0 });
    assert.equal(queued.length, queuedBefore, 'the handler did not run again');
    assert.equal((await client.getTask(GetTaskRequest.fromJSON({ id }))).status?.state, WORKING);
    const done = await runtime.tasks().complete(id, 'after restart');
    assert.equal(done.status?.state, COMPLETED);
  });

  test('input-required round trip: the worker asks, the client answers, the worker reads the answer and completes', async () => {
    const id = await handedOff('render');
    const asked = await control.requireInput(id, 'Which format?');
    assert.equal(asked.status?.state, INPUT_REQUIRED);
    const worker = (async () => {
      for await (const { message } of control.messages(id)) {
        return control.complete(id, `format ${textOfMessage(message)}`);
      }
      throw new Error('the task ended without an answer');
    })();
    // Blocking: returns once the worker completed the task (A2A §3.2.2).
    const answered = asTask(await client.sendMessage(continueRequest(id, 'pdf')));
    assert.equal(answered.status?.state, COMPLETED);
    assert.equal((await worker).status?.state, COMPLETED);
    assert.equal(textOf({ ...answered, artifacts: answered.artifacts.filter((a) => a.name === 'result') }), 'format pdf');
    assert.ok(answered.history.some((m) => textOfMessage(m) === 'pdf'), 'the answer is in the history');
  });

  test('cancel of a handed-off task is written directly (no owner to ask) and ends the SDK stream', async () => {
    const id = await handedOff('render');
    const stream = client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id }));
    await stream.next();
    const started = Date.now();
    const canceled = await client.cancelTask(CancelTaskRequest.fromJSON({ id }));
    assert.equal(canceled.status?.state, CANCELED);
    assert.ok(Date.now() - started < 1500, 'no wait for an owner that does not exist');
    const states: number[] = [];
    for await (const e of stream) if (e.payload?.$case === 'statusUpdate') states.push(e.payload.value.status?.state ?? -1);
    assert.equal(states[states.length - 1], CANCELED);
    await assert.rejects(control.complete(id), (err: unknown) => isAgentmeshError(err) && err.code === ErrorCodes.TASK_TERMINAL);
    assert.equal((await control.cancel(id)).status?.state, CANCELED, 'canceling a canceled task returns it');
  });

  test('a message to a WORKING task is delivered when the skill accepts them (onMessage and messages())', async () => {
    const id = await handedOff('chat');
    const reply = asTask(await client.sendMessage(continueRequest(id, 'also page 3', true)));
    assert.equal(reply.status?.state, WORKING);
    await until('onMessage called', () => delivered.some((d) => d.taskId === id));
    const got = delivered.find((d) => d.taskId === id)!;
    assert.equal(got.text, 'also page 3');
    assert.equal(got.info.skillId, 'chat');
    const reader = control.messages(id);
    const first = await reader.next();
    assert.equal(first.done, false);
    assert.equal(textOfMessage(first.value!.message), 'also page 3');
    await reader.return(undefined);
    const task = await control.get(id);
    assert.ok(task.history.some((m) => textOfMessage(m) === 'also page 3'), 'the message joined the history');
    // onMessage's control writes to the task like any other.
    await got.info.tasks.complete(id, 'with page 3');
    assert.equal((await control.get(id)).status?.state, COMPLETED);
  });

  test('a message to a WORKING task is refused when the skill does not accept them', async () => {
    const id = await handedOff('render');
    await assert.rejects(client.sendMessage(continueRequest(id, 'hurry up', true)), (err: unknown) => {
      assert.ok(err instanceof UnsupportedOperationError, `expected UnsupportedOperationError, got ${String(err)}`);
      return true;
    });
    assert.ok(!(await control.get(id)).history.some((m) => textOfMessage(m) === 'hurry up'));
    await control.cancel(id);
  });

  test('a handler that throws after handing off fails its task rather than leave it WORKING forever', async () => {
    const id = asTask(await client.sendMessage(sendRequest('go', { skillId: 'late', returnImmediately: true }))).id;
    await until('the task failed', async () => (await control.get(id)).status?.state === 4);
    const task = await control.get(id);
    assert.match(task.status?.message?.parts[0]?.content?.$case === 'text' ? task.status.message.parts[0].content.value : '', /render queue is full/);
  });

  test('a handed-off task is rejected by its worker (TaskControl.reject) or by its handler after the hand-off: REJECTED, with the reason', async () => {
    const id = await handedOff('render');
    const rejected = await control.reject(id, 'the file is not a render scene');
    assert.equal(rejected.status?.state, REJECTED);
    assert.equal(textOfMessage(rejected.status!.message!), 'the file is not a render scene');
    assert.equal((await client.getTask(GetTaskRequest.fromJSON({ id }))).status?.state, REJECTED);
    const declined = asTask(await client.sendMessage(sendRequest('go', { skillId: 'decline', returnImmediately: true }))).id;
    await until('the task is rejected', async () => (await control.get(declined)).status?.state === REJECTED);
    assert.equal(textOfMessage((await control.get(declined)).status!.message!), 'renders of that size are not offered');
  });

  test('TaskControl refuses to write a task whose handler still runs, and an unknown task is TaskNotFound', async () => {
    const id = asTask(await client.sendMessage(sendRequest('go', { skillId: 'hold', returnImmediately: true }))).id;
    await until('the handler runs', () => runtime.engine.localRun(id)?.state === WORKING);
    await assert.rejects(control.complete(id, 'not mine'), (err: unknown) => isAgentmeshError(err) && err.code === ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION && /still run by its skill handler/.test(err.message));
    // Cancel reaches it anyway (through its replica, as CancelTask does).
    assert.equal((await runtime.tasks().cancel(id)).status?.state, CANCELED);
    await assert.rejects(control.progress('no-such-task', 'x'), (err: unknown) => isAgentmeshError(err) && err.code === ErrorCodes.TASK_NOT_FOUND);
    assert.throws(() => runtime.tasks('nope'), /no agent named nope/);
  });
});
