import type { FieldType, ResourceMapperField } from 'n8n-workflow';

type Schema = Record<string, unknown>;

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The object a skill's input schema describes: the schema itself when it is
 * one, else the object branch of a text-or-data schema (`if`/`then`/`else`,
 * `anyOf`, `oneOf`). Undefined when the skill takes text only.
 */
export function objectSchemaOf(schema: unknown): Schema | undefined {
  if (!isObject(schema)) return undefined;
  if (schema['type'] === 'object' || isObject(schema['properties'])) return schema;
  for (const branch of [schema['else'], schema['then'], ...(Array.isArray(schema['anyOf']) ? schema['anyOf'] : []), ...(Array.isArray(schema['oneOf']) ? schema['oneOf'] : [])]) {
    const found = objectSchemaOf(branch);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The form fields of a skill's input: one per top-level property, typed and required as the schema says. */
export function fieldsOf(schema: unknown): ResourceMapperField[] {
  const object = objectSchemaOf(schema);
  const properties = isObject(object?.['properties']) ? object['properties'] : {};
  const required = new Set(Array.isArray(object?.['required']) ? (object['required'] as unknown[]).filter((r): r is string => typeof r === 'string') : []);
  return Object.entries(properties).map(([id, property]) => {
    const p = isObject(property) ? property : {};
    const choices = Array.isArray(p['enum']) ? (p['enum'] as unknown[]).filter((v): v is string | number => typeof v === 'string' || typeof v === 'number') : undefined;
    return {
      id,
      displayName: typeof p['title'] === 'string' ? p['title'] : id,
      required: required.has(id),
      defaultMatch: false,
      canBeUsedToMatch: false,
      display: true,
      type: choices !== undefined && choices.length > 0 ? 'options' : typeOf(p['type']),
      ...(choices !== undefined && choices.length > 0 ? { options: choices.map((v) => ({ name: String(v), value: v })) } : {}),
    };
  });
}

function typeOf(type: unknown): FieldType {
  const one = Array.isArray(type) ? type.find((t) => t !== 'null') : type;
  switch (one) {
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return 'array';
    case 'object':
      return 'object';
    default:
      return 'string';
  }
}

/**
 * The data part of a message from the mapped fields: arrays and objects the
 * form holds as JSON text are parsed; empty optional fields are left out.
 */
export function dataOf(values: Record<string, unknown>, fields: readonly ResourceMapperField[]): Record<string, unknown> {
  const byId = new Map(fields.map((f) => [f.id, f]));
  const data: Record<string, unknown> = {};
  for (const [id, value] of Object.entries(values)) {
    if (value === '' || value === null || value === undefined) continue;
    const type = byId.get(id)?.type;
    data[id] = (type === 'array' || type === 'object') && typeof value === 'string' ? JSON.parse(value) : value;
  }
  return data;
}
