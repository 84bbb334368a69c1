import { Ajv, type ValidateFunction } from 'ajv';
import type { AgentCard, AgentSkill, Message } from '@a2a-js/sdk';
import { AgentmeshError, ErrorCodes, unknownSkillError } from '../protocol/index.js';
import type { Logger } from 'pino';
import type { CallerIdentity, SkillContext } from './skill-context.js';
import type { TaskControl } from './task-control.js';

/** JSON Schema, as skills declare their input and output (seed 004). */
export type JsonSchema = Record<string, unknown>;

/** One skill of an agent: its card entry, its schemas and its handler. */
export interface SkillDefinition<TInput = unknown, TOutput = unknown> {
  /** Human-readable name; defaults to the skill id. */
  name?: string;
  description: string;
  tags?: string[];
  examples?: string[];
  inputModes?: string[];
  outputModes?: string[];
  /** JSON Schema of the input (the message's data part). Validated before the handler runs. */
  input?: JsonSchema;
  /** JSON Schema of the value the handler returns. */
  output?: JsonSchema;
  /** Safe to run again from scratch after a crash; otherwise an orphaned task is failed. */
  idempotent?: boolean;
  /** Fails the task when the handler runs longer. Default: the runtime's `skillTimeoutMs`. */
  timeoutMs?: number;
  /**
   * A message to a WORKING task of this skill (one whose handler still runs,
   * or one handed off with `ctx.handOff()`) is accepted: it joins the task's
   * history and is delivered to {@link onMessage} and to every
   * `TaskControl.messages(taskId)` reader. Default false: such a message is
   * refused (UnsupportedOperation), as A2A allows.
   */
  acceptsMessagesWhileWorking?: boolean;
  /**
   * Called with each user message that joins a live task of this skill — a
   * message while WORKING (see {@link acceptsMessagesWhileWorking}) or the
   * answer to an input request of a handed-off task — once it is durable, on
   * the replica that received it. At most once: the durable record is the
   * task's history, which `TaskControl.messages()` reads and resumes.
   * Errors are logged; the sender's request does not wait for it.
   */
  onMessage?: (message: Message, task: TaskMessageContext) => void | Promise<void>;
  /**
   * Does the work. Receives the validated input (the data part's value, or the
   * message text when the message has no data part) and a context to report
   * progress, stream artifacts, ask for input and watch for cancellation.
   * A returned value becomes the `result` artifact.
   */
  handler: (input: TInput, ctx: SkillContext) => Promise<TOutput | undefined | void> | TOutput | undefined | void;
}

/** What {@link SkillDefinition.onMessage} receives besides the message. */
export interface TaskMessageContext {
  readonly taskId: string;
  readonly contextId: string;
  readonly agent: string;
  readonly skillId: string;
  readonly tenant: string;
  /** Who sent the message. */
  readonly caller: CallerIdentity;
  /** Writes to this agent's handed-off tasks (progress, artifacts, complete…). */
  readonly tasks: TaskControl;
  readonly log: Logger;
}

/** The card fields an agent author writes; the runtime fills interfaces and capabilities. */
export type AgentCardInput = Partial<Omit<AgentCard, 'skills'>> & { name: string; description: string; version?: string };

/** What {@link defineAgent} takes. */
export interface AgentDefinitionInput {
  card: AgentCardInput;
  skills: Record<string, SkillDefinition<never, unknown>>;
  /** Skill that plain text messages go to; defaults to the only skill. */
  defaultSkill?: string;
  /** Tasks running at once; the rest wait in a bounded queue. Default: the runtime's `maxConcurrentTasks`. */
  maxConcurrentTasks?: number;
  /** A card served only to authenticated callers (GetExtendedAgentCard). */
  extendedCard?: Partial<AgentCard>;
  /**
   * Enterprise metadata sent to the registry when the runtime registers the
   * agent (department, owner, sla, skills' pricing, configSchema…). The
   * registry validates it; the runtime only checks it is an object.
   */
  registry?: Record<string, unknown>;
}

/** A compiled skill, ready to run. */
export interface CompiledSkill {
  id: string;
  definition: SkillDefinition<unknown, unknown>;
  validateInput: ValidateFunction | undefined;
  validateOutput: ValidateFunction | undefined;
  card: AgentSkill;
}

/** The result of {@link defineAgent}: what `agentmesh agent serve` loads. */
export interface AgentDefinition {
  readonly kind: 'agentmesh.agent';
  readonly name: string;
  readonly card: AgentCardInput;
  readonly skills: ReadonlyMap<string, CompiledSkill>;
  readonly defaultSkill: string | undefined;
  readonly maxConcurrentTasks: number | undefined;
  readonly extendedCard: Partial<AgentCard> | undefined;
  /** Registry metadata of the agent (see {@link AgentDefinitionInput.registry}). */
  readonly registry: Readonly<Record<string, unknown>> | undefined;
}

