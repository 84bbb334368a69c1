/**
 * The console API's answers about agents (`/v1/console/agents…`), as the
 * gateway writes them (`gateway/console/console-routes.ts`) and the web
 * console reads them.
 */
import type { AgentHealth, AgentInstance, AgentStatus, JsonSchema, SkillPricing } from '../registry/index.js';

/** One step of a workflow's outline, as the orchestrator registers it with the workflow's skill (`workflowOutline`). */
export interface WorkflowOutlineStep {
  id: string;
  kind: 'call' | 'sequence' | 'parallel' | 'map' | 'fallback';
  /** A call's agent (by name) or skill (found through the registry). */
  agent?: string;
  skill?: string;
  /** The step runs only when its `when` holds. */
  conditional?: true;
  /** Children of sequence, parallel and fallback steps. */
  steps?: WorkflowOutlineStep[];
  /** The step a map runs per item or batch. */
  step?: WorkflowOutlineStep;
  /** A parallel step's join policy. */
  join?: string;
}

/** A workflow's steps as an outline: what the console draws before any run. */
export interface WorkflowOutline {
  steps: WorkflowOutlineStep[];
}

/** One skill of an agent, with what the registry's metadata says of it. */
export interface ConsoleSkillView {
  id: string;
  name: string;
  description: string;
  tags: string[];
  examples: string[];
  inputSchema?: JsonSchema | undefined;
  pricing?: SkillPricing | undefined;
  /** A workflow skill's steps (the orchestrator's `WorkflowOutline`, as registered), drawn before any run. */
  workflow?: Record<string, unknown>;
}

/** One instance of an agent, with what this gateway sees of it. */
export interface ConsoleInstanceView {
  id: string;
  /** Shown to a platform admin only: a tenant admin is not told where instances run. */
  url?: string;
  inRotation: boolean;
  kind: AgentInstance['kind'];
  probe: AgentInstance['probe'];
  lastHeartbeatAt?: string | undefined;
  /** This gateway's circuit breaker for the instance, once it has called it. */
  breaker?: string | undefined;
  outstanding: number;
  requests: number;
}

/** One probe reading of an instance. */
export interface HealthPoint {
  at: number;
  /** The registry's probe state (`up`, `down`, `unknown`, …). */
  state: string;
  latencyMs: number | null;
  inRotation: boolean;
}

/** What the console shows of an agent (`GET /v1/console/agents`, one of `agents`). */
export interface ConsoleAgentView {
  name: string;
  description: string;
  version: string;
  health: AgentHealth;
  status: AgentStatus;
  department?: string | undefined;
  /** A platform admin sees every tenant the agent is shared with; a tenant admin only its own. */
  tenants: string[];
  signed: boolean;
  /** Set for an agent the gateway bridges from another protocol (`acp`). */
  bridged?: string;
  skills: ConsoleSkillView[];
  instances: ConsoleInstanceView[];
}

/** `GET /v1/console/agents/{name}`: the agent, its card and its instances' recent health. */
export interface ConsoleAgentDetail extends ConsoleAgentView {
  /** The card: the agent's own for a platform admin, the one the gateway serves for a tenant admin. */
  card: unknown;
  /** Per instance id: the registry's probe readings over the last hour, oldest first. */
  healthHistory: Record<string, HealthPoint[]>;
}

/** `GET /v1/console/agents`. */
export interface ConsoleAgentList {
  agents: ConsoleAgentView[];
  /** The order is the registry's ranking of `q` (else by name, or a substring match when the registry cannot answer). */
  ranked: boolean;
}
