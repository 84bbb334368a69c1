import { createRequire } from 'node:module';
import type { Ajv as AjvInstance, ErrorObject, ValidateFunction } from 'ajv';
import type { FieldViolation } from './errors.js';
import { invalidParams } from './error-messages.js';
import { toProtoJsonFields } from './proto-json-names.js';
import { isRecord } from './narrowing.js';

/*
 * JSON Schemas of the v1 request params (A2A §9.4 / proto). ts-proto's
 * fromJSON is lenient (a string where a number belongs becomes NaN), so
 * params are checked here first and a bad field gets -32602 naming it.
 * Unknown fields are allowed: the proto JSON mapping ignores them.
 */
const part = {
  type: 'object',
  properties: {
    text: { type: 'string' },
    raw: { type: 'string', format: 'base64' },
    url: { type: 'string' },
    data: {},
    metadata: { type: 'object' },
    filename: { type: 'string' },
    mediaType: { type: 'string' },
  },
  oneOf: [{ required: ['text'] }, { required: ['raw'] }, { required: ['url'] }, { required: ['data'] }],
  errorMessage: 'must have exactly one of text, raw, url, data',
};
const message = {
  type: 'object',
  required: ['messageId', 'role', 'parts'],
  properties: {
    messageId: { type: 'string', minLength: 1, maxLength: 256 },
    contextId: { type: 'string', maxLength: 256 },
    taskId: { type: 'string', maxLength: 256 },
    role: { enum: ['ROLE_USER', 'ROLE_AGENT', 'user', 'agent', 1, 2] },
    parts: { type: 'array', minItems: 1, maxItems: 1000, items: part },
    metadata: { type: 'object' },
    extensions: { type: 'array', items: { type: 'string' } },
    referenceTaskIds: { type: 'array', items: { type: 'string' } },
  },
};
const int32 = { type: 'integer', minimum: 0, maximum: 2147483647 };
const id = { type: 'string', minLength: 1, maxLength: 256 };
const timestamp = { type: 'string', format: 'timestamp' };
const pushConfig = {
  type: 'object',
  required: ['url'],
  properties: {
    id: { type: 'string', maxLength: 256 },
    taskId: { type: 'string', maxLength: 256 },
    url: { type: 'string', minLength: 1, maxLength: 2048 },
    token: { type: 'string', maxLength: 4096 },
    tenant: { type: 'string' },
    authentication: {
      type: 'object',
      required: ['scheme'],
      properties: { scheme: { type: 'string', minLength: 1, maxLength: 64 }, credentials: { type: 'string', maxLength: 8192 } },
    },
  },
};
const taskStates = ['TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING', 'TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_INPUT_REQUIRED', 'TASK_STATE_REJECTED', 'TASK_STATE_AUTH_REQUIRED'];

/** The request schemas by v1 method (tests check them against a2a.proto). */
export const PARAM_SCHEMAS: Record<string, object> = {
  SendMessage: {
    type: 'object',
    required: ['message'],
    properties: {
      tenant: { type: 'string' },
      message,
      metadata: { type: 'object' },
      configuration: {
        type: 'object',
        properties: {
          acceptedOutputModes: { type: 'array', items: { type: 'string' } },
          taskPushNotificationConfig: pushConfig,
          historyLength: int32,
          returnImmediately: { type: 'boolean' },
        },
      },
    },
  },
  GetTask: { type: 'object', required: ['id'], properties: { id, tenant: { type: 'string' }, historyLength: int32 } },
  ListTasks: {
    type: 'object',
    properties: {
      tenant: { type: 'string' },
      contextId: { type: 'string', maxLength: 256 },
      status: { enum: taskStates },
      pageSize: { type: 'integer', minimum: 1, maximum: 100 },
      pageToken: { type: 'string', maxLength: 512 },
      historyLength: int32,
      statusTimestampAfter: timestamp,
      includeArtifacts: { type: 'boolean' },
    },
  },
  CancelTask: { type: 'object', required: ['id'], properties: { id, tenant: { type: 'string' }, metadata: { type: 'object' } } },
  SubscribeToTask: { type: 'object', required: ['id'], properties: { id, tenant: { type: 'string' } } },
  CreateTaskPushNotificationConfig: { ...pushConfig, required: ['taskId', 'url'] },
  GetTaskPushNotificationConfig: { type: 'object', required: ['taskId', 'id'], properties: { taskId: id, id, tenant: { type: 'string' } } },
  ListTaskPushNotificationConfigs: {
    type: 'object',
    required: ['taskId'],
    properties: { taskId: id, tenant: { type: 'string' }, pageSize: { type: 'integer', minimum: 1, maximum: 100 }, pageToken: { type: 'string' } },
  },
  DeleteTaskPushNotificationConfig: { type: 'object', required: ['taskId', 'id'], properties: { taskId: id, id, tenant: { type: 'string' } } },
  GetExtendedAgentCard: { type: 'object', properties: { tenant: { type: 'string' } } },
};
PARAM_SCHEMAS['SendStreamingMessage'] = PARAM_SCHEMAS['SendMessage']!;

