import { invalidParams } from './error-messages.js';
import { isRecord } from './narrowing.js';

/*
 * ProtoJSON (the JSON mapping A2A §5.5 follows): a field's JSON name is the
 * lowerCamelCase of its proto name, and parsers MUST accept the original
 * proto name too (`message_id` as well as `messageId`). Clients generated
 * from a2a.proto and the TCK's REST client send the proto names.
 *
 * Rules enforced here, once, before validation:
 * - A key is renamed only where the request schema declares the field (an
 *   object schema with `properties`), so the keys of Struct/Value fields
 *   (`metadata`, a data part's `data`, extension params) — user content —
 *   are never touched.
 * - A field sent under both spellings is refused as invalid params, as
 *   protobuf's own JSON parsers refuse a duplicated field (protobuf-go
 *   `protojson`: "duplicate field"); there is no way to know which one the
 *   client meant.
 * The schemas mirror a2a.proto message by message; test/unit/protocol checks
 * that every field of every request message in the proto is declared, so no
 * proto name escapes the renaming.
 */

/** The ProtoJSON (lowerCamelCase) name of a proto field name: `history_length` → `historyLength`. */
export function protoJsonName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

/**
 * Returns `value` with every declared field under its JSON name, walking the
 * request's JSON Schema. Values the schema leaves opaque are returned as is.
 */
export function toProtoJsonNames(value: unknown, schema: SchemaNode, path: string): unknown {
  if (Array.isArray(value)) {
    const items = schema.items;
    return items ? value.map((v, i) => toProtoJsonNames(v, items, `${path}[${i}]`)) : value;
  }
  return isRecord(value) ? toProtoJsonFields(value, schema, path) : value;
}

/** The fields of `source` under their JSON names where `schema` declares them; `source` itself when none is renamed. */
export function toProtoJsonFields(source: Record<string, unknown>, schema: SchemaNode, path: string): Record<string, unknown> {
  const properties = schema.properties;
  if (!properties) return source;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(source)) {
    const name = key.includes('_') ? protoJsonName(key) : key;
    const field = properties[name];
    if (name !== key && field === undefined) continue; // not a declared field: left as sent (unknown fields are ignored)
    if (name !== key && Object.hasOwn(source, name)) {
      const where = path ? `${path}.${name}` : name;
      throw invalidParams(where, `is sent both as ${key} and as ${name}`);
    }
    const inner = field ? toProtoJsonNames(source[key], field, path ? `${path}.${name}` : name) : source[key];
    if (name !== key || inner !== source[key]) out ??= { ...source };
    if (out) {
      if (name !== key) delete out[key];
      out[name] = inner;
    }
  }
  return out ?? source;
}
