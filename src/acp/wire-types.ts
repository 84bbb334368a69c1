/**
 * The ACP wire shapes agentmesh reads and writes, as TypeScript types. They
 * name the fields of `schemas/acp/openapi.yaml` (ACP 0.2.0) that the mapping
 * touches; the document itself is what requests and responses are validated
 * against (`spec-validator.ts`), so these types never decide what is valid.
 */

/** `RunStatus` (ACP openapi `components.schemas.RunStatus`). */
export type AcpRunStatus = 'created' | 'in-progress' | 'awaiting' | 'cancelling' | 'cancelled' | 'completed' | 'failed';

/** `RunMode`. */
export type AcpRunMode = 'sync' | 'async' | 'stream';

/** `Error.code`. */
export type AcpErrorCode = 'server_error' | 'invalid_input' | 'not_found';

/** `Error`. */
export interface AcpError {
  code: AcpErrorCode;
  message: string;
  data?: Record<string, unknown> | null;
}

/** `CitationMetadata` or `TrajectoryMetadata`: the `kind` tells them apart. */
export type AcpPartMetadata = { kind: 'citation' | 'trajectory'; [key: string]: unknown };

/** `MessagePart`: inline `content` (plain or base64), a `content_url`, or neither. */
export interface AcpMessagePart {
  name?: string;
  content_type: string;
  content?: string;
  content_encoding?: 'plain' | 'base64';
  content_url?: string;
  metadata?: AcpPartMetadata | null;
}

/** `Message`: `role` is `user`, `agent` or `agent/{name}`. */
export interface AcpMessage {
  role: string;
  parts: AcpMessagePart[];
  created_at?: string;
  completed_at?: string;
}

/** `AwaitRequest` / `AwaitResume`: free objects in the spec; the ACP SDKs send `{ type: 'message', message }`. */
export type AcpAwaitPayload = Record<string, unknown>;

/** `Run`. */
export interface AcpRun {
  agent_name: string;
  session_id?: string;
  run_id: string;
  status: AcpRunStatus;
  await_request?: AcpAwaitPayload | null;
  output: AcpMessage[];
  error?: AcpError | null;
  created_at: string;
  finished_at?: string;
}

/** `Session`. */
export interface AcpSession {
  id: string;
  history: string[];
  state?: string;
}

/** `RunCreateRequest`. */
export interface AcpRunCreateRequest {
  agent_name: string;
  session_id?: string;
  session?: AcpSession;
  input: AcpMessage[];
  mode?: AcpRunMode;
}

/** `RunResumeRequest`. */
export interface AcpRunResumeRequest {
  run_id: string;
  await_resume: AcpAwaitPayload;
  mode: AcpRunMode;
}

/** `Event`: one of the spec's eleven event objects. */
export type AcpEvent =
  | { type: 'message.created'; message: AcpMessage }
  | { type: 'message.part'; part: AcpMessagePart }
  | { type: 'message.completed'; message: AcpMessage }
  | { type: 'generic'; generic: Record<string, unknown> }
  | { type: 'run.created' | 'run.in-progress' | 'run.awaiting' | 'run.completed' | 'run.failed' | 'run.cancelled'; run: AcpRun }
  | { type: 'error'; error: AcpError };

/** `AgentManifest` (the fields agentmesh fills). */
export interface AcpAgentManifest {
  name: string;
  description: string;
  input_content_types: string[];
  output_content_types: string[];
  metadata?: {
    documentation?: string;
    license?: string;
    programming_language?: string;
    natural_languages?: string[];
    framework?: string;
    capabilities?: Array<{ name: string; description: string }>;
    domains?: string[];
    tags?: string[];
    annotations?: Record<string, unknown>;
    links?: Array<{ type: string; url: string }>;
    author?: { name: string; email?: string; url?: string };
    [key: string]: unknown;
  };
  status?: { avg_run_tokens?: number; avg_run_time_seconds?: number; success_rate?: number };
}

/** An ACP agent name (`AgentName`: an RFC 1123 DNS label). */
export const ACP_AGENT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** True when `name` can be an ACP agent name. */
export function isAcpAgentName(name: string): boolean {
  return name.length <= 63 && ACP_AGENT_NAME.test(name);
}
