import { Ajv, type ValidateFunction } from 'ajv';
import type { AgentCard, AgentSkill, Message } from '@a2a-js/sdk';
import { Errors, errorMessage, isRecord } from '../../protocol/index.js';
import type { Logger } from 'pino';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { CallerIdentity, SkillContext } from './skill-context.js';
import type { AgentTaskControl } from './task-control.js';
import type { MessageReply } from './message-reply.js';

/** JSON Schema, as skills declare their input and output (seed 004). */
export type JsonSchema = Record<string, unknown>;

/**
 * The value a handler receives for a skill whose `input` schema is `S`: the
 * type the schema describes (ADR 0012, json-schema-to-ts), or `unknown`
 * without a schema (the message text, or its data part's value).
 */
export type SkillInputOf<S> = TypeOfSchema<S>;

/** The value a handler returns for a skill whose `output` schema is `S` (any value without one). */
export type SkillOutputOf<S> = TypeOfSchema<S>;

/**
 * A literal schema's type. An absent schema, or one only known as a record
 * (built at run time), has no static type: `unknown`, decided before
 * json-schema-to-ts would walk a type it cannot read.
 */
type TypeOfSchema<S> = LiteralSchemaType<Exclude<S, undefined>>;
type LiteralSchemaType<S> = [S] extends [never] ? unknown : string extends keyof S ? unknown : [S] extends [JSONSchema] ? FromSchema<S, { parseIfThenElseKeywords: true }> : unknown;

/** A JSON Schema written as a literal (`as const`, or inline in a skill), whose type {@link SkillInputOf} reads. */
export type JsonSchemaLiteral = JSONSchema;

/** What a handler may return: its output, a reply (`ctx.reply()`), nothing, or a promise of one of them. */
export type SkillResult<TOutput> = Promise<TOutput | MessageReply | undefined | void> | TOutput | MessageReply | undefined | void;

/**
 * One skill of an agent: its card entry, its schemas and its handler. `I`
 * and `O` are the types of its `input` and `output` JSON Schemas, which
 * {@link defineAgent} infers from the literal, so the handler's input and
 * result are typed by the schemas with no annotation.
 */
export interface SkillDefinition<I = unknown, O = unknown> {
  /** Human-readable name; defaults to the skill id. */
  name?: string;
  description: string;
  tags?: string[];
  examples?: string[];
  inputModes?: string[];
  outputModes?: string[];
  /** JSON Schema of the input (the message's data part, else its text). Validated before the handler runs; types the handler's input. */
  input?: I;
  /** JSON Schema of the value the handler returns; types the handler's result. */
  output?: O;
  /** Safe to run again from scratch after a crash; otherwise an orphaned task is failed. */
  idempotent?: boolean;
  /** Fails the task when the handler runs longer. Default: the runtime's `skillTimeoutMs`. */
  timeoutMs?: number;
  /**
   * The skill may answer with a Message and no task (A2A §3.1.1): its
   * handler returns `ctx.reply(…)`. Its task is then not written before the
   * handler runs but at the handler's first progress, artifact, question,
   * hand-off, returned value, rejection or failure, so a handler that replies
   * first leaves nothing behind. A caller that does not wait (SendMessage
   * with `returnImmediately`, or one that registers a push config) still gets
   * a task at once. Default false: every message starts a task, durable
   * before the handler runs (docs/adr/0034-message-replies-and-rejection.md).
   */
  messageReplies?: boolean;
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
   * A returned value becomes the `result` artifact; a returned
   * `ctx.reply(…)` answers with a Message (see {@link messageReplies}).
   */
  // A method signature on purpose: its parameter is checked bivariantly, so a
  // skill without an input schema (input `unknown`) may annotate what it
  // expects (`(text: string) => …`), while an annotation that contradicts a
  // schema's type is still an error.
  handler(input: SkillInputOf<I>, ctx: SkillContext): SkillResult<SkillOutputOf<O>>;
}

