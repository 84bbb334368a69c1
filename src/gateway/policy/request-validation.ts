import { Message, Role } from '@a2a-js/sdk';
import { isLegacyJsonRpcMethod } from '@a2a-js/sdk/compat/v0_3';
import type {
  AgentmeshError} from '../../protocol/index.js';
import { V1_METHODS, deeperThan, readJsonRpcEnvelope, methodNotFound, isAgentmeshError, negotiateVersion, notUserRoleError, skillInputError, skillInputOf, skillInputOfJson, unknownSkillError, validateParams, type ProtocolVersion, type SkillInput, Errors } from '../../protocol/index.js';
import type { AgentRecord } from '../../contracts/registry/index.js';
import type { A2aRequestReading, ClassifiedRequest } from './a2a-operation.js';
import { LegacyJsonRpcProbe } from './legacy-jsonrpc-probe.js';
import { MAX_RECURSIVE_INPUT_DEPTH, SkillSchemaCache } from './skill-schema-cache.js';

/** What {@link RequestValidator.validate} judges. */
export interface RequestValidationInput {
  /** The request as `classifyA2aRequest` read it; a refused reading is its own verdict. */
  call: A2aRequestReading;
  /** The parsed JSON body; undefined when there is none. */
  body: unknown;
  /**
   * The request carried a body that is not JSON: the runtime answers that
   * itself (its -32700 quotes its parser), so nothing is judged.
   */
  bodyUnparsable?: boolean;
  /** The A2A-Version the agent will see (header, else query parameter), as sent; undefined when absent. */
  a2aVersion: string | undefined;
  /** The target agent's registry record: its card (skills, capabilities) and its skills' declared input schemas. */
  record?: Pick<AgentRecord, 'card' | 'metadata'> | undefined;
}

/** Judges A2A requests at the door; see {@link createRequestValidator}. */
export interface RequestValidator {
  /**
   * The error the runtime would answer `input` with before starting any
   * work, or undefined when it would start work (or when the gateway cannot
   * tell: the runtime then judges). Never rejects.
   */
  validate(input: RequestValidationInput): Promise<AgentmeshError | undefined>;
  /**
   * `validate`, answered at once: a promise only for what must wait (the
   * SDK's v0.3 JSON-RPC checks). What the gateway's every call uses, so a
   * v1 call is judged without a promise or a microtask. Never throws.
   */
  validateNow(input: RequestValidationInput): AgentmeshError | undefined | Promise<AgentmeshError | undefined>;
}

/** Options of {@link createRequestValidator}. */
export interface RequestValidatorOptions {
  /** Compiled skill input schemas kept. Default 500. */
  maxSchemas?: number;
}

const V1 = new Set(V1_METHODS);
const SEND_OPERATIONS = new Set(['SendMessage', 'SendStreamingMessage']);

/**
 * Request validation at the door (docs/gateway.md#request-validation-at-the-door): a call the runtime would
 * refuse is refused by the gateway with the same code and words, so it
 * never costs an agent a request nor the caller a credit.
 *
 * What is judged, in the runtime's order:
 * - JSON-RPC: the JSON-RPC 2.0 envelope, the protocol version (header, else
 *   a v1 method name means 1.0), then for 1.0 the method and its params
 *   against the v1 schema (`validateParams`), for 0.3 the SDK's own v0.3
 *   checks and translation (the SDK's v0.3 transport handler, run over a
 *   probe instead of the agent).
 * - HTTP+JSON 1.0: the A2A-Version (the binding serves 1.0 only), and the
 *   body of `message:send` / `message:stream`. Other REST calls, and the v0.3
 *   REST binding (`/v1/…`), are left to the runtime.
 * - SendMessage / SendStreamingMessage: streaming advertised, the message
 *   comes from the user, and, when the registry record declares input
 *   schemas for the agent's skills, a named skill exists and the skill's
 *   input (first data part, else the text) satisfies its schema. A message
 *   continuing a task (`taskId`) answers a question and is not a skill input.
 *
 * @example
 * const validator = createRequestValidator();
 * const error = await validator.validate({ call, body: parsed, a2aVersion: headers['a2a-version'], record });
 * if (error) return sendError(reply, request, error, call);
 */
