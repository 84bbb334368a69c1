import { z } from 'zod';

/**
 * One line of a history, in Jepsen's shape (test/history/README.md, "The history"): an operation's
 * invocation, or its completion. `time` is nanoseconds on the driver's monotonic clock since the
 * recorder started; `index` is the line's position, which orders the history.
 */
export interface HistoryOp {
  index: number;
  time: number;
  /** A client's number, or `nemesis` for faults. */
  process: number | 'nemesis';
  /** The replica or role the request went to, when the workload knows it. */
  node?: string;
  type: OpType;
  f: string;
  /** What the operation is about: a task id, a run id, a tenant, a register. */
  key?: string | null;
  value: unknown;
}

/**
 * `ok`: the answer came and says what happened. `fail`: the operation certainly had no effect.
 * `info`: unknown (a timeout, a reset, a refusal after the request was sent): it may have happened,
 * and may still happen at any later time.
 */
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

export const NEMESIS = 'nemesis';

/** The operations of the agentmesh workloads (test/history/README.md, "Operations"). */
export const F = {
  /** SendMessage (or its streaming form): creates a task or continues one. */
  send: 'send',
  get: 'get',
  cancel: 'cancel',
  /** SubscribeToTask, with or without Last-Event-ID. */
  subscribe: 'subscribe',
  /** The same, named for a stream resumed with Last-Event-ID (`value.after`): checked alike. */
  resubscribe: 'resubscribe',
  /** The whole event log of a task, read in the final read phase (internal entries included). */
  log: 'log',
  /** The webhook receiver got a push. */
  pushConfig: 'push-config',
  push: 'push',
  /** The test agent wrote a step's effect to the external ledger. */
  stepEffect: 'step-effect',
  /** A workflow run, started and awaited; its answer reports each step's result. */
  run: 'run',
  /** The external ledger of step effects, read in the final read phase. */
  effects: 'effects',
  /** A call charged in credits. */
  call: 'call',
  /** A tenant's balance and credit ledger, read in the final read phase. */
  credits: 'credits',
  /** An approver approves or denies a call parked at a gateway. */
  decide: 'decide',
  /** Every parked call as the gateways' table ends, and the effects the gated agent applied, read in the final read phase. */
  approvals: 'approvals',
  /** Nemesis: a fault period begins or ends. */
  start: 'start',
  stop: 'stop',
} as const;

const processSchema = z.union([z.number().int().nonnegative(), z.literal(NEMESIS)]);

/** The envelope of a line; the value is checked by the property that reads it. */
export const historyOpSchema = z.strictObject({
  index: z.number().int().nonnegative(),
  time: z.number().nonnegative(),
  process: processSchema,
  node: z.string().optional(),
  type: z.enum(['invoke', 'ok', 'fail', 'info']),
  f: z.string().min(1),
  key: z.string().nullable().optional(),
  value: z.unknown(),
});

/** A2A task states as v1 names them; `absent` is what a read of a task that does not exist finds. */
export const TASK_STATES = [
  'absent',
  'TASK_STATE_SUBMITTED',
  'TASK_STATE_WORKING',
  'TASK_STATE_INPUT_REQUIRED',
  'TASK_STATE_AUTH_REQUIRED',
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  'TASK_STATE_REJECTED',
] as const;
export type TaskStateName = (typeof TASK_STATES)[number];

/** A2A v0.3 spells states in kebab case; a workload may record either. */
const LEGACY_STATES = new Map<string, TaskStateName>([
  ['submitted', 'TASK_STATE_SUBMITTED'],
  ['working', 'TASK_STATE_WORKING'],
  ['input-required', 'TASK_STATE_INPUT_REQUIRED'],
  ['auth-required', 'TASK_STATE_AUTH_REQUIRED'],
  ['completed', 'TASK_STATE_COMPLETED'],
  ['failed', 'TASK_STATE_FAILED'],
  ['canceled', 'TASK_STATE_CANCELED'],
  ['rejected', 'TASK_STATE_REJECTED'],
]);

export const taskStateSchema = z.string().transform((value, ctx): TaskStateName => {
  const known = TASK_STATES.find((state) => state === value) ?? LEGACY_STATES.get(value);
  if (known === undefined) {
    ctx.addIssue({ code: 'custom', message: `not an A2A task state: ${value}` });
    return z.NEVER;
  }
  return known;
});