/**
 * A skill whose schemas are known only at run time (built by code, as the
 * orchestrator's are): its handler takes `unknown` and returns anything.
 */
export type DynamicSkillDefinition = SkillDefinition<JsonSchema | undefined, JsonSchema | undefined>;

/**
 * The skills of {@link defineAgent}, keyed by id, each typed by its own
 * schemas. Two mapped types over the same literal let TypeScript infer every
 * skill's input schema (`I`) and output schema (`O`) in one pass.
 */
export type SkillsInput<I, O> = { [K in keyof I]: SkillDefinition<I[K] | undefined, K extends keyof O ? O[K] | undefined : undefined> } & { [K in keyof O]: { output?: O[K] } };

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
  readonly tasks: AgentTaskControl;
  readonly log: Logger;
}

/** The card fields an agent author writes; the runtime fills interfaces and capabilities. */
export type AgentCardInput = Partial<Omit<AgentCard, 'skills'>> & { name: string; description: string; version?: string };

/** What {@link defineAgent} takes; `I` and `O` are inferred (see {@link SkillsInput}). */
export interface AgentDefinitionInput<I = Record<string, unknown>, O = Record<string, unknown>> {
  card: AgentCardInput;
  skills: SkillsInput<I, O>;
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
  definition: DynamicSkillDefinition;
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
 * Each skill schema compiled once per process, by its JSON text. Ajv keeps a
 * compiled schema by the schema object, so an agent defined again with equal
 * schemas in new objects (a role restarted in the process, every test's own
 * agent) compiled them again: 10 to 40 ms each. A validator holds nothing
 * between calls but its last `errors`, read right after it returns.
 */
const compiledSchemas = new Map<string, ValidateFunction>();

function compileSchema(schema: object): ValidateFunction {
  const text = JSON.stringify(schema);
  let validate = compiledSchemas.get(text);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    compiledSchemas.set(text, validate);
  }
  return validate;
}

/**
 * A skill as the runtime reads it: an object with a handler (a JavaScript
 * caller is not held to the types); its other fields are optional, and its
 * schemas are compiled (and refused when invalid) below.
 */
function hasHandler(value: unknown): value is DynamicSkillDefinition {
  return isRecord(value) && typeof value['handler'] === 'function';
}

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
export function defineAgent<const I extends Record<string, unknown>, const O extends Record<string, unknown>>(input: AgentDefinitionInput<I, O>): AgentDefinition {
  const name = input.card?.name;
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9-_]{0,62}$/i.test(name)) {
    throw Errors.agentNameInvalid({ urlPath: '/agents/{name}', given: String(JSON.stringify(name)) });
  }
  if (typeof input.card.description !== 'string' || input.card.description.length === 0) throw Errors.agentDescriptionMissing({ agent: name });
  // Inside, a skill's schemas are plain JSON: its static types served the author's compile, not this loop.
  const given: Readonly<Record<string, unknown>> = input.skills ?? {};
  const ids = Object.keys(given);
  if (ids.length === 0) throw Errors.agentWithoutSkills({ agent: name });
  const skills = new Map<string, CompiledSkill>();
  for (const id of ids) {
    const definition = given[id];
    if (!hasHandler(definition)) throw Errors.skillHandlerMissing({ skill: id, agent: name });
    let validateInput: ValidateFunction | undefined;
    let validateOutput: ValidateFunction | undefined;
    try {
      validateInput = definition.input ? compileSchema(definition.input) : undefined;
      validateOutput = definition.output ? compileSchema(definition.output) : undefined;
    } catch (err) {
      throw Errors.skillSchemaInvalid({ skill: id, agent: name, reason: errorMessage(err) });
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
    throw Errors.agentRegistryMetadataInvalid({ agent: name });
  }
  const defaultSkill = input.defaultSkill ?? (ids.length === 1 ? ids[0] : undefined);
  if (defaultSkill !== undefined && !skills.has(defaultSkill)) throw Errors.defaultSkillUnknown({ skill: defaultSkill, agent: name });
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

