/** The console APIs' answers (src/gateway/console/console-routes.ts). */
export interface SkillView {
  id: string;
  name: string;
  description: string;
  tags: string[];
  examples: string[];
  inputSchema?: JsonSchema;
  pricing?: { creditsPerCall?: number; creditsPerItem?: number; itemsPath?: string };
  /** A workflow skill's steps (the orchestrator's), drawn before any run. */
  workflow?: { steps: OutlineStep[] };
}

/** One step of a workflow's outline (src/orchestrator/workflow/workflow-outline.ts). */
export interface OutlineStep {
  id: string;
  kind: string;
  agent?: string;
  skill?: string;
  conditional?: true;
  join?: string;
  steps?: OutlineStep[];
  step?: OutlineStep;
}

export interface InstanceView {
  id: string;
  /** Shown to a platform admin only: a tenant admin is not told where instances run. */
  url?: string;
  inRotation: boolean;
  kind: string;
  probe: { state: string; lastProbeAt?: string; latencyMs?: number; consecutiveFailures: number; lastError?: string };
  lastHeartbeatAt?: string;
  breaker?: string;
  outstanding: number;
  requests: number;
}

export interface AgentView {
  name: string;
  description: string;
  version: string;
  health: string;
  status: string;
  department?: string;
  tenants: string[];
  signed: boolean;
  /** Set for an agent the gateway bridges from another protocol (`acp`). */
  bridged?: string;
  skills: SkillView[];
  instances: InstanceView[];
  card?: unknown;
  /** Per instance id: the registry's probe readings over the last hour, oldest first. */
  healthHistory?: Record<string, Array<{ at: number; state: string; latencyMs: number | null; inRotation: boolean }>>;
}

/** The subset of JSON Schema the generated forms understand; anything else is edited as JSON. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  then?: JsonSchema;
  else?: JsonSchema;
  default?: unknown;
  minimum?: number;
  maximum?: number;
}
