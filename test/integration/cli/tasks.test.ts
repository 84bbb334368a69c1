import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Capture, cli, cliJson } from './cli-harness.js';
import { startFixtureAgent, type FixtureAgent } from './fixture-agent.js';

type TaskJson = { id: string; contextId: string; status: { state: string }; history?: unknown[] };

describe('agentmesh tasks against an official SDK server', () => {
  let agent: FixtureAgent;
  /** Tasks created up front: completed (x2, one shared context), input-required, failed. */
  const made: Record<'done' | 'sameContext' | 'ask' | 'failed', TaskJson> = {} as never;

  const sendJson = async (args: string[]): Promise<TaskJson> => (await cliJson(['send', agent.url, ...args])).json as unknown as TaskJson;
  /** Starts a task that stays working until released or canceled. */
  const startHeld = async (extra: string[] = []): Promise<string> => {
    const task = await sendJson(['slow', '--skill', 'hold', '--no-wait', ...extra]);
    await agent.held(task.id);
    return task.id;
  };

  before(async () => {
    agent = await startFixtureAgent();
    made.done = await sendJson(['first']);
    made.sameContext = await sendJson(['second', '--context', made.done.contextId]);
    made.ask = await sendJson(['third', '--skill', 'ask']);
    made.failed = await sendJson(['fourth', '--skill', 'fail']);
  });
  after(() => agent.close());

  describe('get', () => {
    test('prints the state, status message and artifact of a task', async () => {
      const run = await cli(['tasks', 'get', agent.url, made.done.id]);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.stdout.startsWith(`task      ${made.done.id}\ncontext   ${made.done.contextId}\nstate     completed\n`), run.stdout);
      assert.match(run.stdout, /^artifact {2}report: scored: first$/m);
      assert.doesNotMatch(run.stdout, /^history/m);
    });

    test('shows the history with --history and limits it to n messages', async () => {
      const run = await cli(['tasks', 'get', agent.url, made.done.id, '--history', '10']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^history {3}\[user\] first$/m);
      assert.match(run.stdout, /^history {3}\[agent\] Scoring 3 leads…$/m);

      const one = await cliJson(['tasks', 'get', agent.url, made.done.id, '--history', '1']);
      assert.equal((one.json as unknown as TaskJson).history?.length, 1);
    });

    test('exits 0 for an input-required task: reading it succeeded', async () => {
      const run = await cliJson(['tasks', 'get', agent.url, made.ask.id]);
      assert.equal(run.code, 0);
      assert.equal((run.json as unknown as TaskJson).status.state, 'TASK_STATE_INPUT_REQUIRED');
    });

    test('reports an unknown task as the A2A error on stderr with exit code 1', async () => {
      const run = await cli(['tasks', 'get', agent.url, 'no-such-task']);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, 'error: Task not found: no-such-task (A2A -32001 TASK_NOT_FOUND)\n');
    });
  });

  describe('list', () => {
    test('prints a table of id, state, updated and context, newest first', async () => {
      const run = await cli(['tasks', 'list', agent.url]);
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trimEnd().split('\n');
      assert.match(lines[0] ?? '', /^ID +STATE +UPDATED +CONTEXT$/);
      const row = lines.find((l) => l.startsWith(made.failed.id));
      assert.match(row ?? '', new RegExp(`^${made.failed.id} +failed +\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z +${made.failed.contextId}$`));
      const updated = lines.slice(1).map((l) => l.split(/ +/)[2] ?? '');
      assert.deepEqual(updated, [...updated].sort().reverse(), 'most recently updated first (A2A §3.1.4)');
    });

    test('filters by --state', async () => {
      const { code, json } = await cliJson(['tasks', 'list', agent.url, '--state', 'input-required']);
      const tasks = json.tasks as TaskJson[];
      assert.equal(code, 0);
      assert.ok(tasks.some((t) => t.id === made.ask.id));
      assert.ok(tasks.every((t) => t.status.state === 'TASK_STATE_INPUT_REQUIRED'));
    });

    test('filters by --context', async () => {
      const { json } = await cliJson(['tasks', 'list', agent.url, '--context', made.done.contextId]);
      const ids = (json.tasks as TaskJson[]).map((t) => t.id).sort();
      assert.deepEqual(ids, [made.done.id, made.sameContext.id].sort());
    });

    test('prints one page and the next page token on stderr', async () => {
      const first = await cli(['tasks', 'list', agent.url, '--page-size', '1']);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout.trimEnd().split('\n').length, 2, 'header and one row');
      const token = /--page-token (\S+)/.exec(first.stderr)?.[1];
      assert.ok(token, first.stderr);

      const second = await cli(['tasks', 'list', agent.url, '--page-size', '1', '--page-token', token]);
      assert.equal(second.code, 0, second.stderr);
      assert.notEqual(second.stdout.split('\n')[1], first.stdout.split('\n')[1], 'the next page holds the next task');
    });

    test('follows every page with --all, reporting progress on stderr', async () => {
      const run = await cli(['tasks', 'list', agent.url, '--page-size', '2', '--all']);
      assert.equal(run.code, 0, run.stderr);
      const rows = run.stdout.trimEnd().split('\n').slice(1);
      const progress = run.stderr.trimEnd().split('\n');
      const total = Number(/listing tasks: (\d+)/.exec(progress.at(-1) ?? '')?.[1]);
      assert.equal(rows.length, total);
      assert.equal(progress.length, Math.ceil(total / 2), 'one progress line per page');
      assert.match(progress[0] ?? '', /^listing tasks: 2 of \d+ after page 1$/);
      assert.equal(new Set(rows.map((r) => r.split(' ')[0])).size, rows.length, 'no task listed twice');
    });

    test('prints all pages as one ListTasksResponse with --all --json', async () => {
      const single = await cliJson(['tasks', 'list', agent.url]);
      const all = await cliJson(['tasks', 'list', agent.url, '--page-size', '1', '--all']);
      assert.equal(all.code, 0);
      assert.deepEqual((all.json.tasks as TaskJson[]).map((t) => t.id), (single.json.tasks as TaskJson[]).map((t) => t.id));
    });

    test('refuses --protocol 0.3, which has no tasks/list', async () => {
      const run = await cli(['tasks', 'list', agent.url, '--protocol', '0.3']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: tasks list needs A2A 1\.0/);
    });

    test('rejects an unknown --state as bad usage', async () => {
      const run = await cli(['tasks', 'list', agent.url, '--state', 'sleeping']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /unknown task state "sleeping" \(expected one of: submitted, working, completed/);
    });
  });

  describe('cancel', () => {
    test('cancels a running task and prints it canceled', async () => {
      const id = await startHeld();
      const run = await cli(['tasks', 'cancel', agent.url, id]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^task {6}${id}$`, 'm'));
      assert.match(run.stdout, /^state {5}canceled$/m);
      const after = await cliJson(['tasks', 'get', agent.url, id]);
      assert.equal((after.json as unknown as TaskJson).status.state, 'TASK_STATE_CANCELED');
    });

    test('fails with TASK_NOT_CANCELABLE for a completed task', async () => {
      const run = await cli(['tasks', 'cancel', agent.url, made.done.id]);
      assert.equal(run.code, 1);
      assert.equal(run.stderr, `error: Task not cancelable: ${made.done.id} (A2A -32002 TASK_NOT_CANCELABLE)\n`);
    });
  });

  describe('watch', () => {
    test('prints the current task, then each event until completion', async () => {
      const id = await startHeld();
      const stdout = new Capture();
      const watching = cli(['tasks', 'watch', agent.url, id], { stdout });
      await stdout.waitFor('[working]');
      agent.release(id);
      const run = await watching;
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(stdout.lines, [
        `[working] task ${id} (context ${/context (\S+)\)/.exec(stdout.text)?.[1]}) waiting for release`,
        '[artifact] report: released',
        '[completed] done',
      ]);
    });

    test('ends with exit code 1 when the watched task is canceled', async () => {
      const id = await startHeld();
      const stdout = new Capture();
      const watching = cli(['tasks', 'watch', agent.url, id, '--json'], { stdout });
      await stdout.waitFor('"task"');
      const cancel = await cli(['tasks', 'cancel', agent.url, id]);
      assert.equal(cancel.code, 0, cancel.stderr);
      const run = await watching;
      assert.equal(run.code, 1);
      const last = JSON.parse(stdout.lines.at(-1) ?? '{}') as { statusUpdate?: { status: { state: string } } };
      assert.equal(last.statusUpdate?.status.state, 'TASK_STATE_CANCELED');
    });

    test('stops at once, exit code 3, on a task waiting for input', async () => {
      const run = await cli(['tasks', 'watch', agent.url, made.ask.id]);
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stdout, /^\[input-required\] task \S+ \(context \S+\) Which region\?$/m);
      assert.ok(run.stdout.includes(`--task ${made.ask.id} "answer"`));
    });

    test('refuses a finished task with the A2A error', async () => {
      const run = await cli(['tasks', 'watch', agent.url, made.done.id]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: .*terminal state.* \(A2A -32004 UNSUPPORTED_OPERATION\)\n$/);
    });
  });
});
