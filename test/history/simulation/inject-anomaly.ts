import { z } from 'zod';
import { approvalsSchema, creditsSchema, decideSchema, eventSchema, F, runSchema, type HistoryOp, type TaskEvent } from '../history-format.js';
import { pairHistory, type Operation } from '../history-ops.js';
import { isTerminalState } from '../linearizability/task-state-model.js';

/** An anomaly put into a correct history, and the property (and anomaly kind) that must flag it. */
export interface Injected {
  ops: HistoryOp[];
  property: string;
  kinds: string[];
}

/** Each returns undefined when the history has nothing to put its anomaly into. */
export type Injector = (ops: readonly HistoryOp[], pick: (n: number) => number) => Injected | undefined;

const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {});
const events = (value: unknown): TaskEvent[] => z.array(eventSchema).catch([]).parse(record(value)['events']);
const runSteps = (value: unknown): { step: string; effectId: string }[] => runSchema.shape.steps.catch([]).parse(record(value)['steps']);

function okOps(ops: readonly HistoryOp[], f: string, test: (operation: Operation) => boolean = () => true): Operation[] {
  return pairHistory(ops).operations.filter((operation) => operation.type === 'ok' && operation.f === f && test(operation));
}

function choose<T>(list: T[], pick: (n: number) => number): T | undefined {
  return list.length === 0 ? undefined : list[pick(list.length)];
}

/** Appends one operation of a new process, invoked and answered `type` after everything else. */
function append(ops: readonly HistoryOp[], f: string, key: string, invokeValue: unknown, type: 'ok' | 'fail', value: unknown): HistoryOp[] {
  const process = 1 + Math.max(0, ...ops.map((op) => (typeof op.process === 'number' ? op.process : 0)));
  const time = (ops[ops.length - 1]?.time ?? 0) + 1;
  return [...ops, { index: ops.length, time, process, type: 'invoke', f, key, value: invokeValue }, { index: ops.length + 1, time: time + 1, process, type, f, key, value }];
}

function replaceValue(ops: readonly HistoryOp[], index: number, value: unknown): HistoryOp[] {
  return ops.map((op) => (op.index === index ? { ...op, value } : op));
}

/** Removes lines and numbers the rest again. */
function remove(ops: readonly HistoryOp[], indexes: Set<number>): HistoryOp[] {
  return ops.filter((op) => !indexes.has(op.index)).map((op, index) => ({ ...op, index }));
}

/** The final log read of each task. */
function finalLogs(ops: readonly HistoryOp[]): Operation[] {
  return okOps(ops, F.log);
}

