/**
 * The ACP conformance check of the tests, driven by the ACP document itself
 * (schemas/acp/openapi.yaml, read with `yaml`, independent of src/acp):
 * every request an ACP client sends and every response (and SSE event) it
 * reads is checked against the schema the document gives that path, method,
 * status and content type. A message the document does not describe (an
 * undocumented status, a path it has no operation for) fails too.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import { parse } from 'yaml';

const addFormats = (ajvFormats as unknown as { default: (ajv: Ajv2020) => Ajv2020 }).default;

type Json = Record<string, any>;

const doc = parse(readFileSync(new URL('../../schemas/acp/openapi.yaml', import.meta.url), 'utf8')) as Json;

/** `nullable: true` (OpenAPI 3.0, still written in this 3.1 document) read as "or null". */
function nullableToAnyOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableToAnyOf);
  if (typeof node !== 'object' || node === null) return node;
  const { nullable, ...rest } = node as Json;
  const out = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, nullableToAnyOf(v)]));
  return nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addFormat('float', true);
// The whole document, so `#/components/...` pointers resolve as written.
ajv.addSchema({ ...(nullableToAnyOf(doc) as Json), $id: 'acp-openapi' });

const compiled = new Map<string, ValidateFunction>();
function validatorAt(pointer: string): ValidateFunction {
  let v = compiled.get(pointer);
  if (!v) {
    v = ajv.compile({ $ref: `acp-openapi#${pointer}` });
    compiled.set(pointer, v);
  }
  return v;
}

const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** The document's path template matching `path` (`/runs/abc` → `/runs/{run_id}`). */
export function operationPath(path: string): string {
  for (const template of Object.keys(doc.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (re.test(path)) return template;
  }
  throw new Error(`the ACP document has no path ${path}`);
}

function resolveRef(node: Json): Json {
  let n = node;
  while (n && typeof n.$ref === 'string') {
    n = n.$ref.slice(2).split('/').reduce((o: Json, k: string) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return n;
}

function check(pointer: string, value: unknown, what: string): void {
  const v = validatorAt(pointer);
  if (!v(value)) throw new Error(`${what} does not conform to ACP openapi.yaml (${pointer}): ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 2000)}`);
}

/** Checks a request body against the operation's requestBody schema. */
export function checkRequest(method: string, path: string, body: unknown): void {
  const template = operationPath(path);
  const op = doc.paths[template]?.[method.toLowerCase()];
  if (!op) throw new Error(`the ACP document has no ${method} ${template}`);
  if (!op.requestBody) {
    if (body !== undefined) throw new Error(`${method} ${template} takes no body in the ACP document`);
    return;
  }
  check(`/paths/${escape(template)}/${method.toLowerCase()}/requestBody/content/application~1json/schema`, body, `request ${method} ${path}`);
}

/**
 * Checks a response: its status must be one the operation lists (or its
 * `default`, which is the Error response), and its body (or, for
 * `text/event-stream`, each event) the schema of that status and content type.
 */
export function checkResponse(method: string, path: string, status: number, contentType: string, body: unknown): void {
  const template = operationPath(path);
  const m = method.toLowerCase();
  const responses = doc.paths[template]?.[m]?.responses as Json | undefined;
  if (!responses) throw new Error(`the ACP document has no ${method} ${template}`);
  const key = Object.hasOwn(responses, String(status)) ? String(status) : 'default';
  if (!Object.hasOwn(responses, key)) throw new Error(`status ${status} is not a response of ${method} ${template}`);
  if (key === 'default' && status < 400) throw new Error(`${method} ${template} answered ${status}, which the document does not list`);
  const response = resolveRef(responses[key]);
  const media = contentType.split(';')[0]!.trim();
  if (!response.content?.[media]) throw new Error(`${method} ${template} ${status} has no ${media} content in the ACP document`);
  const base = responses[key].$ref ? `${responses[key].$ref.slice(1)}` : `/paths/${escape(template)}/${m}/responses/${key}`;
  check(`${base}/content/${escape(media)}/schema`, body, `response ${status} ${media} of ${method} ${path}`);
}

/** Checks a value against a named component schema (`Run`, `Event`, …). */
export function checkSchema(name: string, value: unknown): void {
  check(`/components/schemas/${name}`, value, name);
}