/** ProtoJSON bytes (A2A §5.5): standard or URL-safe base64, padded or not. */
export function isProtoJsonBase64(s: string): boolean {
  return /^[A-Za-z0-9+/_-]*={0,2}$/.test(s) && (s.endsWith('=') ? s.length % 4 === 0 : s.length % 4 !== 1);
}

/**
 * v0.3 carries bytes as `file.bytes` (JSON-RPC, FileWithBytes) or
 * `file.fileWithBytes` (HTTP+JSON, ProtoJSON of the v0.3 proto, whose parts
 * are `content`). The SDK's v0.3 translation decodes them leniently (bad
 * characters are dropped, so `%%%` is stored as empty bytes); they are
 * checked here, before translation, and refused as the v1 `raw` field is:
 * -32602 naming the part.
 */
export function checkLegacyFileBytes(params: unknown): void {
  const message = (params as { message?: { parts?: unknown; content?: unknown } } | null | undefined)?.message;
  for (const list of ['parts', 'content'] as const) {
    const parts = message?.[list];
    if (!Array.isArray(parts)) continue;
    for (let i = 0; i < parts.length; i++) {
      const file = (parts[i] as { file?: Record<string, unknown> } | null)?.file;
      if (typeof file !== 'object' || file === null) continue;
      for (const name of LEGACY_BYTES_FIELDS) {
        const bytes = file[name];
        if (typeof bytes === 'string' && !isProtoJsonBase64(bytes)) {
          const field = `message.${list}[${i}].file.${name}`;
          throw invalidParams(field, 'must be base64');
        }
      }
    }
  }
}
const LEGACY_BYTES_FIELDS = ['bytes', 'fileWithBytes', 'file_with_bytes'] as const;

/*
 * Ajv and the compiled validators are made on first use (CONTRIBUTING.md, "Load what you use"): the
 * protocol module is imported by every CLI command, and most never validate
 * params. Ajv is CommonJS, so it is required synchronously on that first call.
 */
let ajv: AjvInstance | undefined;
const validators = new Map<string, ValidateFunction>();

function validatorOf(method: string): ValidateFunction | undefined {
  const known = validators.get(method);
  if (known !== undefined || !Object.hasOwn(PARAM_SCHEMAS, method)) return known;
  ajv ??= createAjv();
  const compiled = ajv.compile(PARAM_SCHEMAS[method]!);
  validators.set(method, compiled);
  return compiled;
}

function createAjv(): AjvInstance {
  const { Ajv } = createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvInstance };
  const instance = new Ajv({ allErrors: false, strict: false });
  // RFC 3339 / ISO 8601 with a time zone, as ProtoJSON Timestamp requires (A2A §5.6.1).
  instance.addFormat('timestamp', {
    type: 'string',
    validate: (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
  });
  // ProtoJSON bytes (A2A §5.5): standard or URL-safe base64, padded or not; anything else is not bytes and is refused rather than stored.
  instance.addFormat('base64', { type: 'string', validate: isProtoJsonBase64 });
  return instance;
}

/** The v1 method names, in spec order. */
export const V1_METHODS: readonly string[] = Object.freeze(Object.keys(PARAM_SCHEMAS));

