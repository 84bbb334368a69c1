import type { Artifact, Part, Task } from '@a2a-js/sdk';

/** Who a child call is made for: the tenant (and user) of the workflow's or the router's own task. */
export interface OnBehalfOf {
  tenant: string;
  /** The end user (the caller of the orchestrator), recorded in the gateway's audit trail. */
  subject?: string;
  /**
   * The end user's scopes: the gateway lets the call do only what both the
   * user and the orchestrator may do (no borrowing the orchestrator's reach).
   */
  scopes?: readonly string[];
  /**
   * The caller's credential as this agent received it (the gateway's
   * assertion, `ctx.caller.subjectToken`, or a caller's access token): the
   * call goes through the gateway with a token exchanged for it (RFC 8693),
   * which acts for that caller in its tenant with at most its scopes. Never
   * stored. Without it, the gateway is asked to name `tenant` in a header,
   * which it allows a platform admin's client only (docs/security.md#delegation).
   */
  subjectToken?: string;
  /**
   * The run's delegation grant (docs/adr/0042-durable-delegation-grants.md):
   * when set, calls go through the gateway with the delegated access tokens
   * it gives, which outlive the caller's own token and a restart.
   */
  grant?: DelegatedCredential;
}

/** A source of delegated access tokens for one caller: a run's delegation grant. */
export interface DelegatedCredential {
  /** A delegated access token valid for a while yet; throws a CallFailure (final when the gateway refused the grant). */
  token(): Promise<string>;
  /** The gateway answered 401 to `token`: the next call gets a fresh one. */
  refused(token: string): void;
}

/** Something the child task reported while it ran (status text, artifacts), passed on as progress. */
export interface ChildEvent {
  agent: string;
  taskId: string;
  kind: 'status' | 'artifact';
  /** Status: the state (`working`, …); artifact: its name. */
  state?: string;
  text?: string;
  artifact?: Artifact;
  /** Artifact: this chunk appends to the artifact of the same id (A2A `append`); the router relays chunks as they came. */
  append?: boolean;
  /** Artifact: the last chunk of that artifact (A2A `lastChunk`). */
  lastChunk?: boolean;
  /** Data parts of the status message, if any. */
  data?: unknown;
}

/** How a child call ended, or where it stopped to ask for something. */
export type ChildOutcome =
  | {
      state: 'completed';
      taskId: string;
      contextId: string;
      /** The `result` artifact's data (or the only artifact's data, or its text joined). */
      output: unknown;
      task: Task;
    }
  | {
      state: 'input-required' | 'auth-required';
      taskId: string;
      contextId: string;
      /** The agent's question: its status message's text. */
      question: string;
      /** The id of the status message that asked, when it had one: what a {@link ChildReply} answers. */
      questionId?: string;
      /** Data parts of the question, if any. */
      data?: unknown;
    }
  | {
      state: 'failed' | 'rejected' | 'canceled';
      taskId?: string;
      /** Why, from the agent's status message or the transport error. */
      error: string;
      /** A transport / gateway error rather than the task's own end (worth a retry). */
      transient: boolean;
      /**
       * The agent (or this caller) refused the call itself — its input, its
       * credentials, its shape — rather than the task failing: sending the
       * same call again cannot help, so a workflow step does not retry it.
       */
      refused?: boolean;
    };

/** A new call (or, with the same `messageId`, the same call again after a crash). */
export interface ChildCall {
  agent: string;
  /** Sets `message.metadata.skillId`. */
  skill?: string;
  /** A string becomes a text part; anything else a data part. */
  input: unknown;
  /**
   * The message's parts, forwarded as they came (the router passes the
   * user's text, data and files on untouched); when set, `input` is not used.
   */
  parts?: Part[];
  /**
   * The idempotency key: the runtime answers a repeated messageId with the
   * task it already started, and the gateway reserves credits once per id.
   */
  messageId: string;
  contextId?: string;
  onBehalfOf: OnBehalfOf;
  traceparent?: string;
  signal: AbortSignal;
  /** Called once the child task's id is known (before it ends), so it can be recorded and canceled. */
  onTask?: (taskId: string, contextId: string) => void;
  onEvent?: (event: ChildEvent) => void;
}

/** The user's answer to a child task that asked for input. */
export interface ChildReply {
  agent: string;
  taskId: string;
  contextId: string;
  /** Parts of the user's message, forwarded as they came. */
  parts: Part[];
  /** The id of the forwarded message (idempotency on crash replay). */
  messageId: string;
  /**
   * The question this answers (the outcome's `questionId`). An answer refused
   * because the task is not asking it any more follows the task to another
   * question or its end; this one, still showing, is not taken for a new one.
   */
  questionId?: string;
  onBehalfOf: OnBehalfOf;
  traceparent?: string;
  signal: AbortSignal;
  onEvent?: (event: ChildEvent) => void;
}

/** A child task to follow again: `AgentCaller.attach`. */
export interface ChildAttach {
  agent: string;
  taskId: string;
  onBehalfOf: OnBehalfOf;
  traceparent?: string;
  signal: AbortSignal;
  onEvent?: (event: ChildEvent) => void;
}

/**
 * Talks A2A to other agents on the orchestrator's behalf — through the
 * gateway with the orchestrator's own client credentials (the default), or
 * directly to instances from the registry. Streams each call and resolves
 * when the child task ends or stops to ask for input; never throws for an
 * agent's answer (a failed task is an outcome), only for `signal` aborts.
 */
export interface AgentCaller {
  send(call: ChildCall): Promise<ChildOutcome>;
  reply(reply: ChildReply): Promise<ChildOutcome>;
  /**
   * Follows a child task already started (after a restart): its outcome if it
   * ended or asks for something now, else its events until it does. Unlike a
   * re-send, it sees the task as it is, past any question already answered.
   */
  attach(attach: ChildAttach): Promise<ChildOutcome>;
  /** Cancels a child task; a task already ended is not an error. */
  cancel(agent: string, taskId: string, onBehalfOf: OnBehalfOf): Promise<void>;
}