const ajv = new Ajv({ allErrors: false, strict: false, useDefaults: true });

/**
 * Declares an agent: its card and its typed skills.
 *
 * @example
 * export default defineAgent({
 *   card: { name: 'scorer', description: 'Scores leads' },
 *   skills: {
 *     score: {
 *       description: 'Scores leads against the best customers',
 *       input: { type: 'object', required: ['leadIds'], properties: { leadIds: { type: 'array', items: { type: 'string' } } } },
 *       handler: async ({ leadIds }, ctx) => { ctx.progress(`Scoring ${leadIds.length} leads`); return { scores: [] }; },
 *     },
 *   },
 * });
 */
export function defineAgent(input: AgentDefinitionInput): AgentDefinition {
  const name = input.card?.name;
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9-_]{0,62}$/i.test(name)) {
    throw configError(`card.name must be 1-63 letters, digits, '-' or '_' (it becomes the URL path /agents/{name}); got ${JSON.stringify(name)}`);
  }
  if (typeof input.card.description !== 'string' || input.card.description.length === 0) throw configError(`card.description of agent ${name} is required`);
  const ids = Object.keys(input.skills ?? {});
  if (ids.length === 0) throw configError(`agent ${name} declares no skills`);
  const skills = new Map<string, CompiledSkill>();
  for (const id of ids) {
    const definition = input.skills[id] as SkillDefinition<unknown, unknown>;
    if (typeof definition?.handler !== 'function') throw configError(`skills.${id}.handler of agent ${name} must be a function`);
    let validateInput: ValidateFunction | undefined;
    let validateOutput: ValidateFunction | undefined;
    try {
      validateInput = definition.input ? ajv.compile(definition.input) : undefined;
      validateOutput = definition.output ? ajv.compile(definition.output) : undefined;
    } catch (err) {
      throw configError(`skills.${id} of agent ${name} has an invalid JSON Schema: ${(err as Error).message}`);
    }
    skills.set(id, {
      id,
      definition,
      validateInput,
      validateOutput,
      card: {
        id,
        name: definition.name ?? id,
        description: definition.description,
        tags: definition.tags ?? [],
        examples: definition.examples ?? [],
        inputModes: definition.inputModes ?? (definition.input ? ['application/json', 'text/plain'] : ['text/plain']),
        outputModes: definition.outputModes ?? (definition.output ? ['application/json'] : ['text/plain']),
        securityRequirements: [],
      },
    });
  }
  if (input.registry !== undefined && (typeof input.registry !== 'object' || input.registry === null || Array.isArray(input.registry))) {
    throw configError(`registry of agent ${name} must be an object of registry metadata (department, owner, sla, …)`);
  }
  const defaultSkill = input.defaultSkill ?? (ids.length === 1 ? ids[0] : undefined);
  if (defaultSkill !== undefined && !skills.has(defaultSkill)) throw configError(`defaultSkill ${defaultSkill} of agent ${name} is not one of its skills`);
  return Object.freeze({
    kind: 'agentmesh.agent' as const,
    name,
    card: input.card,
    skills,
    defaultSkill,
    maxConcurrentTasks: input.maxConcurrentTasks,
    extendedCard: input.extendedCard,
    registry: input.registry,
  });
}

/** True when a module's default export is a {@link defineAgent} result. */
export function isAgentDefinition(value: unknown): value is AgentDefinition {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'agentmesh.agent';
}

function configError(message: string): AgentmeshError {
  return new AgentmeshError(ErrorCodes.CONFIG_INVALID, message, { expose: true });
}

/** Picks the skill a message asks for: `metadata.skillId`, else the default skill. */
export function selectSkill(agent: AgentDefinition, message: Message): CompiledSkill {
  const requested = message.metadata?.['skillId'];
  if (requested !== undefined) {
    const skill = typeof requested === 'string' ? agent.skills.get(requested) : undefined;
    if (!skill) throw unknownSkillError([...agent.skills.keys()]);
    return skill;
  }
  if (agent.defaultSkill) return agent.skills.get(agent.defaultSkill)!;
  throw new AgentmeshError(ErrorCodes.PROTOCOL_INVALID_PARAMS, `Invalid parameters: message.metadata.skillId is required by agent ${agent.name}; one of ${[...agent.skills.keys()].join(', ')}`, {
    violations: [{ field: 'message.metadata.skillId', description: `is required; one of ${[...agent.skills.keys()].join(', ')}` }],
  });
}