/** One event of a task's log as a stream or the log read showed it: its seq (the SSE `id:`), kind, state after it, and a hash of its bytes. */
export const eventSchema = z.object({
  seq: z.number().int().positive(),
  kind: z.string().optional(),
  state: taskStateSchema.optional(),
  hash: z.string(),
});
export type TaskEvent = z.infer<typeof eventSchema>;

/**
 * What a task operation's answer says about the task: its id, its state, and its version (the seq of
 * the last event the answer includes, as the `id:` of a snapshot frame gives it, or the row's
 * version where a transport shows it). `rejected`: the server refused because of the state it found
 * (a cancel of a finished task, a message to one), which tells that the state was terminal.
 */
export const taskAnswerSchema = z.object({
  taskId: z.string().optional(),
  state: taskStateSchema.optional(),
  version: z.number().int().nonnegative().optional(),
  rejected: z.enum(['terminal', 'not-cancelable']).optional(),
  /** Frames of a streaming send or a subscription that belong to the log, in the order they came. */
  events: z.array(eventSchema).optional(),
  /** The first frame of a subscription without Last-Event-ID: the Task as of `version`, not an event of the log. */
  snapshot: z.object({ version: z.number().int().nonnegative(), state: taskStateSchema }).optional(),
  /** The Last-Event-ID a subscription resumed after (0 or absent: from the snapshot). */
  after: z.number().int().nonnegative().optional(),
  /** How the stream ended: after the terminal event, closed by the client, or cut. */
  end: z.enum(['terminal', 'closed', 'cut']).optional(),
});
export type TaskAnswer = z.infer<typeof taskAnswerSchema>;

/** Completion values of pushes, steps and credits (test/history/README.md, "Operations"). */
export const pushConfigSchema = z.object({ taskId: z.string(), fromSeq: z.number().int().nonnegative().default(0) });
export const pushSchema = z.object({ taskId: z.string(), seq: z.number().int().positive(), hash: z.string() });
export const stepEffectSchema = z.object({ runId: z.string(), step: z.string(), effectId: z.string() });
export const runSchema = z.object({
  runId: z.string(),
  status: z.string(),
  steps: z.array(z.object({ step: z.string(), effectId: z.string() })).default([]),
  /** A run whose steps asked its client: each asking step and the answer the client gave it (each time it asked). */
  answers: z.array(z.object({ step: z.string(), text: z.string() })).optional(),
  /** How many answers the client sent the run, whatever became of them. */
  answersSent: z.number().int().nonnegative().optional(),
});
export const effectsSchema = z.object({ runId: z.string(), effects: z.array(z.object({ step: z.string(), effectId: z.string() })) });
export const callSchema = z.object({ callId: z.string(), amount: z.number().nonnegative().optional() });
export const creditsSchema = z.object({
  balance: z.number(),
  entries: z.array(z.object({ kind: z.enum(['grant', 'charge', 'refund']), amount: z.number().nonnegative(), callId: z.string().optional() })),
});
export const decideSchema = z.object({ approvalId: z.string(), decision: z.enum(['approve', 'deny']) });
/** Approval states as the gateways store them (src/contracts/approvals). */
export const APPROVAL_STATES = ['pending', 'forwarding', 'approved', 'denied', 'expired', 'canceled'] as const;
export const approvalsSchema = z.object({
  /** Each parked call: the message id its client sent (`callId`), its state, and the state of the agent's task once sent. */
  /** `error`: what sending an approved call answered when it failed (the call used up, its hold released). */
  approvals: z.array(z.object({ approvalId: z.string(), callId: z.string(), state: z.enum(APPROVAL_STATES), taskState: taskStateSchema.optional(), error: z.string().optional() })),
  /**
   * Each effect the gated agent applied: the call it names, the message id it came under, the task that ran it and the
   * state its parked call was in as it took effect (`none`: no parked call; absent: not recorded).
   */
  effects: z.array(z.object({ callId: z.string(), messageId: z.string(), taskId: z.string().optional(), approvalState: z.enum([...APPROVAL_STATES, 'none']).optional() })),
});
