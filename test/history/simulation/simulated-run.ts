import { mulberry32 } from '../../../agents/data/mulberry32.js';
import { F, type HistoryOp, type TaskEvent } from '../history-format.js';
import { HistoryRecorder, type Invoked } from '../history-recorder.js';
import { isTerminalState } from '../linearizability/task-state-model.js';
import { SimulatedSystem, type SimTask } from './simulated-system.js';

export interface SimulationOptions {
  seed: number;
  /** Client processes at once. */
  clients: number;
  /** Client operations in the run (before the final read phase). */
  operations: number;
  /** Chance that an operation ends `info` (it may take effect, later, or never), and that it ends `fail` (it does not). */
  pInfo: number;
  pFail: number;
  /** Fault periods (nemesis start/stop) over the run. */
  faults: number;
}

type Outcome = 'ok' | 'fail' | 'info';

/** The observer processes: what the test agent and the webhook receiver saw. */
const AGENT = 100_000;
const RECEIVER = 100_001;
/** The tenant whose calls are parked for an approval. */
const APPROVALS_TENANT = 'approvals-tenant';

/**
 * A run of clients against the simulated system, recorded as a history (test/history/README.md,
 * "Proven before trusted"). Each operation is applied atomically at a random tick between its
 * invocation and its completion; one that ends `info` is applied at a random tick, possibly after it
 * completed, or never; one that ends `fail` is not applied. The outcomes during fault periods keep at
 * least half `ok`, as a system that stays available under faults does. A final read phase reads every
 * task's log, every run's effects and every tenant's credits.
 */
export function simulateRun(options: SimulationOptions): HistoryOp[] {
  return new Simulation(options).run();
}

class Simulation {
  #o: SimulationOptions;
  #rng: () => number;
  #tick = 0;
  #queue: { at: number; n: number; action: () => void }[] = [];
  #n = 0;
  #recorder: HistoryRecorder;
  #system = new SimulatedSystem();
  #nextProcess = 0;
  #started = 0;
  /** Fault periods open now (they may overlap). */
  #faultsOpen = 0;
  /** Tasks whose id a client learnt from an acknowledged create: a client cannot name any other. */
  #known: SimTask[] = [];
  #during = { total: 0, notOk: 0 };
  #runs = 0;
  #calls = 0;
  #parked = 0;
  /** Calls answered `info`, with whether one of their attempts stands charged. */
  #unknownCalls: { callId: string; tenant: string; amount: number; charged: boolean }[] = [];

  constructor(options: SimulationOptions) {
    this.#o = options;
    // Seeded, so a run is a function of its options and fast-check can replay and shrink it.
    this.#rng = mulberry32(options.seed);
    this.#recorder = new HistoryRecorder({ keep: true, now: () => BigInt(this.#tick) * 1000n });
  }