export function createRequestValidator(options: RequestValidatorOptions = {}): RequestValidator {
  const schemas = new SkillSchemaCache(options.maxSchemas === undefined ? {} : { maxSchemas: options.maxSchemas });
  let probe: LegacyJsonRpcProbe | undefined;

  const checkMessage = (message: Message, record: RequestValidationInput['record']): AgentmeshError | undefined => {
    if (message.role !== Role.ROLE_USER) return notUserRoleError();
    // An answer to a task waiting for input is no skill input (task-engine.ts #continue).
    if (message.taskId || record === undefined) return undefined;
    return checkSkillInput(message, message.metadata, skillInputOf, record, schemas);
  };
  // A user's message to an agent declaring input schemas, read from its JSON as `checkMessage` reads the decoded one.
  const checkUserJson = (message: Record<string, unknown>, record: NonNullable<RequestValidationInput['record']>): AgentmeshError | undefined => {
    // `Message.fromJSON`'s taskId: the string sent (the schema allows no other), '' when absent.
    const taskId = message['taskId'];
    if (typeof taskId === 'string' && taskId !== '') return undefined;
    return checkSkillInput(message, message['metadata'] as Record<string, unknown> | undefined, skillInputOfJson, record, schemas);
  };

  const judge = (input: RequestValidationInput, call: ClassifiedRequest): AgentmeshError | undefined | Promise<AgentmeshError | undefined> => {
    const { body, record } = input;
    if (input.bodyUnparsable === true) return undefined;
    // An ACP run is checked by the runtime's ACP endpoint, against the ACP document.
    if (call.binding === 'ACP') return undefined;
    if (call.binding === 'HTTP+JSON') {
      // /v1/… is the v0.3 REST binding, served by the SDK's Express router: left to the runtime.
      if (call.version !== '1.0' || !SEND_OPERATIONS.has(call.operation)) return undefined;
      if (negotiateVersion(input.a2aVersion) === '0.3') {
        return Errors.v1RestOnly({}, { details: { supportedVersions: '1.0' } });
      }
      return checkSend(call.operation, body ?? {}, record, checkMessage, checkUserJson);
    }
    const envelope = readJsonRpcEnvelope(body);
    if (jsonRpcVersion(input.a2aVersion, envelope.method) === '0.3') {
      probe ??= new LegacyJsonRpcProbe();
      return probe.judge(envelope.raw, record?.card, (message) => checkMessage(message, record));
    }
    if (!V1.has(envelope.method)) {
      return methodNotFound(envelope.method);
    }
    if (!SEND_OPERATIONS.has(envelope.method)) {
      validateParams(envelope.method, envelope.params ?? {});
      return undefined;
    }
    return checkSend(envelope.method, envelope.params ?? {}, record, checkMessage, checkUserJson);
  };

  const validateNow = (input: RequestValidationInput): AgentmeshError | undefined | Promise<AgentmeshError | undefined> => {
    const call = input.call;
    if (call.operation === undefined) return call.refusal;
    try {
      const verdict = judge(input, call);
      return verdict instanceof Promise ? verdict.catch(verdictOf) : verdict;
    } catch (err) {
      return verdictOf(err);
    }
  };
  return {
    validate: async (input) => validateNow(input),
    validateNow,
  };
}

/** Our checks throw the runtime's errors; anything else is no verdict on the request. */
function verdictOf(err: unknown): AgentmeshError | undefined {
  return isAgentmeshError(err) && err.expose ? err : undefined;
}

/** The runtime's version choice for a JSON-RPC call (jsonrpc-route.ts resolveVersion): explicit wins, else a v1 method name means 1.0. */
function jsonRpcVersion(a2aVersion: string | undefined, method: string): ProtocolVersion {
  const version = negotiateVersion(a2aVersion);
  if (a2aVersion === undefined && !isLegacyJsonRpcMethod(method) && V1.has(method)) return '1.0';
  return version;
}