export const INJECTORS: Record<string, Injector> = {
  /** A read after everything sees the task as it was before an acknowledged write (with versions). */
  'lost acknowledged write': (ops, pick) => {
    const write = choose(okOps(ops, F.send, (o) => Number(record(o.value)['version'] ?? 0) >= 2 && record(o.value)['rejected'] === undefined), pick);
    if (write === undefined) return undefined;
    const taskId = write.key ?? String(record(write.value)['taskId']);
    return { ops: append(ops, F.get, taskId, null, 'ok', { taskId, state: 'TASK_STATE_SUBMITTED', version: 1 }), property: 'task-state', kinds: ['stale'] };
  },
  /** The same, without versions: only the Wing–Gong search can see it. */
  'lost acknowledged write, no versions': (ops, pick) => {
    const write = choose(okOps(ops, F.send, (o) => typeof record(o.value)['state'] === 'string' && record(o.value)['state'] !== 'TASK_STATE_SUBMITTED'), pick);
    if (write === undefined) return undefined;
    const taskId = write.key ?? String(record(write.value)['taskId']);
    return { ops: append(ops, F.get, taskId, null, 'ok', { taskId, state: 'TASK_STATE_SUBMITTED' }), property: 'task-state', kinds: ['not-linearizable'] };
  },
  /** A state after the terminal one, at a later version. */
  'state after terminal': (ops, pick) => {
    const log = choose(finalLogs(ops).filter((o) => events(o.value).some((e) => e.state !== undefined && isTerminalState(e.state))), pick);
    if (log === undefined) return undefined;
    const last = events(log.value).length;
    return { ops: append(ops, F.get, log.key!, null, 'ok', { taskId: log.key, state: 'TASK_STATE_WORKING', version: last + 1 }), property: 'task-state', kinds: ['state-after-terminal'] };
  },
  /** Two answers give one version two states. */
  'two states at one version': (ops, pick) => {
    const log = choose(finalLogs(ops).filter((o) => events(o.value).some((e) => e.state !== undefined && e.state !== 'TASK_STATE_INPUT_REQUIRED')), pick);
    if (log === undefined) return undefined;
    const event = choose(events(log.value).filter((e) => e.state !== undefined && e.state !== 'TASK_STATE_INPUT_REQUIRED'), pick)!;
    return { ops: append(ops, F.get, log.key!, null, 'ok', { taskId: log.key, state: 'TASK_STATE_INPUT_REQUIRED', version: event.seq }), property: 'task-state', kinds: ['two-states-one-version'] };
  },
  /** A task back to submitted at a later version than any. */
  'back to submitted': (ops, pick) => {
    const log = choose(finalLogs(ops).filter((o) => events(o.value).length >= 2), pick);
    if (log === undefined) return undefined;
    return { ops: append(ops, F.get, log.key!, null, 'ok', { taskId: log.key, state: 'TASK_STATE_SUBMITTED', version: events(log.value).length + 1 }), property: 'task-state', kinds: ['forbidden-transition', 'state-after-terminal'] };
  },
  /** An acknowledged cancel, then a read of a task still working (no versions: the search sees it). */
  'working after an acknowledged cancel': (ops, pick) => {
    const cancel = choose(okOps(ops, F.cancel, (o) => record(o.value)['state'] === 'TASK_STATE_CANCELED'), pick);
    if (cancel === undefined) return undefined;
    return { ops: append(ops, F.get, cancel.key!, null, 'ok', { taskId: cancel.key, state: 'TASK_STATE_WORKING' }), property: 'task-state', kinds: ['not-linearizable'] };
  },
  /** An acknowledged cancel that answers a task still working. */
  'cancel answered with a working task': (ops, pick) => {
    const cancel = choose(okOps(ops, F.cancel, (o) => record(o.value)['state'] === 'TASK_STATE_CANCELED'), pick);
    if (cancel === undefined) return undefined;
    return { ops: replaceValue(ops, cancel.completion!.index, { ...record(cancel.value), state: 'TASK_STATE_WORKING' }), property: 'task-state', kinds: ['cancel-not-terminal'] };
  },
  /** A stream skips an event in its middle. */
  'gap in a stream': (ops, pick) => {
    const read = choose([...okOps(ops, F.subscribe), ...okOps(ops, F.resubscribe)].filter((o) => events(o.value).length >= 3), pick);
    if (read === undefined) return undefined;
    const list = events(read.value);
    const drop = 1 + pick(list.length - 2);
    return { ops: replaceValue(ops, read.completion!.index, { ...record(read.value), events: list.filter((_, i) => i !== drop) }), property: 'task-events', kinds: ['gap'] };
  },
  /** A stream repeats an event with other bytes. */
  'duplicate event with different bytes': (ops, pick) => {
    const read = choose([...okOps(ops, F.subscribe), ...okOps(ops, F.resubscribe)].filter((o) => events(o.value).length >= 1), pick);
    if (read === undefined) return undefined;
    const list = events(read.value);
    const at = pick(list.length);
    const copy = { ...list[at]!, hash: `${list[at]!.hash}-other` };
    return { ops: replaceValue(ops, read.completion!.index, { ...record(read.value), events: [...list.slice(0, at + 1), copy, ...list.slice(at + 1)] }), property: 'task-events', kinds: ['duplicate-event', 'two-lists'] };
  },
  /** The final log lacks the event an acknowledged operation answered with. */
  'acknowledged event lost': (ops, pick) => {
    const logs = new Map(finalLogs(ops).map((o) => [o.key!, o] as const));
    const acked = choose(okOps(ops, F.send, (o) => {
      const version = record(o.value)['version'];
      const log = logs.get(o.key ?? String(record(o.value)['taskId']));
      return typeof version === 'number' && log !== undefined && events(log.value).length === version;
    }), pick);
    if (acked === undefined) return undefined;
    const log = logs.get(acked.key ?? String(record(acked.value)['taskId']))!;
    return { ops: replaceValue(ops, log.completion!.index, { ...record(log.value), events: events(log.value).slice(0, -1) }), property: 'task-events', kinds: ['lost-event'] };
  },
  /** An event follows the terminal one in the log. */
  'event after terminal': (ops, pick) => {
    const log = choose(finalLogs(ops).filter((o) => {
      const list = events(o.value);
      const last = list[list.length - 1];
      return last?.state !== undefined && isTerminalState(last.state);
    }), pick);
    if (log === undefined) return undefined;
    const list = events(log.value);
    const seq = list.length + 1;
    return { ops: replaceValue(ops, log.completion!.index, { ...record(log.value), events: [...list, { seq, kind: 'status', state: 'TASK_STATE_WORKING', hash: `late-${seq}` }] }), property: 'task-events', kinds: ['event-after-terminal'] };
  },
  /** A push delivered again with other bytes. */
  'push duplicate with different bytes': (ops, pick) => {
    const push = choose(okOps(ops, F.push), pick);
    if (push === undefined) return undefined;
    return { ops: append(ops, F.push, push.key!, null, 'ok', { ...record(push.value), hash: `${String(record(push.value)['hash'])}-other` }), property: 'push', kinds: ['push-duplicate-differs'] };
  },
  /** Every delivery of one pushed event is gone. */
  'push lost': (ops, pick) => {
    const configured = new Set(okOps(ops, F.pushConfig).map((o) => o.key));
    const push = choose(okOps(ops, F.push, (o) => configured.has(o.key)), pick);
    if (push === undefined) return undefined;
    const { taskId, seq } = record(push.value);
    const gone = okOps(ops, F.push, (o) => record(o.value)['taskId'] === taskId && record(o.value)['seq'] === seq).flatMap((o) => [o.invoke.index, o.completion!.index]);
    return { ops: remove(ops, new Set(gone)), property: 'push', kinds: ['push-lost'] };
  },
  /** Two pushes of one task whose first deliveries swapped places. */
  'pushes out of order': (ops, pick) => {
    const byTask = new Map<string, Operation[]>();
    const seen = new Set<string>();
    for (const push of okOps(ops, F.push)) {
      const { taskId, seq } = record(push.value);
      if (seen.has(`${String(taskId)}/${String(seq)}`)) continue;
      seen.add(`${String(taskId)}/${String(seq)}`);
      byTask.set(String(taskId), [...(byTask.get(String(taskId)) ?? []), push]);
    }
    const firsts = choose([...byTask.values()].filter((list) => list.length >= 2), pick);
    if (firsts === undefined) return undefined;
    const [a, b] = [firsts[0]!, firsts[1]!];
    // Every delivery of the two events trades places, so the first of the later seq now comes first.
    const swap = (value: unknown): unknown => {
      const seq = record(value)['seq'];
      return seq === record(a.value)['seq'] ? b.value : seq === record(b.value)['seq'] ? a.value : value;
    };
    const pushes = new Set(okOps(ops, F.push, (o) => record(o.value)['taskId'] === record(a.value)['taskId']).map((o) => o.completion!.index));
    return { ops: ops.map((op) => (pushes.has(op.index) ? { ...op, value: swap(op.value) } : op)), property: 'push', kinds: ['push-out-of-order'] };
  },
  /** A step's effect written a second time. */
  'step effect twice': (ops, pick) => {
    const effect = choose(okOps(ops, F.stepEffect), pick);
    if (effect === undefined) return undefined;
    return { ops: append(ops, F.stepEffect, effect.key!, null, 'ok', { ...record(effect.value), effectId: 'effect-again' }), property: 'workflow', kinds: ['step-effect-twice'] };
  },
  /** A completed run reports a result that is not its step's effect. */
  'run saw another result': (ops, pick) => {
    const run = choose(okOps(ops, F.run, (o) => runSteps(o.value).length > 0), pick);
    if (run === undefined) return undefined;
    const steps = runSteps(run.value).map((s, i) => (i === 0 ? { ...s, effectId: 'effect-elsewhere' } : s));
    return { ops: replaceValue(ops, run.completion!.index, { ...record(run.value), steps }), property: 'workflow', kinds: ['step-result-mismatch'] };
  },
  /** A completed run reports a step of which the ledger has no effect. */
  'run step without effect': (ops, pick) => {
    const run = choose(okOps(ops, F.run, (o) => runSteps(o.value).length > 0), pick);
    if (run === undefined) return undefined;
    const steps = [...runSteps(run.value), { step: 'step-never-run', effectId: 'effect-never-written' }];
    return { ops: replaceValue(ops, run.completion!.index, { ...record(run.value), steps }), property: 'workflow', kinds: ['step-effect-missing'] };
  },
  /** A run whose asking step acted on an answer other than the one its client gave it. */
  'step took another answer': (ops, pick) => {
    const run = choose(okOps(ops, F.run, (o) => Array.isArray(record(o.value)['answers'])), pick);
    if (run === undefined) return undefined;
    const answers = (record(run.value)['answers'] as unknown[]).map((a, i) => (i === 0 ? { ...record(a), text: 'answer-for-another-question' } : a));
    return { ops: replaceValue(ops, run.completion!.index, { ...record(run.value), answers }), property: 'workflow', kinds: ['answer-not-taken'] };
  },
  /** A call that answered fail (no effect) in each of its attempts, charged all the same. */
  'charge of a failed call': (ops, pick) => {
    const calls = pairHistory(ops).operations.filter((o) => o.f === F.call);
    const callIdOf = (o: Operation): string => String(record(o.invoke.value)['callId']);
    const failedThrough = (o: Operation): boolean => calls.every((other) => callIdOf(other) !== callIdOf(o) || other.type === 'fail');
    const failed = choose(calls.filter((o) => o.type === 'fail' && failedThrough(o)), pick);
    const credits = failed === undefined ? undefined : okOps(ops, F.credits, (o) => o.key === failed.key)[0];
    if (failed === undefined || credits === undefined) return undefined;
    const callId = String(record(failed.invoke.value)['callId']);
    const { balance, entries } = creditsSchema.parse(credits.value);
    if (entries.some((e) => e.callId === callId)) return undefined;
    return { ops: replaceValue(ops, credits.completion!.index, { balance: balance - 1, entries: [...entries, { kind: 'charge', amount: 1, callId }] }), property: 'credits', kinds: ['charged-for-failure'] };
  },
  /** A repeat under a call's message id whose hold was kept, not released: the call stands charged twice. */
  'repeat hold kept': (ops, pick) => {
    const ledger = (value: unknown): z.infer<typeof creditsSchema> => creditsSchema.parse(value);
    // A call with a refund and a charge standing: without the refund, two stand (a call refunded as often as charged would keep one).
    const count = (entries: z.infer<typeof creditsSchema>['entries'], kind: 'charge' | 'refund', callId: string) => entries.filter((c) => c.kind === kind && c.callId === callId).length;
    const repeatedRefunds = (entries: z.infer<typeof creditsSchema>['entries']) =>
      entries.filter((e) => e.kind === 'refund' && e.callId !== undefined && count(entries, 'charge', e.callId) >= 2 && count(entries, 'charge', e.callId) > count(entries, 'refund', e.callId));
    const credits = choose(okOps(ops, F.credits, (o) => repeatedRefunds(ledger(o.value).entries).length > 0), pick);
    if (credits === undefined) return undefined;
    const { entries, balance } = ledger(credits.value);
    const kept = choose(repeatedRefunds(entries), pick)!;
    return { ops: replaceValue(ops, credits.completion!.index, { balance: balance - kept.amount, entries: entries.filter((e) => e !== kept) }), property: 'credits', kinds: ['double-charge'] };
  },
  /** A call charged twice, the balance following the ledger. */
  'double charge': (ops, pick) => ledgerEdit(ops, pick, 'charge', 'double-charge'),
  /** A call that succeeded, refunded. */
  'refund of a success': (ops, pick) => ledgerEdit(ops, pick, 'refund', 'refund-of-success'),
  /** A balance that is not its ledger's sum. */
  'balance off its ledger': (ops, pick) => {
    const credits = choose(okOps(ops, F.credits), pick);
    if (credits === undefined) return undefined;
    return { ops: replaceValue(ops, credits.completion!.index, { ...record(credits.value), balance: Number(record(credits.value)['balance']) + 1 }), property: 'credits', kinds: ['balance-mismatch'] };
  },
  /** A denied call that reached its agent all the same. */
  'effect of a denied call': (ops, pick) =>
    approvalsEdit(ops, pick, (a) => a.state === 'denied', (read, denied) => ({ ...read, effects: [...read.effects, { callId: denied.callId, messageId: denied.callId }] }), ['effect-of-unapproved']),
  /** An approved call applied twice, under a second message id (sent again as a new call). */
  'approved call took effect twice': (ops, pick) =>
    approvalsEdit(ops, pick, (a) => a.state === 'approved', (read, approved) => ({ ...read, effects: [...read.effects, { callId: approved.callId, messageId: `${approved.callId}-sent-again` }] }), ['effect-twice']),
  /** An approved call that completed at its agent without its effect. */
  'approved call without its effect': (ops, pick) =>
    approvalsEdit(ops, pick, (a) => a.state === 'approved', (read, approved) => ({ ...read, effects: read.effects.filter((e) => e.callId !== approved.callId) }), ['effect-missing']),
  /** An approved call run as a second task (the runtime did not know the message it was sent again). */
  'approved call run as a second task': (ops, pick) =>
    approvalsEdit(ops, pick, (a) => a.state === 'approved', (read, approved) => ({ ...read, effects: [...read.effects, { callId: approved.callId, messageId: approved.callId, taskId: 'a-second-task' }] }), ['effect-twice']),
  /** An approved call left half-sent after the final decisions. */
  'approved call left half-sent': (ops, pick) =>
    approvalsEdit(ops, pick, (a) => a.state === 'approved', (read, stuck) => ({ approvals: read.approvals.map((a) => (a === stuck ? { approvalId: a.approvalId, callId: a.callId, state: 'forwarding' as const } : a)), effects: read.effects.filter((e) => e.callId !== stuck.callId) }), ['approval-stuck']),
  /** A call its client saw complete that the gateways have as denied. */
  'completed call denied': (ops, pick) => {
    const completed = new Set(okOps(ops, F.call).map((o) => String(record(o.invoke.value)['callId'])));
    return approvalsEdit(ops, pick, (a) => a.state === 'approved' && completed.has(a.callId), (read, flipped) => ({ approvals: read.approvals.map((a) => (a === flipped ? { approvalId: a.approvalId, callId: a.callId, state: 'denied' as const } : a)), effects: read.effects.filter((e) => e.callId !== flipped.callId) }), ['completed-unapproved', 'decision-lost']);
  },
  /** An approved call that took effect while it was still pending (run before its approval, approved after). */
  'effect before its approval': (ops, pick) =>
    approvalsEdit(ops, pick, (a) => a.state === 'approved', (read, early) => ({ ...read, effects: read.effects.map((e) => (e.callId === early.callId ? { ...e, approvalState: 'pending' as const } : e)) }), ['effect-before-approval']),
  /** A send retried under its message id that parked a second call beside the first. */
  'retried call parked twice': (ops, pick) =>
    approvalsEdit(ops, pick, () => true, (read, first) => ({ ...read, approvals: [...read.approvals, { approvalId: `${first.approvalId}-again`, callId: first.callId, state: 'denied' as const }] }), ['parked-twice']),
  /** A call decided twice, both decisions acknowledged. */
  'call decided twice': (ops, pick) => {
    const decided = choose(okOps(ops, F.decide, (o) => decideSchema.safeParse(o.invoke.value).success), pick);
    if (decided === undefined) return undefined;
    const again = append(ops, F.decide, decided.key!, decided.invoke.value, 'ok', decided.value);
    // The final read stays last: the second decision comes before it.
    const read = again.findIndex((op) => op.f === F.approvals && op.type === 'invoke');
    const moved = [...again.slice(0, read), ...again.slice(-2), ...again.slice(read, -2)].map((op, index) => ({ ...op, index }));
    return { ops: moved, property: 'approvals', kinds: ['decided-twice'] };
  },
  /** An approved call used up by an answer that the agent could not take it now. */
  'approved call used up by an outage': (ops, pick) =>
    approvalsEdit(ops, pick, (a) => a.state === 'approved', (read, lost) => ({ approvals: read.approvals.map((a) => (a === lost ? { approvalId: a.approvalId, callId: a.callId, state: 'approved' as const, error: 'the agent answered the error AM_ERR_STORAGE_UNAVAILABLE (HTTP 200)' } : a)), effects: read.effects.filter((e) => e.callId !== lost.callId) }), ['approved-not-run']),
  /** An acknowledged denial the gateways lost: the call was sent after all. */
  'acknowledged denial lost': (ops, pick) => {
    const denied = new Set(okOps(ops, F.decide, (o) => decideSchema.safeParse(o.invoke.value).data?.decision === 'deny').map((o) => decideSchema.parse(o.invoke.value).approvalId));
    return approvalsEdit(ops, pick, (a) => denied.has(a.approvalId), (read, lost) => ({
      approvals: read.approvals.map((a) => (a === lost ? { ...a, state: 'approved' as const, taskState: 'TASK_STATE_COMPLETED' as const } : a)),
      effects: [...read.effects, { callId: lost.callId, messageId: lost.callId }],
    }), ['decision-lost']);
  },
  /** A fault period in which nearly nothing succeeded. */
  'trivial pass under faults': (ops) => {
    const paired = pairHistory(ops);
    let out: HistoryOp[] = [...ops];
    const during = paired.operations.length + 1;
    out = [...out, { index: out.length, time: out[out.length - 1]!.time + 1, process: 'nemesis', type: 'info', f: F.start, key: null, value: { fault: 'partition' } }];
    for (let i = 0; i < during; i += 1) out = append(out, F.get, 'task-1', null, 'fail', { error: 'unavailable' });
    out = [...out, { index: out.length, time: out[out.length - 1]!.time + 1, process: 'nemesis', type: 'info', f: F.stop, key: null, value: { fault: 'partition' } }];
    return { ops: out, property: 'fault-liveness', kinds: ['trivial'] };
  },
};