  run(): HistoryOp[] {
    for (let i = 0; i < this.#o.clients; i += 1) this.#at(this.#int(3), () => this.#client(this.#newProcess()));
    // About as long as the clients take: each operation lasts a few ticks, and the clients run side by side.
    const horizon = Math.ceil(this.#o.operations / this.#o.clients) * 7;
    for (let i = 0; i < this.#o.faults; i += 1) {
      const from = this.#int(horizon);
      this.#at(from, () => {
        this.#faultsOpen += 1;
        this.#recorder.nemesis(F.start, { fault: 'kill' });
      });
      this.#at(from + 1 + this.#int(20), () => {
        this.#faultsOpen -= 1;
        this.#recorder.nemesis(F.stop, { fault: 'kill' });
      });
    }
    for (let i = 0; i < this.#o.operations; i += 1) this.#at(this.#int(horizon), () => this.#agentStep());
    this.#drain();
    this.#finalReads();
    return this.#recorder.lines();
  }

  #client(process: number): void {
    if (this.#started >= this.#o.operations) return;
    this.#started += 1;
    const known = this.#known;
    const task = known.length === 0 ? undefined : known[this.#int(known.length)]!;
    const roll = this.#int(100);
    const next = (ended: Outcome): void => this.#at(this.#tick + 1 + this.#int(3), () => this.#client(ended === 'info' ? this.#newProcess() : process));
    if (task === undefined || roll < 20) this.#create(process, next);
    else if (roll < 30) this.#send(process, task, next);
    else if (roll < 45) this.#get(process, task, next);
    else if (roll < 52) this.#cancel(process, task, next);
    else if (roll < 68) this.#subscribe(process, task, next);
    else if (roll < 74) this.#pushConfig(process, task, next);
    else if (roll < 86) this.#workflowRun(process, next);
    else if (roll < 93) this.#call(process, next);
    else this.#approvalCall(process, next);
  }

  /** Invokes now; applies `apply` at a point the outcome allows; completes with what `answer` says. */
  #operation(process: number, f: string, key: string | null, value: unknown, apply: () => unknown, answer: (applied: unknown, outcome: Outcome) => unknown, next: (o: Outcome) => void): void {
    const outcome = this.#outcome();
    const invoked = this.#recorder.invoke(process, f, key, value, `replica-${this.#int(3)}`);
    const duration = 1 + this.#int(8);
    const end = this.#tick + duration;
    let applied: unknown;
    let done = false;
    if (outcome === 'ok') this.#at(this.#tick + this.#int(duration), () => (applied = apply()));
    else if (outcome === 'info' && this.#int(3) > 0) this.#at(this.#tick + this.#int(duration * 3), () => apply());
    this.#at(end, () => {
      if (done) return;
      done = true;
      this.#complete(invoked, outcome, answer(applied, outcome));
      next(outcome);
    });
  }

  #complete(invoked: Invoked, outcome: Outcome, value: unknown): void {
    if (outcome === 'ok') this.#recorder.ok(invoked, value);
    else if (outcome === 'fail') this.#recorder.fail(invoked, value);
    else this.#recorder.info(invoked, value);
  }

  #create(process: number, next: (o: Outcome) => void): void {
    let created: SimTask | undefined;
    this.#operation(
      process,
      F.send,
      null,
      { message: `m-${this.#n}` },
      () => (created = this.#system.createTask()),
      (_applied, outcome) => {
        if (outcome !== 'ok') return { error: outcome === 'fail' ? 'refused' : 'timeout' };
        this.#known.push(created!);
        return taskAnswer(created!);
      },
      next,
    );
  }

  #send(process: number, task: SimTask, next: (o: Outcome) => void): void {
    let accepted = false;
    let answer: unknown;
    this.#operation(
      process,
      F.send,
      task.id,
      { message: `m-${this.#n}` },
      () => {
        accepted = this.#system.message(task);
        answer = accepted ? taskAnswer(task) : { taskId: task.id, rejected: 'terminal' };
      },
      (_applied, outcome) => (outcome === 'ok' ? answer : { error: 'timeout' }),
      next,
    );
  }

  #get(process: number, task: SimTask, next: (o: Outcome) => void): void {
    let answer: unknown;
    const withVersion = this.#int(2) === 0;
    this.#operation(
      process,
      F.get,
      task.id,
      null,
      () => {
        const full = taskAnswer(task);
        answer = withVersion ? full : { taskId: full.taskId, state: full.state };
      },
      (_applied, outcome) => (outcome === 'ok' ? answer : { error: 'timeout' }),
      next,
    );
  }

  #cancel(process: number, task: SimTask, next: (o: Outcome) => void): void {
    let answer: unknown;
    this.#operation(
      process,
      F.cancel,
      task.id,
      null,
      () => {
        answer = this.#system.cancel(task) ? taskAnswer(task) : { taskId: task.id, rejected: 'not-cancelable' };
      },
      (_applied, outcome) => (outcome === 'ok' ? answer : { error: 'timeout' }),
      next,
    );
  }

  /** A subscription (or, one time in three, a resumption after an earlier seq): it reads from its apply point to its end. */
  #subscribe(process: number, task: SimTask, next: (o: Outcome) => void): void {
    const outcome = this.#outcome();
    const resume = this.#int(3) === 0 && task.events.length > 0;
    const after = resume ? this.#int(task.events.length + 1) : undefined;
    const invoked = this.#recorder.invoke(process, after === undefined ? F.subscribe : F.resubscribe, task.id, after === undefined ? {} : { after });
    const events: TaskEvent[] = [];
    let snapshot: { version: number; state: string } | undefined;
    let refused = false;
    let ended = false;
    const subscriber = {
      onEvent: (event: TaskEvent) => {
        if (ended) return;
        if (event.kind !== 'history') events.push(event);
        if (event.state !== undefined && isTerminalState(event.state)) finish('terminal');
      },
    };
    const finish = (end: 'terminal' | 'closed' | 'cut'): void => {
      if (ended) return;
      ended = true;
      task.subscribers.delete(subscriber);
      this.#at(this.#tick + 1, () => {
        // Refused because the task had ended: an answer that tells its state was terminal.
        const value = refused ? { rejected: 'terminal', events: [] } : { ...(snapshot === undefined ? {} : { snapshot }), ...(after === undefined ? {} : { after }), events, end: outcome === 'ok' ? end : 'cut' };
        this.#complete(invoked, outcome, outcome === 'ok' ? value : refused ? { error: 'timeout' } : value);
        next(outcome);
      });
    };
    const duration = 2 + this.#int(10);
    this.#at(this.#tick + this.#int(2), () => {
      if (after === undefined) {
        // A2A §3.1.6: a finished task has nothing to subscribe to.
        if (isTerminalState(task.state)) {
          refused = true;
          finish('closed');
          return;
        }
        snapshot = { version: task.events.length, state: task.state };
      } else {
        for (const event of task.events) if (event.seq > after && event.kind !== 'history') events.push(event);
        const last = task.events[task.events.length - 1];
        if (last?.state !== undefined && isTerminalState(last.state)) {
          finish('terminal');
          return;
        }
      }
      task.subscribers.add(subscriber);
    });
    this.#at(this.#tick + duration, () => finish(outcome === 'ok' ? 'closed' : 'cut'));
  }

  #pushConfig(process: number, task: SimTask, next: (o: Outcome) => void): void {
    let fromSeq = 0;
    this.#operation(
      process,
      F.pushConfig,
      task.id,
      null,
      () => {
        if (task.pushFrom === undefined) task.pushFrom = task.events.length;
        fromSeq = task.pushFrom;
      },
      (_applied, outcome) => (outcome === 'ok' ? { taskId: task.id, fromSeq } : { error: 'timeout' }),
      next,
    );
  }

  #workflowRun(process: number, next: (o: Outcome) => void): void {
    this.#runs += 1;
    const runId = `run-${this.#runs}`;
    const steps: { step: string; effectId: string }[] = [];
    const count = 1 + this.#int(3);
    // In half the runs every step asks the client, which answers each with a text naming the run and the step.
    const answers = this.#int(2) === 0 ? Array.from({ length: count }, (_, i) => ({ step: `step-${i}`, text: `answer-for-${runId}-step-${i}` })) : undefined;
    this.#operation(
      process,
      F.run,
      runId,
      { workflow: 'three-steps' },
      () => {
        for (let i = 0; i < count; i += 1) {
          const step = `step-${i}`;
          const effectId = this.#system.writeEffect(runId, step, answers?.[i]?.text);
          this.#recorder.observe(AGENT, F.stepEffect, runId, { runId, step, effectId });
          steps.push({ step, effectId });
        }
      },
      (_applied, outcome) => (outcome === 'ok' ? { runId, status: 'completed', steps, ...(answers === undefined ? {} : { answers, answersSent: answers.length }) } : { error: 'timeout' }),
      next,
    );
  }

  #call(process: number, next: (o: Outcome) => void): void {
    // A call answered `info` may be sent again under its message id (half the time, when there is one).
    const repeat = this.#unknownCalls.length > 0 && this.#int(2) === 0 ? this.#unknownCalls.splice(this.#int(this.#unknownCalls.length), 1)[0] : undefined;
    if (repeat === undefined) this.#calls += 1;
    const call = repeat ?? { callId: `call-${this.#calls}`, tenant: `tenant-${this.#int(2)}`, amount: 1 + this.#int(5), charged: false };
    const { callId, tenant, amount } = call;
    let outcome = this.#outcome();
    // The task an earlier attempt made was charged: it completed, and a repeat is answered with it.
    if (call.charged && outcome === 'fail') outcome = 'ok';
    const invoked = this.#recorder.invoke(process, F.call, tenant, { callId, amount });
    const ledger = this.#system.ledger(tenant);
    const charge = outcome === 'ok' || this.#int(2) === 0;
    this.#at(this.#tick + this.#int(4), () => {
      if (call.charged) {
        // A repeat holds under a key of its own attempt, released when its answer names the task already charged.
        ledger.push({ kind: 'charge', amount, callId }, { kind: 'refund', amount, callId });
        return;
      }
      if (charge) ledger.push({ kind: 'charge', amount, callId });
      // A call that failed (or whose answer was lost) after it was charged is refunded, once.
      const refund = charge && outcome !== 'ok' && (outcome === 'fail' || this.#int(2) === 0);
      if (refund) ledger.push({ kind: 'refund', amount, callId });
      call.charged = charge && !refund;
    });
    this.#at(this.#tick + 4 + this.#int(3), () => {
      this.#complete(invoked, outcome, outcome === 'ok' ? { callId, amount } : { error: 'upstream' });
      if (outcome === 'info') this.#unknownCalls.push(call);
      next(outcome);
    });
  }

  /**
   * A call parked for an approval: the approver decides it a few ticks later (a decision that did not
   * take effect is made again, as an approver listing the pending calls would), and the client sees it
   * end: completed when approved, rejected when denied.
   */
  #approvalCall(process: number, next: (o: Outcome) => void): void {
    this.#parked += 1;
    const approvalId = `approval-${this.#parked}`;
    const callId = `parked-call-${this.#parked}`;
    // A denial ends the client's call `fail`: only while the fault periods can take one more outcome that is not ok.
    const decision = this.#int(3) === 0 && this.#notOkAllowed() ? 'deny' : 'approve';
    const invoked = this.#recorder.invoke(process, F.call, APPROVALS_TENANT, { callId });
    const approval = this.#system.park(approvalId, callId);
    const decide = (): void => {
      const outcome = this.#outcome();
      const op = this.#recorder.invoke(this.#newProcess(), F.decide, approvalId, { approvalId, decision });
      const applies = outcome === 'ok' || (outcome === 'info' && this.#int(2) === 0);
      this.#at(this.#tick + 1 + this.#int(3), () => {
        if (applies) this.#system.decide(approval, decision);
        this.#complete(op, outcome, outcome === 'ok' ? { state: approval.state } : { error: 'timeout' });
        if (approval.state === 'pending') return this.#at(this.#tick + 1 + this.#int(3), decide);
        this.#at(this.#tick + 1 + this.#int(3), () => {
          const approved = approval.state === 'approved';
          this.#complete(invoked, approved ? 'ok' : 'fail', { callId, state: approved ? 'TASK_STATE_COMPLETED' : 'TASK_STATE_REJECTED' });
          next(approved ? 'ok' : 'fail');
        });
      });
    };
    this.#at(this.#tick + 1 + this.#int(3), decide);
  }

  #agentStep(): void {
    const live = [...this.#system.tasks.values()].filter((task) => !isTerminalState(task.state));
    if (live.length > 0) this.#system.agentStep(live[this.#int(live.length)]!, (n) => this.#int(n));
    this.#deliverPushes();
  }

  /** The receiver gets queued pushes in order; now and then one is delivered again, byte for byte. */
  #deliverPushes(): void {
    const queue = this.#system.pushQueue;
    while (queue.length > 0) {
      const { taskId, event } = queue.shift()!;
      this.#recorder.observe(RECEIVER, F.push, taskId, { taskId, seq: event.seq, hash: event.hash });
      if (this.#int(5) === 0) this.#at(this.#tick + 1 + this.#int(5), () => this.#recorder.observe(RECEIVER, F.push, taskId, { taskId, seq: event.seq, hash: event.hash }));
    }
  }

  #finalReads(): void {
    this.#deliverPushes();
    this.#tick += 10;
    const read = (f: string, key: string, value: unknown): void => {
      const invoked = this.#recorder.invoke(this.#newProcess(), f, key, null);
      this.#tick += 1;
      this.#recorder.ok(invoked, value);
    };
    for (const task of this.#system.tasks.values()) read(F.log, task.id, { taskId: task.id, events: task.events });
    for (const [runId, effects] of this.#system.effects) read(F.effects, runId, { runId, effects });
    for (const tenant of this.#system.ledgers.keys()) read(F.credits, tenant, { balance: this.#system.balance(tenant), entries: this.#system.ledger(tenant) });
    read(F.approvals, APPROVALS_TENANT, { approvals: [...this.#system.approvals.values()].map((a) => ({ ...a })), effects: this.#system.approvedEffects });
  }

  /** Whether an operation invoked now may end other than ok, counted as #outcome counts. */
  #notOkAllowed(): boolean {
    if (this.#faultsOpen === 0) return true;
    this.#during.total += 1;
    if ((this.#during.notOk + 1) * 2 > this.#during.total) return false;
    this.#during.notOk += 1;
    return true;
  }

  /** Not ok only while at least half the operations invoked during faults stay ok. */
  #outcome(): Outcome {
    const roll = this.#rng();
    const faulted = this.#faultsOpen > 0 ? Math.min(0.45, this.#o.pInfo * 2) : this.#o.pInfo;
    let outcome: Outcome = roll < faulted ? 'info' : roll < faulted + this.#o.pFail ? 'fail' : 'ok';
    if (this.#faultsOpen > 0) {
      this.#during.total += 1;
      if (outcome !== 'ok' && (this.#during.notOk + 1) * 2 > this.#during.total) outcome = 'ok';
      if (outcome !== 'ok') this.#during.notOk += 1;
    }
    return outcome;
  }

  #newProcess(): number {
    const process = this.#nextProcess;
    this.#nextProcess += 1;
    return process;
  }

  #at(at: number, action: () => void): void {
    this.#n += 1;
    this.#queue.push({ at: Math.max(at, this.#tick), n: this.#n, action });
  }

  #drain(): void {
    for (;;) {
      if (this.#queue.length === 0) return;
      let best = 0;
      for (let i = 1; i < this.#queue.length; i += 1) {
        const q = this.#queue[i]!;
        const b = this.#queue[best]!;
        if (q.at < b.at || (q.at === b.at && q.n < b.n)) best = i;
      }
      const [item] = this.#queue.splice(best, 1);
      this.#tick = item!.at;
      item!.action();
    }
  }

  #int(n: number): number {
    return Math.floor(this.#rng() * n);
  }
}

function taskAnswer(task: SimTask): { taskId: string; state: SimTask['state']; version: number } {
  return { taskId: task.id, state: task.state, version: task.events.length };
}