function violationOf(error: ErrorObject): FieldViolation {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`))
    .join('')
    .replace(/^\./, '');
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return { field: path ? `${path}.${missing}` : missing, description: 'is required' };
  }
  if (error.keyword === 'oneOf') return { field: path || '(root)', description: 'must have exactly one of text, raw, url, data' };
  if (error.keyword === 'enum') return { field: path, description: `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.filter((v) => typeof v === 'string').join(', ')}` };
  if (error.keyword === 'format' && (error.params as { format: string }).format === 'base64') return { field: path, description: 'must be base64 (bytes in ProtoJSON)' };
  if (error.keyword === 'format') return { field: path, description: 'must be an RFC 3339 timestamp with a time zone, e.g. 2026-01-02T03:04:05Z' };
  return { field: path || '(root)', description: error.message ?? 'is invalid' };
}

/** The message's schema, as the renaming reads it. */
const MESSAGE_SCHEMA: object = message;

/**
 * A v1 message as sent, with every field a2a.proto declares under its JSON
 * name (`message_id` read as `messageId`, at any depth), as the runtime
 * reads it: what the gateway prices, holds credits under and compares. A
 * message naming a field twice is returned as sent (validation refuses it).
 */
export function messageInJsonNames(message: Record<string, unknown>): Record<string, unknown> {
  try {
    return toProtoJsonFields(message, MESSAGE_SCHEMA, 'message');
  } catch {
    return message;
  }
}

/**
 * Checks the params of a v1 method and returns them with every proto field
 * under its lowerCamelCase JSON name (see {@link toProtoJsonNames}); throws
 * -32602 naming the first bad field. Params must be an object (JSON-RPC 2.0
 * by-name params).
 */
export function validateParams(method: string, params: unknown): Record<string, unknown> {
  // The usual call, judged without the renaming walk and ajv: what the plain check accepts, both accept as is.
  if (isRecord(params) && isPlainParams(method, params)) return params;
  return validateParamsInFull(method, params);
}

/** {@link validateParams} without its plain check: the renaming, then ajv; what the plain check is held to. */
export function validateParamsInFull(method: string, params: unknown): Record<string, unknown> {
  const validate = validatorOf(method);
  if (!isRecord(params)) {
    throw invalidParams('params', 'must be an object');
  }
  const schema = PARAM_SCHEMAS[method];
  const named = schema ? toProtoJsonFields(params, schema, '') : params;
  if (!validate || validate(named)) return named;
  const violation = violationOf(validate.errors![0]!);
  throw invalidParams(violation.field, violation.description);
}

/*
 * The params of the calls every client makes (a SendMessage of text, data,
 * url or raw parts; a GetTask), judged by hand: true only when ajv accepts
 * them against PARAM_SCHEMAS and no field would be renamed (no key of a
 * declared object holds a '_'), so `validateParams` answers the params
 * themselves as the full path would. Anything else, valid or not, answers
 * false and goes the full way (the renaming, then ajv), so a refusal names
 * the same field in the same words. A string's length bounds are read in
 * UTF-16 units, which are never fewer than the code points ajv counts: a
 * string the plain check passes, ajv passes. test/unit/protocol holds the two
 * to the same verdict over generated params.
 */

/** True when `params` of `method` are valid and every name in them is the canonical one (see above); false when it cannot tell. */
export function isPlainParams(method: string, params: Record<string, unknown>): boolean {
  if (method === 'SendMessage' || method === 'SendStreamingMessage') return isPlainSend(params);
  if (method === 'GetTask') return isPlainGetTask(params);
  return false;
}

const MAX_ID = 256;

function isPlainSend(params: Record<string, unknown>): boolean {
  for (const key in params) {
    if (!Object.hasOwn(params, key)) continue;
    // `configuration` (rare) and any spelling to rename go the full way.
    if (key === 'configuration' || key.includes('_')) return false;
  }
  const tenant = params['tenant'];
  if (tenant !== undefined && typeof tenant !== 'string') return false;
  const metadata = params['metadata'];
  if (metadata !== undefined && !isRecord(metadata)) return false;
  const message = params['message'];
  return isRecord(message) && isPlainMessage(message);
}

function isPlainMessage(message: Record<string, unknown>): boolean {
  for (const key in message) if (Object.hasOwn(message, key) && key.includes('_')) return false;
  const messageId = message['messageId'];
  if (typeof messageId !== 'string' || messageId.length === 0 || messageId.length > MAX_ID) return false;
  if (!isOptionalString(message['contextId'], MAX_ID) || !isOptionalString(message['taskId'], MAX_ID)) return false;
  const role = message['role'];
  if (role !== 'ROLE_USER' && role !== 'ROLE_AGENT' && role !== 'user' && role !== 'agent' && role !== 1 && role !== 2) return false;
  const metadata = message['metadata'];
  if (metadata !== undefined && !isRecord(metadata)) return false;
  if (!isOptionalStringList(message['extensions']) || !isOptionalStringList(message['referenceTaskIds'])) return false;
  const parts = message['parts'];
  if (!Array.isArray(parts) || parts.length === 0 || parts.length > 1000) return false;
  for (let i = 0; i < parts.length; i++) if (!isPlainPart(parts[i])) return false;
  return true;
}

function isPlainPart(part: unknown): boolean {
  if (!isRecord(part)) return false;
  for (const key in part) if (Object.hasOwn(part, key) && key.includes('_')) return false;
  const text = part['text'];
  const raw = part['raw'];
  const url = part['url'];
  // Exactly one of the four (the schema's oneOf, whose `required` is `!== undefined`); `data` may be any JSON value.
  if ((text !== undefined ? 1 : 0) + (raw !== undefined ? 1 : 0) + (url !== undefined ? 1 : 0) + (part['data'] !== undefined ? 1 : 0) !== 1) return false;
  if (text !== undefined && typeof text !== 'string') return false;
  if (raw !== undefined && (typeof raw !== 'string' || !isProtoJsonBase64(raw))) return false;
  if (url !== undefined && typeof url !== 'string') return false;
  const metadata = part['metadata'];
  if (metadata !== undefined && !isRecord(metadata)) return false;
  return isOptionalString(part['filename'], Infinity) && isOptionalString(part['mediaType'], Infinity);
}

function isPlainGetTask(params: Record<string, unknown>): boolean {
  for (const key in params) if (Object.hasOwn(params, key) && key.includes('_')) return false;
  const id = params['id'];
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID) return false;
  if (!isOptionalString(params['tenant'], Infinity)) return false;
  const historyLength = params['historyLength'];
  return historyLength === undefined || (Number.isInteger(historyLength) && (historyLength as number) >= 0 && (historyLength as number) <= 2147483647);
}

function isOptionalString(value: unknown, maxLength: number): boolean {
  return value === undefined || (typeof value === 'string' && value.length <= maxLength);
}

function isOptionalStringList(value: unknown): boolean {
  if (value === undefined) return true;
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
  return true;
}