function ledgerEdit(ops: readonly HistoryOp[], pick: (n: number) => number, kind: 'charge' | 'refund', anomaly: string): Injected | undefined {
  const okCalls = new Set(okOps(ops, F.call).map((o) => String(record(o.invoke.value)['callId'])));
  const ledger = (value: unknown): z.infer<typeof creditsSchema> => creditsSchema.parse(value);
  const chargedOk = (e: z.infer<typeof creditsSchema>['entries'][number]): boolean => e.kind === 'charge' && e.callId !== undefined && okCalls.has(e.callId);
  const credits = choose(okOps(ops, F.credits, (o) => ledger(o.value).entries.some(chargedOk)), pick);
  if (credits === undefined) return undefined;
  const { entries, balance: before } = ledger(credits.value);
  const charged = choose(entries.filter(chargedOk), pick)!;
  const balance = before + (kind === 'charge' ? -charged.amount : charged.amount);
  return { ops: replaceValue(ops, credits.completion!.index, { balance, entries: [...entries, { kind, amount: charged.amount, callId: charged.callId }] }), property: 'credits', kinds: [anomaly] };
}

type ApprovalsRead = z.infer<typeof approvalsSchema>;

/** The final read of the parked calls, changed by `edit` at one call `which` picks. */
function approvalsEdit(ops: readonly HistoryOp[], pick: (n: number) => number, which: (a: ApprovalsRead['approvals'][number]) => boolean, edit: (read: ApprovalsRead, chosen: ApprovalsRead['approvals'][number]) => ApprovalsRead, kinds: string[]): Injected | undefined {
  const read = okOps(ops, F.approvals)[0];
  if (read === undefined) return undefined;
  const value = approvalsSchema.parse(read.value);
  const chosen = choose(value.approvals.filter(which), pick);
  if (chosen === undefined) return undefined;
  return { ops: replaceValue(ops, read.completion!.index, edit(value, chosen)), property: 'approvals', kinds };
}