/** SendMessage / SendStreamingMessage (v1 JSON): params, streaming, then the message as the SDK reads it. */
function checkSend(
  method: string,
  params: unknown,
  record: RequestValidationInput['record'],
  checkMessage: (message: Message, record: RequestValidationInput['record']) => AgentmeshError | undefined,
  checkUserJson: (message: Record<string, unknown>, record: NonNullable<RequestValidationInput['record']>) => AgentmeshError | undefined,
): AgentmeshError | undefined {
  const named = validateParams(method, params);
  if (method === 'SendStreamingMessage' && record?.card.capabilities?.streaming === false) {
    return Errors.streamingNotSupported({ agent: record.card.name });
  }
  // The schema guarantees an object message with an id and parts (params-validation.ts).
  const raw = (params as { message: Record<string, unknown> }).message;
  // A user's message is not decoded (`Message.fromJSON` copies every part): to an agent that declares no skill input
  // schema it has nothing more to check, as the usual call; to one that does, its skill input is read from its JSON
  // under the fields' JSON names. Any other role is decoded and judged as before.
  if (raw['role'] === 'ROLE_USER') {
    if (record === undefined || !declaresInputSchema(record.metadata.skills)) return undefined;
    return checkUserJson((named as { message: Record<string, unknown> }).message, record);
  }
  return checkMessage(Message.fromJSON(raw), record);
}

/** Per agent record's declared skills (an object parsed once with the record): does any declare an input schema. */
const declaringInputSchema = new WeakMap<object, boolean>();

function declaresInputSchema(declared: NonNullable<RequestValidationInput['record']>['metadata']['skills']): boolean {
  if (declared === undefined) return false;
  let known = declaringInputSchema.get(declared);
  if (known === undefined) {
    known = Object.values(declared).some((s) => s?.inputSchema !== undefined);
    declaringInputSchema.set(declared, known);
  }
  return known;
}

/**
 * The skill the runtime would pick (define-agent.ts selectSkill) and its
 * input against the skill's declared schema (task-engine.ts skillInput).
 * Only for agents whose record declares input schemas: the registry record
 * is the gateway's view of the runtime's skills. With several skills and
 * none named, the runtime's default skill is unknown here: not judged.
 */
function checkSkillInput<M>(
  message: M,
  metadata: Record<string, unknown> | undefined,
  inputOf: (message: M) => SkillInput,
  record: NonNullable<RequestValidationInput['record']>,
  schemas: SkillSchemaCache,
): AgentmeshError | undefined {
  const declared = record.metadata.skills;
  if (declared === undefined || !declaresInputSchema(declared)) return undefined;
  const ids = (record.card.skills ?? []).map((s) => s.id);
  if (ids.length === 0) return undefined;
  const requested = metadata?.['skillId'];
  let skill: string;
  if (requested !== undefined) {
    if (typeof requested !== 'string' || !ids.includes(requested)) return unknownSkillError(ids);
    skill = requested;
  } else if (ids.length === 1) {
    skill = ids[0]!;
  } else {
    return undefined;
  }
  const schema = Object.hasOwn(declared, skill) ? declared[skill]?.inputSchema : undefined;
  if (schema === undefined || schema === null || typeof schema !== 'object') return undefined;
  const compiled = schemas.get(schema);
  if (compiled === undefined) return undefined;
  const { input, dataIndex } = inputOf(message);
  // Walked as deep as it goes by a recursive schema, and by the copy defaults are filled into: deep inputs are the runtime's to judge.
  if ((compiled.recursive || compiled.fillsDefaults) && deeperThan(input, MAX_RECURSIVE_INPUT_DEPTH)) return undefined;
  // Defaults are filled into a copy: the runtime fills its own, the message goes on as sent.
  if (compiled.validate(compiled.fillsDefaults ? structuredClone(input) : input)) return undefined;
  return skillInputError(skill, dataIndex, compiled.validate.errors![0]!);
}
