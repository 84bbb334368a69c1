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
 * Where the walk is, as segments (a field name, or an item's index): joined
 * into `message.parts[0].data` only for an error. Building that string at
 * each field cost about 1.5 KB of strings a gateway call, all garbage
 * (docs/perf-journal/gateway-and-fleet-2026-11-27.md, "Garbage collection per gateway call").
 */
type PathStack = Array<string | number>;

/**
 * Returns `value` with every declared field under its JSON name, walking the
 * request's JSON Schema. Values the schema leaves opaque are returned as is,
 * and so is any object or array in which nothing is renamed.
 */
export function toProtoJsonNames(value: unknown, schema: SchemaNode, path: string): unknown {
  return renamedValue(value, schema, path === '' ? [] : [path]);
}

/** The fields of `source` under their JSON names where `schema` declares them; `source` itself when none is renamed. */
export function toProtoJsonFields(source: Record<string, unknown>, schema: SchemaNode, path: string): Record<string, unknown> {
  return renamedFields(source, schema, path === '' ? [] : [path]);
}

function renamedValue(value: unknown, schema: SchemaNode, at: PathStack): unknown {
  if (Array.isArray(value)) {
    const items = schema.items;
    return items ? renamedItems(value, items, at) : value;
  }
  return isRecord(value) ? renamedFields(value, schema, at) : value;
}

function renamedItems(value: unknown[], items: SchemaNode, at: PathStack): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    at.push(i);
    const inner = renamedValue(item, items, at);
    at.pop();
    if (out !== undefined) out.push(inner);
    else if (inner !== item) {
      out = value.slice(0, i);
      out.push(inner);
    }
  }
  return out ?? value;
}

function renamedFields(source: Record<string, unknown>, schema: SchemaNode, at: PathStack): Record<string, unknown> {
  const properties = schema.properties;
  if (!properties) return source;
  let out: Record<string, unknown> | undefined;
  // `for…in` walks the object's enumeration cache; `Object.keys` would copy it into an array each time.
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    const name = key.includes('_') ? protoJsonName(key) : key;
    const field = properties[name];
    if (name !== key && field === undefined) continue; // not a declared field: left as sent (unknown fields are ignored)
    if (name !== key && Object.hasOwn(source, name)) {
      throw invalidParams(joined(at, name), `is sent both as ${key} and as ${name}`);
    }
    const value = source[key];
    let inner = value;
    if (field) {
      at.push(name);
      inner = renamedValue(value, field, at);
      at.pop();
    }
    if (name !== key || inner !== value) out ??= { ...source };
    if (out) {
      if (name !== key) delete out[key];
      out[name] = inner;
    }
  }
  return out ?? source;
}

/** `a.b[0].c`: the path's segments, then `name`. */
function joined(at: PathStack, name: string): string {
  let path = '';
  for (const segment of at) path = typeof segment === 'number' ? `${path}[${segment}]` : path === '' ? segment : `${path}.${segment}`;
  return path === '' ? name : `${path}.${name}`;
}
